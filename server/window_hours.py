"""How many windows were open in each hour of a day, read from their duty changes.

A window counts while it is open: signed in and not paused (a paused window calls nobody).
An hour's figure is the mean over the part of it that has passed, so a window open for half
of an hour counts 0.5, and the hour going on now counts up to now.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from server.model import WindowStateName

HOUR = timedelta(hours=1)


def open_intervals(changes: Iterable[tuple[datetime, str]], start: datetime,
                   until: datetime) -> list[tuple[datetime, datetime]]:
    """When one window was open from `start` until `until`, from its state after each change
    (in time order, the first possibly before `start`)."""
    intervals, opened = [], None
    for at, state in changes:
        at = max(at, start)
        if state == WindowStateName.OPEN.value:
            opened = at if opened is None else opened
        elif opened is not None:
            intervals.append((opened, at))
            opened = None
    if opened is not None and opened < until:
        intervals.append((opened, until))
    return [(a, min(b, until)) for a, b in intervals if a < min(b, until)]


def open_per_hour(changes: Iterable[tuple[int, datetime, str]], origin: datetime, hours: Sequence[int],
                  until: datetime) -> dict[int, dict[int, float]]:
    """hour -> window -> the share of the hour (of its part before `until`) the window was open, for
    the hours begun before `until`; `changes` are (window, at, state) in time order per window."""
    by_window: dict[int, list[tuple[datetime, str]]] = {}
    for window, at, state in changes:
        by_window.setdefault(window, []).append((at, state))
    begun = [h for h in hours if origin + h * HOUR < until]
    shares: dict[int, dict[int, float]] = {h: {} for h in begun}
    for window, steps in by_window.items():
        for a, b in open_intervals(steps, origin, until):
            for hour in begun:
                first, last = origin + hour * HOUR, min(origin + (hour + 1) * HOUR, until)
                overlap = (min(b, last) - max(a, first)).total_seconds()
                if overlap > 0:
                    shares[hour][window] = shares[hour].get(window, 0.0) + overlap / (last - first).total_seconds()
    return shares
