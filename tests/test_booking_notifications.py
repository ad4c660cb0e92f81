"""Booking notifications reach the hall's gateway through the outbox as signed webhooks (the documented
example receiver checks every signature): confirmed, cancelled, slot closed by the hall, the day
before and N minutes before the slot, each once, following the hall's clock."""
from __future__ import annotations

from datetime import datetime

from tests.bookings_support import book, booking_body
from tests.conftest import SHANGHAI
from tests.support import Clerk, expect
from tests.test_notifications import gateway, reminding, settled  # noqa: F401

HALL = "【驻马店市民中心服务大厅】"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


async def test_each_booking_notification_arrives_once_and_signed(reminding, clock):  # noqa: F811
    client, receiving = reminding
    kept = await book(client, 1, at(24, 10))
    dropped = await book(client, 2, at(24, 10))
    closed = await book(client, 3, at(24, 11))
    await expect(await client.post(f"/api/v1/bookings/{dropped['booking']['number']}/cancel",
                                   json={"token": dropped["token"]}), 200)
    manager = await Clerk(client, "wangfang", 0).login()
    await manager.post("/api/v1/slots/close", service="B01", start=at(24, 11).isoformat())
    await settled(receiving, 5)

    clock.set(at(23, 18))  # the day before's reminder time
    await settled(receiving, 6)
    clock.set(at(23, 18, 30))
    late_booker = await book(client, 4, at(24, 10, 30))  # after the reminder time: no day-before reminder
    await settled(receiving, 7)
    clock.set(at(24, 9))  # an hour before 10:00
    await settled(receiving, 8)
    clock.set(at(24, 9, 30))
    await settled(receiving, 9)

    by_mobile: dict[str, list[str]] = {}
    for message in receiving.received:
        by_mobile.setdefault(message["to"], []).append(message["kind"])
        by_mobile[message["to"]].sort()  # a batch is delivered concurrently, in any order
        assert message["text"].startswith(HALL) and message["delivery_id"]
        assert booking_body(1, at(24, 10))["id_number"] not in message["text"]
    assert by_mobile == {
        booking_body(1, kept["booking"]["starts_at"])["mobile"]: [
            "appointment.confirmed", "appointment.soon", "appointment.tomorrow"],
        booking_body(2, dropped["booking"]["starts_at"])["mobile"]: ["appointment.cancelled", "appointment.confirmed"],
        booking_body(3, closed["booking"]["starts_at"])["mobile"]: ["appointment.closed", "appointment.confirmed"],
        booking_body(4, late_booker["booking"]["starts_at"])["mobile"]: ["appointment.confirmed", "appointment.soon"],
    }
    confirmed = next(m for m in receiving.received if m["kind"] == "appointment.confirmed"
                     and m["data"]["booking"] == kept["booking"]["number"])
    assert "11月24日 10:00-10:30「住房公积金提取」" in confirmed["text"]
    assert kept["booking"]["number"] in confirmed["text"]
    assert confirmed["data"]["link"] == f"/b/{kept['token']}"
    closing = next(m for m in receiving.received if m["kind"] == "appointment.closed")
    assert "已取消" in closing["text"] and closing["data"]["booking"] == closed["booking"]["number"]
