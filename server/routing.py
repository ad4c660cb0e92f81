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
"""
from __future__ import annotations

from collections.abc import Iterable
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


# Tiers of the sort key, called first to last.
_TARGETED, _GREEN, _STARVING, _REGULAR = range(4)

_RankKey = tuple[int, int, int, datetime, int]


def servable(window: Window, candidate: Candidate) -> bool:
    if candidate.target_window is not None:
        # A transfer is an explicit order: it overrides the profile both ways.
        return candidate.target_window == window.number
    return window.level_of(candidate.service) is not None  # always true when universal


def _rank(window: Window, candidate: Candidate, now: datetime, starvation: timedelta) -> _RankKey:
    """Sort key of a servable candidate: lowest is called first.

    Whether a ticket starves depends only on `now`, not on who else waits, so
    serving one ticket never changes another's key.
    """
    # Ties fall to the ticket id so the choice never depends on input order.
    tail = (candidate.arrival, candidate.ticket_id)
    if candidate.target_window is not None:  # servable, so targeted here
        return (_TARGETED, 0, 0, *tail)
    if candidate.priority is Priority.GREEN:
        return (_GREEN, 0, 0, *tail)
    if now - candidate.arrival >= starvation:
        return (_STARVING, 0, 0, *tail)
    level = window.level_of(candidate.service)  # 0 for every service on a universal window
    assert level is not None  # servable and not targeted
    walk_in = int(candidate.priority is not Priority.APPOINTMENT)
    return (_REGULAR, level, walk_in, *tail)


def _ranked(
    window: Window, candidates: Iterable[Candidate], now: datetime, starvation: timedelta
) -> list[tuple[_RankKey, Candidate]]:
    return [(_rank(window, c, now, starvation), c) for c in candidates if servable(window, c)]


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
