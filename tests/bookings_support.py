"""Booking as the phone page does it, for the booking tests."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from hardware.idcard import with_check_character
from tests.support import expect


def citizen_id(n: int) -> str:
    """A valid ID number of its own for citizen `n` (born 1985-03-14, region 410502)."""
    return with_check_character(f"41050219850314{n:03d}")


def booking_body(n: int, start: datetime | str, service: str = "B01", **extra: Any) -> dict[str, Any]:
    name = "张" + "一二三四五六七八九十"[n % 10] + "丰"
    return {"service": service, "start": start if isinstance(start, str) else start.isoformat(),
            "name": name, "id_number": citizen_id(n), "mobile": f"139{n:08d}", **extra}


async def book(client: Any, n: int, start: datetime | str, status: int = 201, **extra: Any) -> dict[str, Any]:
    return await expect(await client.post("/api/v1/bookings", json=booking_body(n, start, **extra)), status)
