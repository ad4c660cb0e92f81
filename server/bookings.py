"""Booking a slot (预约), cancelling it, a manager closing slots, and the hall's bookings for staff.

A booking is one transaction: the address's booking count is checked, a place of the slot is
taken on its counter row (`store.bookings.take_place`: never more than the slot's capacity,
whichever server process books), the booking is written, its confirmation goes to the outbox
and its event is appended last. The rules (hall file `[bookings]`, docs/appointments.md): one
booking per person, service and day; at most `days_ahead` days ahead; cancelling until
`cancel_hours` before the slot; `no_shows` no-shows within `no_show_days` suspend booking for
`suspend_days`. Walk-ins are never refused for bookings: a slot offers at most half of what its
windows serve.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from server import credentials, throttle
from server import events as contract
from server.auth import Principal
from server.booking_model import Booking, BookingState
from server.calendar import HallCalendar
from server.context import HallContext
from server.errors import Conflict, NotFound, TooManyAttempts
from server.hall import Hall, Service
from server.identity import KnownIdentity, checked_id_number
from server.outbox import NotificationKind, notify
from server.slots import Slot, capacity, day_slots, slot_at
from server.store import bookings as store
from server.store import events, sign_ins

_NUMBER_TRIES = 5  # a new booking number that another booking has is drawn again


@dataclass(frozen=True)
class BookingRequest:
    service: str
    starts_at: datetime
    name: str
    id_number: str
    mobile: str


@dataclass(frozen=True)
class Booked:
    booking: Booking
    token: str  # the secret of its QR code and manage link, given once: only its hash is kept


def manage_path(token: str) -> str:
    """The booking's page on the citizen's phone, the QR code's link (a kiosk scanner types it)."""
    return f"/b/{token}"


def token_hash(token: str) -> str:
    return credentials.hash_token(f"booking:{token}")


def new_number() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def slot_words(hall: Hall, booking: Booking) -> str:
    """11月24日 09:30-10:00 「公积金提取」: the slot as a notification says it."""
    service = hall.service(booking.service)
    start, end = hall.local(booking.starts_at), hall.local(booking.ends_at)
    return f"{start.month}月{start.day}日 {start:%H:%M}-{end:%H:%M}「{service.name if service else booking.service}」"


def where_words(hall: Hall, booking: Booking) -> str:
    zone = hall.zone(booking.zone)
    return f"{zone.floor}楼{zone.name}" if zone else booking.zone


async def tell(con: asyncpg.Connection, ctx: HallContext, hall: Hall, booking: Booking, kind: NotificationKind,
               text: str, now: datetime, **data: Any) -> None:
    """A notification about `booking` to its holder's mobile, once per kind and booking."""
    await notify(con, hall.id, ctx, kind, f"{kind.value}:{booking.id}", booking.mobile, f"【{hall.name}】{text}",
                 {"booking": booking.number, "service": booking.service,
                  "starts_at": hall.local(booking.starts_at).isoformat(), **data}, now)


def suspended_until(no_show_slots: list[datetime], hall: Hall, now: datetime) -> datetime | None:
    """When booking opens again for someone with these no-shows (their slot times), None when it is open:
    `no_shows` of them within `no_show_window` suspend booking for `suspension` after the last."""
    rules = hall.bookings
    times, until = sorted(no_show_slots), None
    for first in range(len(times) - rules.no_shows + 1):
        last = times[first + rules.no_shows - 1]
        if last - times[first] <= rules.no_show_window and last + rules.suspension > now:
            until = max(until or last, last + rules.suspension)
    return until


_SLOT_REFUSALS = {
    "full": lambda: Conflict("该时段已约满，请选择其他时段；现场取号不受影响 (the slot is fully booked: choose another,"
                             " or take a walk-in ticket on the day)", code="slot_full"),
    "closed": lambda: Conflict("该时段已暂停预约，请选择其他时段 (the hall closed this slot)", code="slot_closed"),
}


