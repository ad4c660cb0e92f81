"""Which waiting ticket a window calls next.

A pure policy: no I/O and no clock reads, so the caller passes `now` and the
hall's starvation threshold. The rules, most binding first:

1. A window serves what its profile lists (a universal window serves every
   service); a ticket transferred to a window is served only there, whatever
   that window's profile.
2. Tickets transferred to this window come first: they were sent on purpose.
3. The green channel has strict priority, oldest first.
4. A ticket waiting at least `starvation` is served next, oldest first,
   whatever its profile level.
5. Otherwise profile level, then appointments before walk-ins, then arrival.
   A universal window has no levels, so it takes the longest waiting ticket
   across all categories, appointments ahead.

Every rule reduces to one sort key, so `choose_ticket` is the minimum of the
key and `queue_order` is a sort by it: the two cannot disagree.

People ahead of a waiting ticket (the ticket, the kiosk, the phone page and the
screens all say this number) is defined by the same key: the fewest tickets
that any window which may serve it would call before it, counting the open
windows, or every such window of the hall while none of them is open
(`people_ahead`).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.hall import Priority, Window


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    service: str
    priority: Priority
    # Effective arrival: the slot time for an appointment, else when the
    # ticket (re)joined the queue.
    arrival: datetime
    # A ticket transferred to one specific window: only that window may take it.
    target_window: int | None = None

    @classmethod
    def waiting(cls, ticket_id: int, service: str, priority: Priority, arrival: datetime, queued_at: datetime,
                target_window: int | None, now: datetime) -> Candidate:
        """A waiting ticket as routing sees it at `now`.

        An appointment ranks as one from its slot time (its `arrival`) on;
        checked in early, it queues as a walk-in from its check-in until the slot begins.
        """
        if priority is Priority.APPOINTMENT and arrival > now:
            priority, arrival = Priority.NORMAL, queued_at
        return cls(ticket_id, service, priority, arrival, target_window)


# Tiers of the sort key, called first to last.
_TARGETED, _GREEN, _STARVING, _REGULAR = range(4)

_RankKey = tuple[int, int, int, datetime, int]


def servable(window: Window, candidate: Candidate) -> bool:
    if candidate.target_window is not None:
        # A transfer is an explicit order: it overrides the profile both ways.
        return candidate.target_window == window.number
    return window.level_of(candidate.service) is not None  # always true when universal


def _rank(window: Window, candidate: Candidate, now: datetime, starvation: timedelta,
          level: int | None = None) -> _RankKey:
    """Sort key of a servable candidate: lowest is called first (`level`: its level here, when known).

    Whether a ticket starves depends only on `now`, not on who else waits, so
    serving one ticket never changes another's key.
    """
    # Ties fall to the ticket id so the choice never depends on input order.
    arrival = candidate.arrival
    if candidate.target_window is not None:  # servable, so targeted here
        return (_TARGETED, 0, 0, arrival, candidate.ticket_id)
    if candidate.priority is Priority.GREEN:
        return (_GREEN, 0, 0, arrival, candidate.ticket_id)
    if now - arrival >= starvation:
        return (_STARVING, 0, 0, arrival, candidate.ticket_id)
    if level is None:
        level = window.level_of(candidate.service)  # 0 for every service on a universal window
    assert level is not None  # servable and not targeted
    walk_in = int(candidate.priority is not Priority.APPOINTMENT)
    return (_REGULAR, level, walk_in, arrival, candidate.ticket_id)


def rank(window: Window, candidate: Candidate, now: datetime, starvation: timedelta) -> _RankKey:
    """The sort key of a candidate `window` may serve (see `servable`): lowest is called first."""
    return _rank(window, candidate, now, starvation)


def _ranked(
    window: Window, candidates: Iterable[Candidate], now: datetime, starvation: timedelta
) -> list[tuple[_RankKey, Candidate]]:
    ranked = []
    levels = window.levels  # servable, inlined: the twin ranks tens of thousands a run
    for c in candidates:
        if c.target_window is not None:
            if c.target_window == window.number:
                ranked.append((_rank(window, c, now, starvation), c))
            continue
        level = 0 if levels is None else levels.get(c.service)
        if level is not None:
            ranked.append((_rank(window, c, now, starvation, level), c))
    return ranked


def choose_ticket(
    window: Window, candidates: Iterable[Candidate], now: datetime, starvation: timedelta
) -> Candidate | None:
    """The ticket `window` should call now, None when it may serve none of them."""
    ranked = _ranked(window, candidates, now, starvation)
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def queue_order(
    window: Window, candidates: Iterable[Candidate], now: datetime, starvation: timedelta
) -> list[Candidate]:
    """The servable candidates in the order `window` would call them at `now`.

    Equal to calling `choose_ticket` repeatedly and removing the chosen ticket,
    since each key is independent of the other candidates; gives the people
    ahead of a ticket and feeds the wait estimate.
    """
    ranked = _ranked(window, candidates, now, starvation)
    return [c for _, c in sorted(ranked, key=lambda pair: pair[0])]


def counted_windows(windows: Sequence[Window], target: Candidate, open_windows: Collection[int]) -> list[Window]:
    """The windows whose order gives a ticket's people ahead: the open ones that may
    serve it, or, while none of those is open, every window that may serve it."""
    serving = [w for w in windows if servable(w, target)]
    opened = [w for w in serving if w.number in open_windows]
    return opened or serving


def people_ahead(target: Candidate, waiting: Iterable[Candidate], windows: Sequence[Window],
                 open_windows: Collection[int], now: datetime, starvation: timedelta) -> int:
    """The definition of "people ahead": the fewest tickets that any counted window
    (`counted_windows`) would call before `target` at `now`; 0 when no window may serve it.

    Straight from the sort key, for clarity; the live queues compute the same
    number faster (server.queue_state) and a property test holds the two equal.
    """
    others = [c for c in waiting if c.ticket_id != target.ticket_id]
    counts = []
    for window in counted_windows(windows, target, open_windows):
        key = _rank(window, target, now, starvation)
        counts.append(sum(1 for other_key, _ in _ranked(window, others, now, starvation) if other_key < key))
    return min(counts, default=0)
