"""Issuing tickets: numbering, identity rules, idempotent retries, estimates."""
from __future__ import annotations

import re
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
from server.store import events, tickets, windows

_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class KnownIdentity:
    """An identity already hashed and masked, e.g. from an ID card read at a kiosk."""

    identity_hash: str
    id_masked: str
    holder_masked: str | None
    birth_date: date | None  # for the green channel by age


@dataclass(frozen=True)
class IssueRequest:
    service: str | None = None  # a service code, or
    zone: str | None = None  # a zone: its first (general intake) service
    priority: Priority = Priority.NORMAL
    appointment_at: datetime | None = None
    appointment_code: str | None = None
    id_number: str | None = None
    holder_name: str | None = None
    identity: KnownIdentity | None = None  # instead of id_number and holder_name
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


def age_on(id_number: str, today: date) -> int | None:
    """Age from the birth date inside an 18-digit ID number."""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return age_at(born, today)


def age_at(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


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
        if request.id_number is not None and not _ID_NUMBER.match(request.id_number.strip().upper()):
            raise Unprocessable("id_number: not an 18-character resident ID number")
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
        identity = self._identity(request)
        priority = self._priority(hall, request, day)
        async with self.ctx.transaction() as con:
            if identity:
                await self._check_identity_limit(con, hall, day, identity[0], service)
            prefix = prefix_for(hall, service)
            value = await tickets.claim_number(con, hall.id, day, prefix)
            ticket = await tickets.insert_ticket(
                con, hall=hall.id, day=day, prefix=prefix, seq=value, number=format_number(prefix, value),
                service=service.code, zone=service.zone, priority=priority.value, status="waiting",
                issued_at=now, queued_at=now, arrival_at=self._arrival(request, priority, now),
                appointment_at=request.appointment_at if priority is Priority.APPOINTMENT else None,
                appointment_code=request.appointment_code, identity_hash=identity[0] if identity else None,
                identity_masked=identity[1] if identity else None,
                holder_masked=self._holder_masked(request),
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

    def _identity(self, request: IssueRequest) -> tuple[str, str] | None:
        if request.identity:
            return request.identity.identity_hash, request.identity.id_masked
        if not request.id_number:
            return None
        number = request.id_number.strip().upper()
        return credentials.identity_hash(number, self.ctx.identity_key), credentials.mask_id_number(number)

    @staticmethod
    def _holder_masked(request: IssueRequest) -> str | None:
        if request.identity:
            return request.identity.holder_masked
        return credentials.mask_name(request.holder_name) if request.holder_name else None

    @staticmethod
    def _priority(hall: Hall, request: IssueRequest, day: date) -> Priority:
        """An old enough card holder gets the green channel without asking."""
        limit = hall.priority.green_auto_age
        if request.priority is Priority.NORMAL and limit is not None:
            if request.identity and request.identity.birth_date:
                age: int | None = age_at(request.identity.birth_date, day)
            else:
                age = age_on(request.id_number, day) if request.id_number else None
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
        ahead = await tickets.people_ahead(con, ticket, self.ctx.today(hall, ticket.issued_at))
        open_windows = await windows.count_open(con, hall.id, serving) or len(serving)
        wait = estimated_wait_minutes(ahead, service.typical_minutes, open_windows)
        return IssuedTicket(ticket, ahead, wait, serving, created)
