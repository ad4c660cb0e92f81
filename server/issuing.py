"""Issuing tickets: numbering, identity rules, idempotent retries, estimates."""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from server import credentials
from server.context import HallContext
from server.errors import Conflict, NotFound, Unprocessable
from server.estimates import estimated_wait_minutes
from server.hall import Hall, Priority, Service
from server.model import Ticket
from server.store import events, tickets

@dataclass(frozen=True)
class KnownIdentity:
    """A citizen's identity as hallq keeps it: keyed hash and masked forms, never the number."""

    identity_hash: str
    id_masked: str
    holder_masked: str | None
    birth_date: date | None  # for the green channel by age

    @classmethod
    def from_card(cls, id_number: str, name: str | None, key: bytes,
                  birth_date: date | None = None) -> "KnownIdentity":
        """Hash and mask at once: the number and name go no further than this call."""
        number = id_number.strip().upper()
        return cls(credentials.identity_hash(number, key), credentials.mask_id_number(number),
                   credentials.mask_name(name) if name else None, birth_date or birth_date_in(number))

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class IssueRequest:
    service: str | None = None  # a service code, or
    zone: str | None = None  # a zone: its first (general intake) service
    priority: Priority = Priority.NORMAL
    appointment_at: datetime | None = None
    appointment_code: str | None = None
    identity: KnownIdentity | None = None
    idempotency_key: str | None = None
    device_id: str | None = None


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    people_ahead: int
    estimated_wait_minutes: int
    windows: tuple[int, ...]  # windows that may serve it
    created: bool  # False when an idempotent retry returned the earlier ticket


# Runs inside the issuing transaction, after the ticket and its event are written;
# raising rolls the whole issue back.
InTransaction = Callable[[asyncpg.Connection, IssuedTicket, datetime], Awaitable[None]]


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}{value:03d}"


def prefix_for(hall: Hall, service: Service) -> str:
    zone = hall.zone(service.zone)
    assert zone is not None  # guaranteed by config validation
    return zone.prefix


def windows_serving(hall: Hall, service: str) -> tuple[int, ...]:
    return tuple(w.number for w in hall.windows if w.level_of(service) is not None)


def birth_date_in(id_number: str) -> date | None:
    """The birth date inside an 18-digit resident ID number."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


class Issuer:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def issue(self, hall_id: str, request: IssueRequest, *,
                    in_transaction: InTransaction | None = None) -> IssuedTicket:
        """A new ticket, or the earlier one for a retried idempotency key (then
        `in_transaction` does not run)."""
        hall = self.ctx.hall(hall_id)
        service = self._service(hall, request)
        now = self.ctx.clock.now()
        if not hall.hours.is_open(hall.local(now)):
            raise Conflict("大厅不在办公时间，暂停取号 (the hall is closed now)", code="hall_closed")
        if request.idempotency_key:
            earlier = await self._earlier(hall, request.idempotency_key)
            if earlier:
                return earlier
        try:
            return await self._issue_new(hall, service, request, now, in_transaction)
        except asyncpg.UniqueViolationError:
            # A concurrent retry with the same key won the race: answer with its ticket.
            earlier = await self._earlier(hall, request.idempotency_key or "")
            if earlier is None:
                raise
            return earlier

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

    async def _earlier(self, hall: Hall, key: str) -> IssuedTicket | None:
        async with self.ctx.pool.acquire() as con:
            ticket = await tickets.by_idempotency_key(con, hall.id, key)
            if ticket is None:
                return None
            return await self._describe(con, hall, ticket, created=False)

    async def _issue_new(self, hall: Hall, service: Service, request: IssueRequest, now: datetime,
                         in_transaction: InTransaction | None) -> IssuedTicket:
        day = self.ctx.today(hall, now)
        identity = request.identity
        priority = self._priority(hall, request, day)
        async with self.ctx.transaction() as con:
            if identity:
                await self._check_identity_limit(con, hall, day, identity.identity_hash, service)
            prefix = prefix_for(hall, service)
            value = await tickets.claim_number(con, hall.id, day, prefix)
            ticket = await tickets.insert_ticket(
                con, hall=hall.id, day=day, prefix=prefix, seq=value, number=format_number(prefix, value),
                service=service.code, zone=service.zone, priority=priority.value, status="waiting",
                issued_at=now, queued_at=now, arrival_at=self._arrival(request, priority, now),
                appointment_at=request.appointment_at if priority is Priority.APPOINTMENT else None,
                appointment_code=request.appointment_code,
                identity_hash=identity.identity_hash if identity else None,
                identity_masked=identity.id_masked if identity else None,
                holder_masked=identity.holder_masked if identity else None,
                idempotency_key=request.idempotency_key, status_token=secrets.token_urlsafe(16),
                device_id=request.device_id,
            )
            issued = await self._describe(con, hall, ticket, created=True)
            await events.append(
                con, hall.id, now, "ticket.issued",
                {"ticket": ticket.public(), "people_ahead": issued.people_ahead},
                ticket_id=ticket.id, zone=ticket.zone,
            )
            if in_transaction is not None:
                await in_transaction(con, issued, now)
        return issued

    @staticmethod
    def _priority(hall: Hall, request: IssueRequest, day: date) -> Priority:
        """An old enough card holder gets the green channel without asking."""
        limit = hall.priority.green_auto_age
        if request.priority is Priority.NORMAL and limit is not None and request.identity:
            age = request.identity.age_on(day)
            if age is not None and age >= limit:
                return Priority.GREEN
        return request.priority

    @staticmethod
    def _arrival(request: IssueRequest, priority: Priority, now: datetime) -> datetime:
        if priority is Priority.APPOINTMENT:
            if request.appointment_at is None:
                raise Unprocessable("appointment_at: required for an appointment ticket")
            return request.appointment_at
        return now

    @staticmethod
    async def _check_identity_limit(
        con: asyncpg.Connection, hall: Hall, day: date, identity_hash: str, service: Service,
    ) -> None:
        limit = hall.priority.max_open_tickets_per_person
        if limit is None:
            return
        held = await tickets.open_for_identity(con, hall.id, day, identity_hash, service.code)
        if held >= limit:
            raise Conflict(
                f"您今天已有 {held} 张「{service.name}」的号在排队，每人最多 {limit} 张"
                f" (already holding {held} open tickets for this service today)",
                code="ticket_limit",
            )

    async def describe(self, ticket: Ticket) -> IssuedTicket:
        """A ticket issued earlier, with its place in the queue now."""
        async with self.ctx.pool.acquire() as con:
            return await self._describe(con, self.ctx.hall(ticket.hall), ticket, created=False)

    async def _describe(self, con: asyncpg.Connection, hall: Hall, ticket: Ticket, *, created: bool) -> IssuedTicket:
        service = hall.service(ticket.service)
        assert service is not None
        serving = windows_serving(hall, ticket.service)
        ahead, open_windows = await tickets.place_in_queue(con, ticket, self.ctx.today(hall, ticket.issued_at), serving)
        wait = estimated_wait_minutes(ahead, service.typical_minutes, open_windows or len(serving))
        return IssuedTicket(ticket, ahead, wait, serving, created)
