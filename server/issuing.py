"""Issuing tickets: numbering, identity rules, idempotent retries, places in the queue.

Issuing at a kiosk is one use case in one transaction: the card read is used
up, the ticket is numbered and written with its event, and the kiosk's print
job is queued — all or nothing.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime

import asyncpg

from server import events as contract
from server.auth import Principal
from server.booking_model import Booking
from server.calendar import HallCalendar
from server.card_reads import CardRead, CardReads
from server.context import HallContext
from server.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.hall import Device, Hall, Priority, Service
from server.hub import Hub
from server.identity import KnownIdentity, checked_id_number
from server.model import Ticket
from server.print_jobs import PrintJobs
from server.queue_reminders import near_the_front
from server.queue_state import Place, Waiting
from server.store import bookings, events, notifications, tickets


@dataclass(frozen=True)
class TypedIdentity:
    """An ID number typed or scanned at a desk rather than read by the kiosk's reader."""

    id_number: str
    name: str | None = None


@dataclass(frozen=True)
class Appointment:
    """A booking checked in at the kiosk (server.check_in): the only way to appointment priority."""

    booking: Booking
    late: bool  # past its check-in window: the ticket is a walk-in
    identity: KnownIdentity  # the booking's holder, for the clerk (masked)


@dataclass(frozen=True)
class IssueRequest:
    service: str | None = None  # a service code, or
    zone: str | None = None  # a zone: its first (general intake) service
    priority: Priority = Priority.NORMAL
    appointment_at: datetime | None = None
    appointment_code: str | None = None
    identity_token: str | None = None  # the kiosk's card read (event kiosk.identity)
    typed_identity: TypedIdentity | None = None
    idempotency_key: str | None = None  # unique per caller and hall day
    reminder_mobile: str | None = None  # queue reminders go to it (server.queue_reminders)
    appointment: Appointment | None = None  # a checked-in booking; else an appointment asked for is a walk-in


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    people_ahead: int
    estimated_wait_minutes: int | None  # None: no window that may serve it is open (queue_state.Place)
    windows: tuple[int, ...]  # windows that may serve it
    created: bool  # False when an idempotent retry returned the earlier ticket
    notice: str | None = None  # a code: why the ticket is not what was asked for

    @property
    def estimated_wait_range(self) -> list[int] | None:
        """The range of the wait told at issue, when one was."""
        low, high = self.ticket.estimated_wait_low, self.ticket.estimated_wait_high
        return [low, high] if self.estimated_wait_minutes is not None and low is not None and high is not None \
            else None


@dataclass(frozen=True)
class _Issuing:
    """Everything one issue needs, resolved before its transaction."""

    hall: Hall
    service: Service
    request: IssueRequest
    identity: KnownIdentity | None
    card: CardRead | None
    printer: Device | None
    device_id: str | None
    caller: str  # device:<id> or staff:<id>: whose idempotency keys these are
    day: date  # the hall day the ticket is issued on
    base_url: str

    @property
    def fingerprint(self) -> str:
        """The request as far as it defines the ticket: a retry must match it."""
        request, identity = self.request, self.identity
        fields = [self.service.code, request.priority.value,
                  request.appointment_at.isoformat() if request.appointment_at else None,
                  request.appointment_code, identity.identity_hash if identity else None]
        if request.reminder_mobile:  # appended only when given: fingerprints made without it stay valid
            fields.append(request.reminder_mobile)
        if request.appointment:
            fields.append(f"booking:{request.appointment.booking.id}")
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def hall_closed(next_opening: datetime | None) -> Conflict:
    """Issuing stops at closing (the windows go on calling: 延时服务); the kiosk says when it opens next."""
    when = f"{next_opening:%Y-%m-%d %H:%M}" if next_opening else "—"
    return Conflict(f"大厅不在办公时间，暂停取号；下次开放 {when} (the hall is closed now; it opens next at {when})",
                    code="hall_closed")


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}{value:03d}"


def prefix_for(hall: Hall, service: Service) -> str:
    zone = hall.zone(service.zone)
    assert zone is not None  # guaranteed by config validation
    return zone.prefix


