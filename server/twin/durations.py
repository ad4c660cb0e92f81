"""How long a window is taken by each ticket it calls, as the twin needs it.

`TypicalDurations` knows only the hall's configured `typical_minutes`; the live
estimates learn better figures from what the hall measures (server.twin.learning).
Sampled durations are lognormal around the expected value: handling times are
skewed (most visits are quick, a few take long).
"""
from __future__ import annotations

import math
import random
from datetime import datetime

from server.hall import Hall

DEFAULT_SIGMA = 0.45  # spread of log handling times when nothing better is known


def lognormal(mean: float, sigma: float, rng: random.Random) -> float:
    """A draw with the given mean (not median) and log spread."""
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma) if mean > 0 else 0.0


class TypicalDurations:
    """Every ticket of a service takes its typical_minutes (times `scale`) on average."""

    def __init__(self, hall: Hall, scale: float = 1.0, sigma: float = DEFAULT_SIGMA) -> None:
        self._mean = {s.code: s.typical_minutes * 60 * scale for s in hall.services}
        self._sigma = sigma

    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        mean = self._mean.get(service, 0.0)
        return mean if rng is None else lognormal(mean, self._sigma, rng)
