"""The hall's windows as the twin starts them, kept from the event stream.

For each window: signed in or not, paused since when and why, the ticket at it
(which service, called when) and who holds it. From the same events come the
hall's measurements for `HallLearning`: each stay when its ticket leaves the
window, the latency to the next call (only when someone was waiting for the
window), each pause when it ends, signed-in time paused or not.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from server.hall import Priority
from server.model import WindowState, WindowStateName
from server.twin.learning import HallLearning, Issue, PauseSpan, Stay

_AT_WINDOW = frozenset({"called", "serving"})


@dataclass(frozen=True)
class AtWindow:
    ticket_id: int
    service: str
    since: datetime  # its first call to this window


@dataclass(frozen=True)
class WindowNow:
    number: int
    state: WindowStateName
    staff_id: str | None = None
    pause_reason: str | None = None
    since: datetime | None = None  # when it entered this state
    ticket: AtWindow | None = None
    free_since: datetime | None = None  # when its last ticket left, while it had someone to call


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class WindowWatch:
    def __init__(self, learning: HallLearning, windows: dict[int, WindowNow]) -> None:
        self.learning = learning
        self.windows = windows
        self._where: dict[int, int] = {w.ticket.ticket_id: n for n, w in windows.items() if w.ticket}

    @classmethod
    def seeded(cls, learning: HallLearning, states: Iterable[WindowState], open_stays: Iterable[Mapping[str, Any]],
               duty: Iterable[Mapping[str, Any]] = ()) -> WindowWatch:
        """From the stored windows and their tickets (server.store.measurements.open_stays), `learning`
        first taught the pauses and signed-in time of the day's duty changes so far
        (server.store.measurements.duty_of_latest_day): a restarted hall keeps what its day told."""
        replay = cls(learning, {})
        for change in duty:
            if change["state"] is not None:
                replay.window({"number": change["window_no"], "state": change["state"],
                               "pause_reason": change["pause_reason"], "staff_id": change["staff_id"]},
                              change["at"])
        at = {r["window_no"]: AtWindow(r["ticket_id"], r["service"], r["called_at"]) for r in open_stays}
        return cls(learning, {s.number: WindowNow(s.number, s.state, s.staff_id, s.pause_reason, s.changed_at,
                                                  at.get(s.number)) for s in states})

    def ticket(self, ticket: dict[str, Any], at: datetime, issued: bool, has_work: Callable[[int], bool]) -> None:
        """A ticket's new state (model.Ticket.public); `issued`: it was just issued."""
        if issued:
            self.learning.issue(Issue(ticket["service"], Priority(ticket["priority"]), at))
        number = self._where.get(ticket["id"])
        if number is not None and (ticket["status"] not in _AT_WINDOW or ticket["window"] != number):
            self._left(number, at, has_work)
        if ticket["status"] in _AT_WINDOW and ticket["window"] is not None and number != ticket["window"]:
            self._called(ticket, at)

    def _left(self, number: int, at: datetime, has_work: Callable[[int], bool]) -> None:
        window = self.windows[number]
        assert window.ticket is not None
        del self._where[window.ticket.ticket_id]
        self.learning.stay(Stay(window.ticket.service, number, window.staff_id, window.ticket.since, at))
        self.windows[number] = replace(window, ticket=None, free_since=at if has_work(number) else None)

    def _called(self, ticket: dict[str, Any], at: datetime) -> None:
        number = ticket["window"]
        window = self.windows.get(number) or WindowNow(number, WindowStateName.OPEN, since=at)
        if window.ticket is not None:  # its previous ticket left without an event of its own
            self._where.pop(window.ticket.ticket_id, None)
        if window.free_since is not None:
            self.learning.latency((at - window.free_since).total_seconds())
        since = _moment(ticket.get("called_at")) or at
        self.windows[number] = replace(window, ticket=AtWindow(ticket["id"], ticket["service"], since),
                                       free_since=None)
        self._where[ticket["id"]] = number

    def window(self, state: dict[str, Any], at: datetime) -> None:
        """A window's new state (model.WindowState.public)."""
        number = state["number"]
        before = self.windows.get(number)
        new = WindowStateName(state["state"])
        if before is not None and before.state is new:  # an event about its ticket: same stretch
            self.windows[number] = replace(before, staff_id=state.get("staff_id"),
                                           pause_reason=state.get("pause_reason"))
            return
        if before is not None and before.since is not None and before.state is not WindowStateName.CLOSED:
            spent = (at - before.since).total_seconds()
            paused = before.state is WindowStateName.PAUSED
            self.learning.signed_in_time(spent, (before.pause_reason or "other") if paused else None)
            if before.state is WindowStateName.PAUSED and new is not WindowStateName.PAUSED:
                self.learning.pause(PauseSpan(before.pause_reason or "other", spent))
        if new is WindowStateName.PAUSED and state.get("pause_reason") == "meal":
            self.learning.meal_taken(state.get("staff_id"), at)
        ticket = before.ticket if before else None
        free_since = before.free_since if before and new is WindowStateName.OPEN else None
        self.windows[number] = WindowNow(number, new, state.get("staff_id"), state.get("pause_reason"), at,
                                         ticket, free_since)
