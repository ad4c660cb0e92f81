"""The one source of time for the server.

Every module asks an injected clock, never `datetime.now()`, so tests can pin
the time and the day simulator can run a hall day faster than real time
through the real server.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: for tests."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class ScaledClock:
    """Simulated time: starts at `start` and runs `speed` times faster than real time."""

    def __init__(self, start: datetime, speed: float) -> None:
        self._start = start
        self._speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self._speed)


class SteppedClock:
    """Simulated time that moves only forward and only when told (`hallq serve --clock stepped`).

    The day simulator steps it from one action to the next, so a whole hall day
    runs through the real server as fast as the server answers.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> datetime:
        """Move to `moment`; never back, as stays and events must keep their order."""
        if moment < self._now:
            raise ValueError(f"the clock is at {self._now.isoformat()}, not going back to {moment.isoformat()}")
        self._now = moment
        return moment