class Bookings:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    # -- slots ---------------------------------------------------------------------

    def info(self, hall_id: str | None) -> dict[str, Any]:
        """What the booking page starts from: the bookable services, the days open to booking, the rules."""
        hall = self.ctx.public_hall(hall_id)
        now, rules = self.ctx.clock.now(), hall.bookings
        today = self.ctx.today(hall, now)
        days = HallCalendar(hall).days(today, today + timedelta(days=rules.days_ahead))
        return {
            "hall": hall.id, "hall_name": hall.name, "timezone": hall.timezone.key,
            "zones": [{"code": z.code, "name": z.name, "floor": z.floor} for z in hall.zones],
            "services": [{"code": s.code, "name": s.name, "zone": s.zone, "department": s.department}
                         for s in hall.services if capacity(hall, s) > 0],
            "days": [day.json() for day in days],
            "rules": {"days_ahead": rules.days_ahead, "cancel_hours": rules.cancel_before.total_seconds() / 3600,
                      "check_in_before_minutes": rules.check_in_before.total_seconds() / 60,
                      "check_in_after_minutes": rules.check_in_after.total_seconds() / 60},
        }

    async def slots(self, hall_id: str | None, service_code: str, day: date | None) -> dict[str, Any]:
        """A service's slots on a day with their free places, for anyone."""
        hall = self.ctx.public_hall(hall_id)
        service = self._service(hall, service_code)
        now = self.ctx.clock.now()
        day = day or self.ctx.today(hall, now)
        slots = day_slots(hall, service, day)
        taken: dict[datetime, asyncpg.Record] = {}
        if slots:
            async with self.ctx.pool.acquire() as con:
                taken = await store.slots_of_day(con, hall.id, service.code, slots[0].start, slots[-1].start)
        calendar_day = HallCalendar(hall).day(day)
        return {"hall": hall.id, "service": service.code, "day": day.isoformat(), "open": calendar_day.open,
                "reason": calendar_day.reason.value, "holiday": calendar_day.holiday,
                "last_day": (self.ctx.today(hall, now) + timedelta(days=hall.bookings.days_ahead)).isoformat(),
                "slots": [self._slot_view(hall, slot, taken.get(slot.start), now) for slot in slots]}

    def _slot_view(self, hall: Hall, slot: Slot, row: asyncpg.Record | None, now: datetime) -> dict[str, Any]:
        closed = bool(row and row["closed_at"])
        free = 0 if closed else slot.capacity - (row["booked"] if row else 0)
        return {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "capacity": slot.capacity,
                "free": max(free, 0), "closed": closed, "bookable": self._refusal(hall, slot, now) is None and free > 0}

    def _refusal(self, hall: Hall, slot: Slot, now: datetime) -> Conflict | None:
        """Why the slot cannot be booked now, whatever its places: past, or too far ahead."""
        if slot.start <= now:
            return Conflict("该时段已开始或已过，请选择其他时段 (the slot has begun or passed)", code="slot_past")
        last = self.ctx.today(hall, now) + timedelta(days=hall.bookings.days_ahead)
        if slot.day > last:
            return Conflict(f"最多可预约 {hall.bookings.days_ahead} 天内的时段 (slots may be booked up to"
                            f" {hall.bookings.days_ahead} days ahead, until {last})", code="too_far_ahead")
        return None

    @staticmethod
    def _service(hall: Hall, code: str) -> Service:
        service = hall.service(code)
        if service is None:
            raise NotFound(f"unknown service {code!r}")
        return service

    def _slot(self, hall: Hall, service: Service, starts_at: datetime) -> Slot:
        slot = slot_at(hall, service, starts_at)
        if slot is None:
            raise Conflict("没有这个预约时段，请重新选择 (no such slot: the hall is closed then, the service is not"
                           " booked, or no slot starts then)", code="no_such_slot")
        return slot

    # -- booking ---------------------------------------------------------------------

    async def book(self, hall_id: str | None, request: BookingRequest, address: str | None) -> Booked:
        hall = self.ctx.public_hall(hall_id)
        service = self._service(hall, request.service)
        now = self.ctx.clock.now()
        slot = self._slot(hall, service, request.starts_at)
        refusal = self._refusal(hall, slot, now)
        if refusal:
            raise refusal
        today = self.ctx.today(hall, now)
        identity = KnownIdentity.of(checked_id_number(request.id_number, today), request.name, self.ctx.identity_key,
                                    green_age=None, day=today)
        await self._check_suspension(hall, identity.identity_hash, now)
        token = credentials.new_token()
        for attempt in range(_NUMBER_TRIES):
            try:
                booking = await self._book(hall, slot, identity, request, token, address, now)
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name == "bookings_one_per_person":
                    raise Conflict(f"您已预约 {slot.day} 的「{service.name}」，每人每天每项限约一次"
                                   " (already booked for this service on that day)", code="already_booked") from None
                if attempt == _NUMBER_TRIES - 1:
                    raise
                continue
            return Booked(booking, token)
        raise AssertionError("unreachable")

    async def _check_suspension(self, hall: Hall, identity_hash: str, now: datetime) -> None:
        rules = hall.bookings
        async with self.ctx.pool.acquire() as con:
            rows = await store.of_identity(con, hall.id, identity_hash, now - rules.no_show_window - rules.suspension,
                                           now)
        no_shows = [b.starts_at for b in map(Booking.from_record, rows)
                    if b.state(now, rules) is BookingState.NO_SHOW]
        until = suspended_until(no_shows, hall, now)
        if until:
            day = f"{hall.local(until):%Y-%m-%d}"
            raise Conflict(f"您近期多次预约未到，{day} 前暂停网上预约，可现场取号办理 (booking is suspended after"
                           f" {rules.no_shows} no-shows, until {day}; walk-in tickets are always issued)",
                           code="booking_suspended")

    async def _book(self, hall: Hall, slot: Slot, identity: KnownIdentity, request: BookingRequest, token: str,
                    address: str | None, now: datetime) -> Booking:
        key = throttle.booking_key(address or "unknown")
        async with self.ctx.transaction() as con:
            attempts = throttle.Attempts.of((await sign_ins.lock(con, [key], now))[key])
            wait = attempts.wait(now)
            if wait is not None:
                seconds = throttle.seconds(wait)
                raise TooManyAttempts(f"预约过于频繁，请 {seconds} 秒后再试 (too many bookings from this address:"
                                      f" retry in {seconds} s)", retry_after=seconds)
            full = await store.take_place(con, hall.id, slot.service, slot.start, slot.capacity)
            if full:
                raise _SLOT_REFUSALS[full]()
            booking = Booking.from_record(await store.insert(
                con, hall=hall.id, number=new_number(), token_hash=token_hash(token), service=slot.service,
                zone=self._service(hall, slot.service).zone, day=slot.day, starts_at=slot.start, ends_at=slot.end,
                identity_hash=identity.identity_hash, identity_masked=identity.id_masked,
                holder_masked=identity.holder_masked or "", mobile=request.mobile, created_at=now))
            policy = throttle.booking_policy(hall.bookings.per_address)
            await sign_ins.save(con, key, attempts.charged(now, policy))
            before = int(hall.bookings.check_in_before.total_seconds() // 60)
            await tell(con, self.ctx, hall, booking, NotificationKind.APPOINTMENT_CONFIRMED,
                       f"预约成功：{slot_words(hall, booking)}，预约号 {booking.number}。请于时段开始前 {before} 分钟内"
                       f"到{where_words(hall, booking)}取号机签到（输入预约号、扫预约二维码或刷身份证）。", now,
                       link=manage_path(token))
            await events.append(con, hall.id, now, contract.booking_event(
                contract.Kind.BOOKING_BOOKED, booking.event_view(), booking.zone))
        return booking

    # -- the citizen's own booking ----------------------------------------------------------

    async def by_token(self, token: str) -> tuple[Hall, Booking]:
        async with self.ctx.pool.acquire() as con:
            row = await store.by_token_hash(con, token_hash(token))
        if row is None or row["hall"] not in self.ctx.halls:
            raise NotFound("没有这个预约 (no such booking)", code="booking_not_found")
        return self.ctx.hall(row["hall"]), Booking.from_record(row)

    async def public(self, token: str) -> dict[str, Any]:
        hall, booking = await self.by_token(token)
        rules = hall.bookings
        return {"booking": booking.public(hall, self.ctx.clock.now()), "hall_name": hall.name,
                "timezone": hall.timezone.key, "cancellable_until": self._cancellable_until(hall, booking).isoformat(),
                "check_in_from": hall.local(booking.starts_at - rules.check_in_before).isoformat(),
                "check_in_until": hall.local(booking.starts_at + rules.check_in_after).isoformat()}

    @staticmethod
    def _cancellable_until(hall: Hall, booking: Booking) -> datetime:
        return hall.local(booking.starts_at - hall.bookings.cancel_before)

    async def cancel(self, hall_id: str | None, number: str, token: str) -> dict[str, Any]:
        """The holder cancels, with the booking's secret, until `cancel_hours` before its slot."""
        hall = self.ctx.public_hall(hall_id)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            row = await store.by_number(con, hall.id, number, lock=True)
            if row is None or not secrets.compare_digest(row["token_hash"], token_hash(token)):
                raise NotFound("没有这个预约，或预约凭证不符 (no such booking, or the wrong token)",
                               code="booking_not_found")
            booking = Booking.from_record(row)
            if booking.cancelled_at is not None or booking.ticket_id is not None:
                raise Conflict("该预约已取消或已签到 (the booking is cancelled or checked in already)",
                               code="booking_closed")
            if now > booking.starts_at - hall.bookings.cancel_before:
                raise Conflict(f"时段开始前 {hall.bookings.cancel_before.total_seconds() / 3600:g} 小时内不能取消预约"
                               " (too close to the slot to cancel)", code="too_late_to_cancel")
            cancelled = await self._cancel(con, hall, [booking], now, "citizen")
        return {"booking": cancelled[0].public(hall, now)}

    async def _cancel(self, con: asyncpg.Connection, hall: Hall, bookings: list[Booking], now: datetime,
                      by: str) -> list[Booking]:
        """Cancel bookings of one slot (its row locked first), tell their holders, append their events."""
        await store.cancel(con, [b.id for b in bookings], now, by)
        cancelled = [replace(b, cancelled_at=now, cancelled_by=by) for b in bookings]
        for booking in cancelled:
            if by == "citizen":
                await store.give_back_place(con, hall.id, booking.service, booking.starts_at)
                await tell(con, self.ctx, hall, booking, NotificationKind.APPOINTMENT_CANCELLED,
                           f"您 {slot_words(hall, booking)} 的预约（预约号 {booking.number}）已取消。", now)
            else:
                await tell(con, self.ctx, hall, booking, NotificationKind.APPOINTMENT_CLOSED,
                           f"因窗口安排调整，您 {slot_words(hall, booking)} 的预约（预约号 {booking.number}）已取消，"
                           "请重新预约或现场取号，敬请谅解。", now)
        for booking in cancelled:  # the event counter is locked last
            await events.append(con, hall.id, now, contract.booking_event(
                contract.Kind.BOOKING_CANCELLED, booking.event_view(), booking.zone))
        return cancelled

    # -- the hall's side ---------------------------------------------------------------

    async def close_slot(self, principal: Principal, service_code: str, starts_at: datetime) -> dict[str, Any]:
        """A manager closes a slot to bookings (a window out of service): its bookings are cancelled
        and their holders told."""
        hall = self.ctx.hall(principal.hall)
        slot = self._slot(hall, self._service(hall, service_code), starts_at)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            if not await store.close_slot(con, hall.id, slot.service, slot.start, now, principal.id):
                raise Conflict("该时段已暂停预约 (the slot is closed already)", code="slot_closed")
            booked = [Booking.from_record(row) for row in await store.in_slot(con, hall.id, slot.service, slot.start)]
            cancelled = await self._cancel(con, hall, booked, now, "hall") if booked else []
        return {"service": slot.service, "start": slot.start.isoformat(), "closed": True,
                "cancelled": [b.for_staff(hall, now) for b in cancelled]}

    async def listing(self, hall_id: str, day: date | None, service: str | None) -> dict[str, Any]:
        """The day's bookings with their states, for staff and managers (names and ID numbers masked)."""
        hall = self.ctx.hall(hall_id)
        if service is not None:
            self._service(hall, service)
        now = self.ctx.clock.now()
        day = day or self.ctx.today(hall, now)
        async with self.ctx.pool.acquire() as con:
            rows = await store.of_day(con, hall.id, day, service)
        found = [Booking.from_record(row).for_staff(hall, now) for row in rows]
        counts: dict[str, int] = {state.value: 0 for state in BookingState}
        for booking in found:
            counts[booking["state"]] += 1
        return {"hall": hall.id, "day": day.isoformat(), "counts": counts, "bookings": found}
