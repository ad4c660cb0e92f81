"""ID-card reads at a kiosk: a read becomes a short-lived, single-use identity token.

Only the keyed hash of the ID number, the masked forms and whether the holder
is old enough for the green channel are stored; a timer deletes each read
soon after it expires (`forget_expired_reads`). The
token itself is stored nowhere: it is made from the read's name and the
server's key when the kiosk.identity event is sent (server.events), and only
its hash is kept to check it.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg

from server import credentials
from server import events as contract
from server.auth import Principal
from server.context import HallContext
from server.errors import Conflict, Forbidden, Unprocessable
from server.identity import KnownIdentity, checked_id_number
from server.store import devices as store
from server.store import events

log = logging.getLogger(__name__)

CARD_READ_LIFETIME = timedelta(minutes=3)  # from the card on the reader to the ticket request
FORGET_CARD_READS_AFTER = timedelta(minutes=5)  # an expired read still says "expired", not "unknown", this long
SWEEP_INTERVAL = 60.0  # seconds between deletions of expired reads


@dataclass(frozen=True)
class CardRead:
    """A kiosk's card read, resolved from its token."""

    token_hash: str
    identity: KnownIdentity


def identity_expired() -> Conflict:
    return Conflict("身份证信息已使用或已过期，请重新刷卡 (the ID card read was used or has expired; read it again)",
                    code="identity_expired")


class CardReads:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def read_card(self, hall_id: str, device_id: str, *, name: str, id_number: str,
                        birth_date: date | None, card_type: str) -> None:
        """Keep a card read for the kiosk's next ticket and tell the kiosk's screen.

        The number and the name themselves go no further than this function.
        """
        hall = self.ctx.hall(hall_id)
        now = self.ctx.clock.now()
        read = credentials.new_token()
        token = contract.card_read_token(self.ctx.identity_key, read)
        day = self.ctx.today(hall, now)
        known = KnownIdentity.of(checked_id_number(id_number, day, card_type), name, self.ctx.identity_key,
                                        green_age=hall.priority.green_auto_age, day=day, birth_date=birth_date)
        identity = {
            "name_masked": known.holder_masked,
            "id_masked": known.id_masked,
            "green_eligible": known.green_eligible,
            "card_type": card_type,
            "expires_at": (now + CARD_READ_LIFETIME).isoformat(),
        }
        async with self.ctx.transaction() as con:
            await store.insert_card_read(
                con, token_hash=credentials.hash_token(token), hall=hall.id, device_id=device_id,
                identity_hash=known.identity_hash, id_masked=known.id_masked, name_masked=known.holder_masked,
                green_eligible=known.green_eligible, card_type=card_type, now=now, expires_at=now + CARD_READ_LIFETIME,
            )
            await events.append(con, hall.id, now, contract.card_read(device_id, read, identity))
        log.info("ID card read at %s: %s %s", device_id, identity["name_masked"], identity["id_masked"])

    async def card_error(self, hall_id: str, device_id: str, error: str, message: str) -> None:
        """A card the reader could not read: the kiosk asks for it again."""
        async with self.ctx.transaction() as con:
            await events.append(con, hall_id, self.ctx.clock.now(), contract.card_error(device_id, error, message))

    async def resolve(self, principal: Principal, token: str, *, retry: bool) -> CardRead:
        """The identity behind a kiosk's `identity_token`.

        A used token is accepted on a `retry` (a request with an idempotency
        key): the earlier ticket is returned, or `claim` fails inside the
        issuing transaction.
        """
        async with self.ctx.pool.acquire() as con:
            row = await store.card_read(con, credentials.hash_token(token))
        now = self.ctx.clock.now()
        if row is None or row["hall"] != principal.hall:
            raise Unprocessable("identity_token: unknown token; read the ID card again", code="invalid")
        if principal.kind == "device" and row["device_id"] != principal.id:
            raise Forbidden("identity_token: the card was read at another kiosk")
        if row["expires_at"] <= now or (row["used_at"] is not None and not retry):
            raise identity_expired()
        identity = KnownIdentity(row["identity_hash"], row["id_masked"], row["name_masked"], row["green_eligible"])
        return CardRead(row["token_hash"], identity)

    @staticmethod
    async def claim(con: asyncpg.Connection, card: CardRead, now: datetime) -> None:
        """Use the read up, inside the issuing transaction."""
        if not await store.use_card_read(con, card.token_hash, now):
            raise identity_expired()

    async def forget_expired_reads(self, interval: float = SWEEP_INTERVAL) -> None:
        """Run until cancelled: delete the reads that expired, whether or not another card comes."""
        while True:
            try:
                async with self.ctx.pool.acquire() as con:
                    await store.forget_card_reads(con, self.ctx.clock.now() - FORGET_CARD_READS_AFTER)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("could not delete expired card reads (%s); trying again", exc)
            await asyncio.sleep(interval)
