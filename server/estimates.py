"""Rough waiting-time estimates shown on tickets and kiosks."""
from __future__ import annotations

import math


def estimated_wait_minutes(people_ahead: int, typical_minutes: float, windows_serving: int) -> int:
    """Everyone ahead is handled in parallel by the windows that serve the service."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * typical_minutes / max(1, windows_serving))
