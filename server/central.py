"""The central view: every hall in a manager's scope on one page (a county's or a city's halls).

Per hall: people waiting and the longest wait, windows open, paused and in all,
the zones nobody can call (unattended) and the kiosks' device alarms, and today's
services with their 好差评 satisfaction. The queue figures are the live queues
this process keeps in memory (server.queue_state), as the pushed figures are;
the page keeps them live from each hall's socket, and reads this again only for
today's figures, as the dashboard reads its statistics.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from server import stats
from server.agent_status import AgentStatus
from server.auth import Principal
from server.context import HallContext
from server.hall import Hall
from server.hub import Hub


def scope(principal: Principal) -> list[str]:
    """The halls a manager may act in: the one whose file lists them, then their further halls."""
    return [principal.home, *sorted(principal.halls - {principal.home})]


def _queues(figures: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The hall's totals of the pushed figures: waiting, since when the longest, unattended zones."""
    since = min((s["waiting_since"] for s in figures["services"] if s["waiting_since"]), default=None)
    return {
        "waiting": sum(z["waiting"] for z in figures["zones"]),
        "waiting_since": since,
        "longest_wait_seconds": int((now - datetime.fromisoformat(since)).total_seconds()) if since else 0,
        "unattended_zones": [z["zone"] for z in figures["zones"] if z["unattended_since"]],
    }


class Central:
    def __init__(self, ctx: HallContext, hub: Hub, agents: AgentStatus) -> None:
        self.ctx, self.hub, self.agents = ctx, hub, agents

    async def overview(self, principal: Principal) -> dict[str, Any]:
        """Each hall of the caller's scope as of now, in the order of `scope`."""
        now = self.ctx.clock.now()
        return {"at": now.isoformat(), "halls": [await self._hall(self.ctx.hall(h), now) for h in scope(principal)]}

    async def _hall(self, hall: Hall, now: datetime) -> dict[str, Any]:
        queue = self.hub.queue(hall.id)
        today = stats.DayRange(self.ctx.today(hall, now), self.ctx.today(hall, now))
        groups = (await stats.report(self.ctx, hall, stats.Grouping.HALL, today)).groups
        figures = (groups[0] if groups else stats.GroupStats.empty(hall.id)).public()
        alarms = [{"device": d["device"], **a} for d in await self.agents.statuses(hall.id) for a in d["alarms"]]
        return {
            "id": hall.id, "name": hall.name, "timezone": hall.timezone.key,
            "alarm_minutes": {"yellow": hall.alarms.yellow_wait.total_seconds() / 60,
                              "red": hall.alarms.red_wait.total_seconds() / 60},
            "windows": {"all": len(hall.windows), "open": len(queue.open_windows)},
            **_queues(queue.figures(now), now),
            "device_alarms": alarms,
            "today": {"day": today.first.isoformat(), "served": figures["served"], "no_shows": figures["no_shows"],
                      "ratings": figures["ratings"]},
        }
