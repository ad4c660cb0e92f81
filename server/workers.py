"""What the background workers share: a round over the halls, again and again."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from server.database_health import OUTAGE_ERRORS
from server.hall import Hall

log = logging.getLogger(__name__)


async def every_round(halls: Callable[[], Iterable[Hall]], one_round: Callable[[Hall], Awaitable[object]],
                      pause_seconds: float, what: str) -> None:
    """Run `one_round` for each hall, then pause, forever. The database being away skips a round
    (the work waits for it); another failure is logged and the next round tries again."""
    while True:
        for hall in halls():
            try:
                await one_round(hall)
            except OUTAGE_ERRORS:
                pass
            except Exception:
                log.exception("%s of hall %s failed a round", what, hall.id)
        await asyncio.sleep(pause_seconds)
