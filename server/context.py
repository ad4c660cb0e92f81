"""What every service module needs: the halls, the pool, the clock."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from server.clock import Clock
from server.database_health import OUTAGE_ERRORS
from server.errors import NotFound, OutcomeUnknown, Unprocessable
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

    def public_hall(self, hall_id: str | None) -> Hall:
        """The hall a public request (a citizen's phone) names by `?hall=`; the only one needs no name."""
        if hall_id is None:
            if len(self.halls) == 1:
                return next(iter(self.halls.values()))
            raise Unprocessable(f"hall: required (one of {', '.join(sorted(self.halls))})", code="invalid")
        return self.hall(hall_id)

    def today(self, hall: Hall, now: datetime | None = None) -> date:
        """The hall's local business day: numbers restart at local midnight."""
        return hall.local(now or self.clock.now()).date()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One action's transaction. A failure before COMMIT commits nothing (a connection
        known lost by then too); a connection lost during COMMIT leaves the outcome unknown,
        which the client is told."""
        async with self.pool.acquire() as con:
            tx = con.transaction()
            await tx.start()
            try:
                yield con
            except OUTAGE_ERRORS:
                _drop(con)  # no ROLLBACK to wait for: the server rolls back a dropped connection
                raise
            except BaseException as exc:
                await _roll_back(tx, exc)
                raise
            try:
                await tx.commit()
            except asyncpg.InterfaceError as exc:  # refused before sending: the loss was already known
                _drop(con)
                raise asyncpg.ConnectionDoesNotExistError("connection lost before COMMIT") from exc
            except OUTAGE_ERRORS as exc:
                _drop(con)
                raise OutcomeUnknown() from exc


async def _roll_back(tx: asyncpg.transaction.Transaction, cause: BaseException) -> None:
    """Undo a failed action. A connection the server closed between two statements is
    let go by the pool at once, so the action's next call and the ROLLBACK both meet a
    dead proxy: nothing was committed, and the caller is told the database is away."""
    try:
        await tx.rollback()
    except asyncpg.InterfaceError:
        raise asyncpg.ConnectionDoesNotExistError("connection lost before COMMIT") from cause


def _drop(con: asyncpg.Connection) -> None:
    """Close a connection whose server may not answer; one the pool has already let go of
    (it saw the connection close) refuses every call, and needs nothing."""
    with suppress(asyncpg.InterfaceError):
        con.terminate()
