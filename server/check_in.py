"""Checking a booking in at a kiosk: by its number on the keypad, its QR code (a keyboard-wedge
scanner types the link) or the holder's ID card; one transaction issues its ticket.

Within the check-in window (`check_in_before_minutes` before the slot to `check_in_after_minutes`
after its start) the ticket is an appointment ranking from the slot time: checked in early, it
queues as a walk-in until the slot begins (server.routing). Later it is a walk-in ticket, and the
answer says so (`late`). Earlier it is refused (`check_in_too_early`), saying from when.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from server.auth import Principal
from server.booking_model import Booking
from server.bookings import token_hash
from server.card_reads import CardReads
from server.context import HallContext
from server.errors import Conflict, NotFound
from server.hall import Hall, Priority
from server.identity import KnownIdentity
from server.issuing import Appointment, IssuedTicket, Issuer, IssueRequest
from server.store import bookings as store


@dataclass(frozen=True)
class CheckInRequest:
    number: str | None = None  # typed on the keypad
    qr: str | None = None  # what the scanner typed: the booking's link (or only its token)
    identity_token: str | None = None  # the kiosk's card read (event kiosk.identity)
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CheckedIn:
    issued: IssuedTicket
    booking: Booking
    outcome: str  # "early": waits as a walk-in until its slot; "on_time"; "late": a walk-in


def booking_not_found() -> NotFound:
    return NotFound("没有找到您的预约，请核对预约号，或到服务台咨询 (no booking found)", code="booking_not_found")


def token_in(qr: str) -> str:
    """The booking's token in a scanned link (…/b/<token>), or the text itself."""
    return qr.strip().rsplit("/b/", 1)[-1].split("?", 1)[0].strip("/")


def outcome_of(issued: IssuedTicket, booking: Booking) -> str:
    """From the ticket itself, so a retried check-in says what the first one did."""
    ticket = issued.ticket
    if ticket.priority is not Priority.APPOINTMENT:
        return "late"
    return "early" if ticket.issued_at < booking.starts_at else "on_time"


class CheckIns:
    def __init__(self, ctx: HallContext, issuer: Issuer, card_reads: CardReads) -> None:
        self.ctx, self.issuer, self.card_reads = ctx, issuer, card_reads

    async def check_in(self, principal: Principal, request: CheckInRequest, base_url: str) -> CheckedIn:
        hall = self.ctx.hall(principal.hall)
        now = self.ctx.clock.now()
        booking, identity = await self._find(principal, hall, request, now)
        late = self._timing(hall, booking, now, key=request.idempotency_key)
        appointment = Appointment(booking, late, identity or KnownIdentity(
            booking.identity_hash, booking.identity_masked, booking.holder_masked, False))
        issue = IssueRequest(service=booking.service, priority=Priority.APPOINTMENT, appointment=appointment,
                             identity_token=request.identity_token, idempotency_key=request.idempotency_key)
        issued = await self.issuer.issue(principal, issue, base_url)
        ticket = issued.ticket
        checked_in = replace(booking, ticket_id=ticket.id, ticket_status=ticket.status.value,
                             ticket_number=ticket.number, checked_in_at=booking.checked_in_at or ticket.issued_at,
                             late=ticket.priority is not Priority.APPOINTMENT)
        return CheckedIn(issued, checked_in, outcome_of(issued, booking))

    async def _find(self, principal: Principal, hall: Hall, request: CheckInRequest,
                    now: datetime) -> tuple[Booking, KnownIdentity | None]:
        """The booking the kiosk names, with the card's identity when it was found by card."""
        if request.identity_token:
            card = await self.card_reads.resolve(principal, request.identity_token,
                                                 retry=request.idempotency_key is not None)
            return await self._of_identity(hall, card.identity.identity_hash, now), card.identity
        async with self.ctx.pool.acquire() as con:
            row = (await store.by_number(con, hall.id, request.number) if request.number
                   else await store.by_token_hash(con, token_hash(token_in(request.qr or ""))))
        if row is None or row["hall"] != hall.id:
            raise booking_not_found()
        return Booking.from_record(row), None

    async def _of_identity(self, hall: Hall, identity_hash: str, now: datetime) -> Booking:
        """Today's booking of the card's holder: the one whose window is open now, else the nearest."""
        day = self.ctx.today(hall, now)
        midnight = datetime.combine(day, time(), hall.timezone)
        async with self.ctx.pool.acquire() as con:
            rows = await store.of_identity(con, hall.id, identity_hash, midnight, midnight + timedelta(days=1))
        today = [b for b in map(Booking.from_record, rows) if b.day == day and b.cancelled_at is None]
        if not today:
            raise NotFound("您今天没有预约，可直接取号 (no booking today for this ID card)", code="booking_not_found")
        rules = hall.bookings
        return min(today, key=lambda b: (b.ticket_id is not None,
                                         not b.starts_at - rules.check_in_before <= now <= b.starts_at
                                         + rules.check_in_after, abs(b.starts_at - now)))

    @staticmethod
    def _timing(hall: Hall, booking: Booking, now: datetime, *, key: str | None) -> bool:
        """Whether the check-in is late (a walk-in); refused when it cannot be checked in now. Only a
        retry of the check-in that issued its ticket (the same idempotency key) passes a checked-in one."""
        rules = hall.bookings
        starts = hall.local(booking.starts_at)
        when = {"starts_at": starts.isoformat()}  # for the kiosk's own words
        if booking.day != hall.local(now).date():
            raise Conflict(f"您的预约在 {starts:%Y-%m-%d %H:%M}，不是今天 (the booking is for {starts:%Y-%m-%d %H:%M},"
                           " not today)", code="booking_not_today", details=when)
        if booking.cancelled_at is not None:
            raise Conflict("该预约已取消 (the booking was cancelled)", code="booking_cancelled")
        if booking.ticket_id is not None and (key is None or key != booking.ticket_key):
            raise Conflict(f"该预约已签到，号码 {booking.ticket_number} (checked in already: ticket"
                           f" {booking.ticket_number})", code="booking_checked_in",
                           details={"ticket": booking.ticket_number})
        opens = hall.local(booking.starts_at - rules.check_in_before)
        if now < opens:
            raise Conflict(f"请于 {opens:%H:%M} 后签到 (check-in opens at {opens:%H:%M})", code="check_in_too_early",
                           details={**when, "opens_at": opens.isoformat()})
        return now > booking.starts_at + rules.check_in_after
