"""Appointments: the slots, booking and cancelling (public, from the citizen's phone), closing slots
(managers) and the day's bookings (staff)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.endpoint import Api, Call, Query
from server.api.hall import HALL_QUERY
from server.api.schemas import BookingBody, BookingCancelBody, CheckInBody, SlotCloseBody
from server.api.tickets import issued_json, qr_svg
from server.auth import Access
from server.bookings import BookingRequest, manage_path
from server.check_in import CheckInRequest
from server.inputs import Day, SafeText

api = Api("bookings")


@api.get("/api/v1/public/booking", access=Access.PUBLIC, query={"hall": HALL_QUERY},
         summary="What the booking page needs first: the hall's bookable services, the days open to booking"
                 " (with why a day is closed) and the booking rules")
async def booking_info(call: Call) -> dict[str, Any]:
    return call.services.bookings.info(call.query("hall"))


@api.get("/api/v1/slots", access=Access.PUBLIC,
         query={"hall": HALL_QUERY, "service": Query("service code", SafeText, required=True),
                "day": Query("the day (default: today)", Day)},
         summary="A service's bookable slots on a day, with their free places (预约时段)")
async def slots(call: Call) -> dict[str, Any]:
    return await call.services.bookings.slots(call.query("hall"), call.query("service"), call.query("day"))


@api.post("/api/v1/bookings", access=Access.PUBLIC, body=BookingBody, status=201, no_store=True,
          errors={429: "too_many_attempts"},
          summary="Book a slot (real name, ID number, mobile): the booking number, its slot and where to go, and"
                  " the secret token of its QR code and manage link")
async def book(call: Call[BookingBody]) -> dict[str, Any]:
    body = call.body
    request = BookingRequest(body.service, body.start, body.name, body.id_number, body.mobile)
    booked = await call.services.bookings.book(body.hall, request, call.address)
    hall = call.services.ctx.hall(booked.booking.hall)
    url = hall.booking_url(manage_path(booked.token), call.base_url)
    return {"booking": booked.booking.public(hall, call.services.ctx.clock.now()), "token": booked.token,
            "hall_name": hall.name, "manage_url": url, "qr_payload": url,
            "qr_svg": f"/api/v1/public/bookings/{booked.token}/qr.svg"}


@api.post("/api/v1/bookings/{number}/cancel", access=Access.PUBLIC, body=BookingCancelBody,
          summary="Cancel a booking with its token, until the hall's cancel_hours before its slot")
async def cancel(call: Call[BookingCancelBody]) -> dict[str, Any]:
    return await call.services.bookings.cancel(call.body.hall, call.text_param("number"), call.body.token)


@api.get("/api/v1/public/bookings/{token}", access=Access.PUBLIC,
         summary="One booking for its holder's phone (the QR code's link /b/{token}): slot, place, state")
async def public_booking(call: Call) -> dict[str, Any]:
    return await call.services.bookings.public(call.text_param("token"))


@api.get("/api/v1/public/bookings/{token}/qr.svg", access=Access.PUBLIC, media_type="image/svg+xml",
         summary="QR code (SVG) of the booking's page /b/{token}: a kiosk's scanner checks in with it")
async def public_booking_qr(call: Call) -> web.Response:
    hall, _booking = await call.services.bookings.by_token(call.text_param("token"))
    return qr_svg(hall.booking_url(manage_path(call.text_param("token")), call.base_url))


@api.post("/api/v1/slots/close", access=Access.MANAGER, body=SlotCloseBody,
          summary="Close a slot to bookings (a window out of service): its bookings are cancelled and their"
                  " holders told")
async def close_slot(call: Call[SlotCloseBody]) -> dict[str, Any]:
    assert call.principal is not None
    return await call.services.bookings.close_slot(call.principal, call.body.service, call.body.start)


@api.get("/api/v1/bookings", access=Access.STAFF,
         query={"day": Query("the day (default: today)", Day), "service": Query("only this service", SafeText)},
         summary="The day's bookings with their states (booked, checked_in, called, served, no_show, cancelled);"
                 " names and ID numbers masked")
async def listing(call: Call) -> dict[str, Any]:
    return await call.services.bookings.listing(call.hall_id, call.query("day"), call.query("service"))


@api.post("/api/v1/check-in", access=Access.ISSUER, body=CheckInBody, status=201, no_store=True,
          summary="Check a booking in at a kiosk (by number, scanned QR or ID card) and issue its ticket: an"
                  " appointment ranking from the slot inside the check-in window, a walk-in when late")
async def check_in(call: Call[CheckInBody]) -> dict[str, Any]:
    assert call.principal is not None
    body = call.body
    request = CheckInRequest(body.number, body.qr, body.identity_token, body.idempotency_key)
    done = await call.services.check_ins.check_in(call.principal, request, call.base_url)
    hall = call.services.ctx.hall(call.hall_id)
    return {**issued_json(done.issued, hall, call.base_url), "outcome": done.outcome,
            "booking": done.booking.public(hall, call.services.ctx.clock.now())}