class Issuer:
    def __init__(self, ctx: HallContext, hub: Hub, card_reads: CardReads, print_jobs: PrintJobs) -> None:
        self.ctx, self.hub, self.card_reads, self.print_jobs = ctx, hub, card_reads, print_jobs

    async def issue(self, principal: Principal, request: IssueRequest, base_url: str) -> IssuedTicket:
        """A new ticket for the caller (a kiosk, or staff on a citizen's behalf), or the
        earlier one for a retried idempotency key. `base_url` leads to the status page."""
        hall = self.ctx.hall(principal.hall)
        service = self._service(hall, request)
        self._check_offered(hall, principal, service)
        now = self.ctx.clock.now()
        calendar = HallCalendar(hall)
        if not calendar.is_open(now):
            raise hall_closed(calendar.next_opening(now))
        issuing = await self._resolve(principal, hall, service, request, base_url, self.ctx.today(hall, now))
        try:
            ticket, place = await self._issue_new(issuing, now)
        except asyncpg.UniqueViolationError:
            # A retry (or a concurrent twin) of a request whose ticket exists: answer with it.
            # Trying the insert first spares every new ticket a lookup; a retry's transaction
            # rolls back whole, its claimed number with it.
            earlier = await self._earlier(issuing)
            if earlier is None:
                raise
            return earlier
        return self._described(ticket, request, place, created=True)

    async def _resolve(self, principal: Principal, hall: Hall, service: Service, request: IssueRequest,
                       base_url: str, day: date) -> _Issuing:
        card = None
        if request.identity_token:
            card = await self.card_reads.resolve(principal, request.identity_token,
                                                 retry=bool(request.idempotency_key))
        typed = request.typed_identity
        identity = card.identity if card else (self._typed(hall, typed, day) if typed else None)
        if identity is None and request.appointment:
            identity = request.appointment.identity
        device_id = principal.id if principal.kind == "device" else None
        return _Issuing(hall, service, request, identity, card, self.print_jobs.printing_kiosk(principal),
                        device_id, f"{principal.kind}:{principal.id}", day, base_url)

    def _typed(self, hall: Hall, typed: TypedIdentity, day: date) -> KnownIdentity:
        number = checked_id_number(typed.id_number, day)
        return KnownIdentity.of(number, typed.name, self.ctx.identity_key,
                                       green_age=hall.priority.green_auto_age, day=day)

    def _service(self, hall: Hall, request: IssueRequest) -> Service:
        if request.service:
            service = hall.service(request.service)
            if service is None:
                raise NotFound(f"unknown service {request.service!r}")
            return service
        if request.zone:
            if hall.zone(request.zone) is None:
                raise NotFound(f"unknown zone {request.zone!r}")
            return hall.services_in(request.zone)[0]
        raise Unprocessable("service or zone is required")

    @staticmethod
    def _check_offered(hall: Hall, principal: Principal, service: Service) -> None:
        """A zone kiosk issues only for the zones it offers (staff issue for any)."""
        device = hall.device(principal.id) if principal.kind == "device" else None
        if device is not None and device.zones and service.zone not in device.zones:
            raise Forbidden(f"本机只办理 {'、'.join(device.zones)} 区的取号，请到相应取号机"
                            f" (this kiosk issues for zone {', '.join(device.zones)} only)", code="zone_not_offered")

    async def _earlier(self, issuing: _Issuing) -> IssuedTicket | None:
        """The caller's ticket of the day for the key; 422 when the key came with another request."""
        hall = issuing.hall
        async with self.ctx.pool.acquire() as con:
            found = await tickets.by_idempotency_key(con, hall.id, issuing.day, issuing.caller,
                                                     issuing.request.idempotency_key or "")
        if found is None:
            return None
        ticket, fingerprint = found
        if fingerprint != issuing.fingerprint:
            raise Unprocessable("取号请求编号已用于另一个取号请求，请重新取号"
                                " (idempotency_key was already used for a different request)",
                                code="idempotency_mismatch")
        place = (await self.hub.current(hall.id)).place(Waiting.of(ticket), self.ctx.clock.now())
        return self._described(ticket, issuing.request, place, created=False)

    async def _issue_new(self, issuing: _Issuing, now: datetime) -> tuple[Ticket, Place]:
        hall, service, request, identity = issuing.hall, issuing.service, issuing.request, issuing.identity
        day = issuing.day
        priority = self._priority(request, identity)
        async with self.ctx.transaction() as con:
            prefix = prefix_for(hall, service)
            value = await tickets.claim_number(con, hall.id, day, prefix)
            ticket = await tickets.insert_ticket(
                con, hall=hall.id, day=day, prefix=prefix, seq=value, number=format_number(prefix, value),
                service=service.code, zone=service.zone, priority=priority.value, status="waiting",
                issued_at=now, queued_at=now, arrival_at=self._arrival(request, priority, now),
                appointment_at=request.appointment.booking.starts_at if request.appointment else None,
                appointment_code=request.appointment.booking.number if request.appointment else None,
                identity_hash=identity.identity_hash if identity else None,
                identity_masked=identity.id_masked if identity else None,
                holder_masked=identity.holder_masked if identity else None,
                idempotency_key=request.idempotency_key, status_token=secrets.token_urlsafe(16),
                device_id=issuing.device_id, caller=issuing.caller, request_fingerprint=issuing.fingerprint,
                reminder_mobile=request.reminder_mobile,
            )
            if request.reminder_mobile:
                await self._remind_unless_near(con, hall, ticket, now)
            # After the insert, so that a retry meets its own ticket before these refuse it.
            if identity:
                await self._check_identity_limit(con, hall, day, identity.identity_hash, service)
            if issuing.card is not None:
                await self.card_reads.claim(con, issuing.card, now)
            event = await events.append(con, hall.id, now, contract.ticket_event(
                contract.Kind.TICKET_ISSUED, ticket, window_no=None, staff_id=None))
            # Its place is counted on the hall as of the event before its own (that event only adds
            # this ticket, never ahead of itself), so the wait the answer tells is stored before commit.
            place = (await self.hub.reach_within(con, hall.id, event.seq - 1)).place(Waiting.of(ticket), now)
            told = place.estimate
            ticket = await tickets.record_estimate(con, ticket.id, told.minutes, told.low, told.high)
            if request.appointment is not None:
                await self._check_in(con, hall, request.appointment, ticket, now)
            if issuing.printer is not None:
                await self.print_jobs.queue(con, issuing.printer, ticket, place, issuing.base_url, now)
        return ticket, place

    async def _remind_unless_near(self, con: asyncpg.Connection, hall: Hall, ticket: Ticket, now: datetime) -> None:
        """A ticket issued within the hall's reminder distance of the front is not reminded: its holder
        reads how many are ahead on the kiosk now (the queues as this process has them: the ticket
        itself is not in them yet)."""
        if near_the_front(hall, self.hub.queue(hall.id), ticket, now):
            await notifications.mark_reminded(con, [ticket.id])

    @staticmethod
    async def _check_in(con: asyncpg.Connection, hall: Hall, appointment: Appointment, ticket: Ticket,
                        now: datetime) -> None:
        """The booking follows its ticket from now on; a twin check-in of it fails here."""
        booking = appointment.booking
        if not await bookings.attach_ticket(con, booking.id, ticket.id, now, appointment.late):
            raise Conflict("该预约已签到或已取消 (the booking was checked in or cancelled meanwhile)",
                           code="booking_checked_in")
        checked_in = replace(booking, ticket_id=ticket.id, checked_in_at=now, late=appointment.late)
        await events.append(con, hall.id, now, contract.booking_event(
            contract.Kind.BOOKING_CHECKED_IN, checked_in.event_view(), booking.zone))

    @staticmethod
    def _priority(request: IssueRequest, identity: KnownIdentity | None) -> Priority:
        """An old enough card holder gets the green channel without asking; appointment priority
        comes only with a booking checked in within its window (`Appointment`), never by asking."""
        if request.priority is Priority.APPOINTMENT:
            if request.appointment and not request.appointment.late:
                return Priority.APPOINTMENT
            return Priority.NORMAL
        if request.priority is Priority.NORMAL and identity and identity.green_eligible:
            return Priority.GREEN
        return request.priority

    @staticmethod
    def _arrival(request: IssueRequest, priority: Priority, now: datetime) -> datetime:
        """The queue key: an appointment ranks from its slot (routing lets it wait as a walk-in until then)."""
        if priority is Priority.APPOINTMENT and request.appointment:
            return request.appointment.booking.starts_at
        return now

    @staticmethod
    async def _check_identity_limit(
        con: asyncpg.Connection, hall: Hall, day: date, identity_hash: str, service: Service,
    ) -> None:
        limit = hall.priority.max_open_tickets_per_person
        if limit is None:
            return
        held = await tickets.open_for_identity(con, hall.id, day, identity_hash, service.code) - 1  # not this one
        if held >= limit:
            raise Conflict(
                f"您今天已有 {held} 张「{service.name}」的号在排队，每人最多 {limit} 张"
                f" (already holding {held} open tickets for this service today)",
                code="ticket_limit",
            )

    @staticmethod
    def _described(ticket: Ticket, request: IssueRequest, place: Place, *, created: bool) -> IssuedTicket:
        """The ticket with its place (0 ahead once it left the queue) and the wait it was told at
        issue, also when a retry asks again (None: no window open, as Place.estimated_wait_minutes says it)."""
        waiting = ticket.status.value == "waiting"
        told = ticket.estimated_wait_minutes
        refused = request.priority is Priority.APPOINTMENT and ticket.priority is not Priority.APPOINTMENT
        notice = None if not refused else "booking_late" if request.appointment else "appointment_needs_check_in"
        return IssuedTicket(ticket, place.people_ahead if waiting else 0, told if waiting else 0,
                            place.windows, created, notice)
