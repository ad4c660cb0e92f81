"""A thin client for the hall API as kiosks and staff consoles use it."""
from __future__ import annotations

import itertools
from typing import Any

from aiohttp.test_utils import TestClient

PASSWORD = "hallq-demo"  # the demo staff password of the shipped halls
KIOSK = {"Authorization": "Bearer demo-kiosk-entrance"}
SCREEN = {"Authorization": "Bearer demo-screen-hall"}
_keys = itertools.count(1)


async def expect(response: Any, status: int) -> dict[str, Any]:
    body = await response.json()
    assert response.status == status, f"expected {status}, got {response.status}: {body}"
    return body


async def issue(client: TestClient, service: str = "B01", **fields: Any) -> dict[str, Any]:
    fields.setdefault("idempotency_key", f"test-key-{next(_keys):06d}")
    return await expect(await client.post("/api/v1/tickets", json={"service": service, **fields}, headers=KIOSK), 201)


class Clerk:
    """A staff member at a window, speaking the console's API calls."""

    def __init__(self, client: TestClient, staff_id: str, window: int) -> None:
        self.client, self.staff_id, self.window = client, staff_id, window
        self.headers: dict[str, str] = {}

    async def login(self, hall: str = "city") -> Clerk:
        body = await expect(await self.client.post(
            "/api/v1/staff/login", json={"hall": hall, "staff_id": self.staff_id, "password": PASSWORD}), 200)
        self.headers = {"Authorization": f"Bearer {body['token']}"}
        return self

    async def post(self, path: str, status: int = 200, **body: Any) -> dict[str, Any]:
        response = await self.client.post(path, json=body if body else None, headers=self.headers)
        return await expect(response, status)

    async def window_action(self, action: str, status: int = 200, **body: Any) -> dict[str, Any]:
        return await self.post(f"/api/v1/windows/{self.window}/{action}", status, **body)

    async def ticket_action(self, ticket_id: int, action: str, status: int = 200, **body: Any) -> dict[str, Any]:
        return await self.post(f"/api/v1/tickets/{ticket_id}/{action}", status, **body)

    async def sign_in(self, post: str = "A") -> dict[str, Any]:
        return await self.window_action("sign-in", post=post)

    async def call_next(self) -> dict[str, Any] | None:
        return (await self.window_action("call-next"))["ticket"]

    async def get(self, path: str, status: int = 200) -> dict[str, Any]:
        return await expect(await self.client.get(path, headers=self.headers), status)


async def signed_in(client: TestClient, staff_id: str, window: int, post: str = "A") -> Clerk:
    clerk = await Clerk(client, staff_id, window).login()
    await clerk.sign_in(post)
    return clerk
