"""How right the server's wait estimates were on the simulated day, next to the old formula's.

Each ticket's estimate is the one its issue answer told (`estimated_wait_minutes`);
its actual wait runs from issue to its first call. The old formula, kept here
only to compare against, was people ahead × the service's typical minutes ÷ the
windows open that may serve it (all of them while none is open). Figures per
zone and for the hall: tickets, mean absolute error, share within ±5 minutes,
bias (estimate − actual: negative means told too short), as the server's
`GET /api/v1/stats/estimates` defines them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.hall import Hall

WITHIN = 5.0  # minutes


def formula_minutes(people_ahead: int, typical_minutes: float, windows_serving: int) -> int:
    """The old estimate: everyone ahead handled in parallel by the windows that serve the service."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * typical_minutes / max(1, windows_serving))


@dataclass(frozen=True)
class Accuracy:
    tickets: int
    mae_minutes: float | None
    within_5_share: float | None
    bias_minutes: float | None

    @classmethod
    def of(cls, pairs: list[tuple[float, float]]) -> Accuracy:
        """From (estimate, actual) minute pairs."""
        if not pairs:
            return cls(0, None, None, None)
        errors = [estimate - actual for estimate, actual in pairs]
        return cls(len(pairs), round(sum(abs(e) for e in errors) / len(errors), 2),
                   round(sum(abs(e) <= WITHIN for e in errors) / len(errors), 3),
                   round(sum(errors) / len(errors), 2))


@dataclass
class _Told:
    zone: str
    issued_at: datetime
    estimate: int | None  # the server's; None: no window was open
    formula: int
    actual: float | None = None


@dataclass
class EstimateRecorder:
    hall: Hall
    open_windows: set[int] = field(default_factory=set)  # signed in and not paused, as the simulation made them
    _told: dict[int, _Told] = field(default_factory=dict)  # by ticket id

    def issued(self, answer: dict[str, Any]) -> None:
        ticket = answer["ticket"]
        service = self.hall.service(ticket["service"])
        serving = [w.number for w in self.hall.windows_serving(ticket["service"])]
        open_count = sum(1 for n in serving if n in self.open_windows)
        formula = formula_minutes(answer["people_ahead"], service.typical_minutes if service else 0,
                                  open_count or len(serving))
        self._told[ticket["id"]] = _Told(ticket["zone"], datetime.fromisoformat(ticket["issued_at"]),
                                         answer.get("estimated_wait_minutes"), formula)

    def called(self, ticket: dict[str, Any]) -> None:
        told = self._told.get(ticket["id"])
        if told is not None and told.actual is None:  # the first call ends the wait told about
            told.actual = (datetime.fromisoformat(ticket["called_at"]) - told.issued_at).total_seconds() / 60

    def report(self) -> dict[str, dict[str, Accuracy]]:
        """Per zone code and "all": {"server": …, "formula": …}."""
        groups: dict[str, list[_Told]] = {}
        for told in self._told.values():
            if told.actual is not None:
                groups.setdefault(told.zone, []).append(told)
                groups.setdefault("all", []).append(told)
        return {zone: {"server": Accuracy.of([(t.estimate, t.actual) for t in tolds
                                              if t.estimate is not None and t.actual is not None]),
                       "formula": Accuracy.of([(t.formula, t.actual) for t in tolds if t.actual is not None])}
                for zone, tolds in sorted(groups.items())}
