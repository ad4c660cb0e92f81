"""The reports as the API asks for them: which halls a manager's report covers, and each report
for its period (server.reports.weekly, monthly, quarterly)."""
from __future__ import annotations

from server.auth import Principal
from server.context import HallContext
from server.hall import Hall
from server.reports import period
from server.reports.monthly import MonthlyReport, monthly
from server.reports.quarterly import QuarterlyReport, quarterly
from server.reports.weekly import WeeklyReport, weekly
from server.summons import Summons


def scope(ctx: HallContext, principal: Principal, raw: str | None) -> list[Hall]:
    """`halls=a,b`: halls the caller may act in, in the order named; none named, the one it acts in."""
    names = [n.strip() for n in (raw or "").split(",") if n.strip()] or [principal.hall]
    return [ctx.hall(principal.acting_in(name).hall) for name in dict.fromkeys(names)]


class Reports:
    def __init__(self, ctx: HallContext, summons: Summons) -> None:
        self.ctx, self.summons = ctx, summons

    def scope(self, principal: Principal, raw: str | None) -> list[Hall]:
        return scope(self.ctx, principal, raw)

    def _period(self, halls: list[Hall], span: period.Span, raw: str | None) -> period.Period:
        return period.parse(span, raw, self.ctx.today(halls[0]))

    async def weekly(self, principal: Principal, raw_halls: str | None, raw_period: str | None) -> WeeklyReport:
        halls = self.scope(principal, raw_halls)
        return await weekly(self.ctx, halls, self._period(halls, period.Span.WEEK, raw_period))

    async def public_weekly(self, raw_hall: str | None, raw_period: str | None) -> WeeklyReport:
        """周公示 for the lobby screen and the website: one hall, no credential."""
        halls = [self.ctx.public_hall(raw_hall)]
        return await weekly(self.ctx, halls, self._period(halls, period.Span.WEEK, raw_period))

    async def monthly(self, principal: Principal, raw_halls: str | None, raw_period: str | None) -> MonthlyReport:
        halls = self.scope(principal, raw_halls)
        return await monthly(self.ctx, self.summons, halls, self._period(halls, period.Span.MONTH, raw_period))

    async def quarterly(self, principal: Principal, raw_halls: str | None,
                        raw_period: str | None) -> QuarterlyReport:
        halls = self.scope(principal, raw_halls)
        return await quarterly(self.ctx, halls, self._period(halls, period.Span.QUARTER, raw_period))
