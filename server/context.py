"""What every service module needs: the halls, the pool, the clock."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from server.clock import Clock
from server.errors import NotFound
from server.hall import Hall


@dataclass
class HallContext:
    pool: asyncpg.Pool
    halls: dict[str, Hall]
    clock: Clock
    identity_key: bytes  # keys the hash of ID numbers

    def hall(self, hall_id: str) -> Hall:
        try:
            return self.halls[hall_id]
        except KeyError:
            raise NotFound(f"unknown hall {hall_id!r}") from None

    def today(self, hall: Hall, now: datetime | None = None) -> date:
        """The hall's local business day: numbers restart at local midnight."""
        return hall.local(now or self.clock.now()).date()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as con:
            async with con.transaction():
                yield con
