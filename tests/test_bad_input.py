"""Malformed requests get a 4xx with the error shape, never a 500, and write nothing."""
from __future__ import annotations

import asyncpg
import pytest

from tests.support import KIOSK, issue, signed_in


async def row_counts(database_url: str) -> tuple[int, int, int]:
    con = await asyncpg.connect(database_url)
    try:
        return (await con.fetchval("SELECT count(*) FROM tickets"), await con.fetchval("SELECT count(*) FROM events"),
                await con.fetchval("SELECT count(*) FROM ticket_counters"))
    finally:
        await con.close()


def assert_error_shape(body: dict, code: str | None = None) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}, body
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body


BAD_ISSUES = [
    (b'{"service": "B01"', 400, "malformed_json", None),
    (b"[1, 2]", 400, "malformed_json", None),
    (b"\xff\xfe", 400, "malformed_json", None),
    (b'{"service": 5}', 422, "invalid", "service"),
    (b'{"service": "B01", "priority": "vip"}', 422, "invalid", "priority"),
    (b'{"service": "B01", "colour": "red"}', 422, "invalid", "colour"),
    (b'{"service": "B01", "identity": {"name": "x"}}', 422, "invalid", "identity.id_number"),
    (b'{"service": "B01", "identity": {"id_number": "12345678901234567Z"}}', 422, "invalid_id_number", "id_number"),
    (b'{"service": "B01", "appointment_at": "tomorrow"}', 422, "invalid", "appointment_at"),
    (b'{"service": "B01", "priority": "appointment"}', 422, "invalid", "appointment_at"),
    (b"{}", 422, "invalid", "service or zone"),
    (b'{"service": "Z99"}', 404, "not_found", "Z99"),
    (b'{"zone": "Q"}', 404, "not_found", "Q"),
]


@pytest.mark.parametrize("raw,status,code,mentions", BAD_ISSUES)
async def test_bad_issue_requests_are_refused_and_write_nothing(client, database_url, raw, status, code, mentions):
    before = await row_counts(database_url)
    response = await client.post("/api/v1/tickets", data=raw,
                                 headers={**KIOSK, "Content-Type": "application/json"})
    body = await response.json()
    assert response.status == status, body
    assert_error_shape(body, code)
    if mentions:
        assert mentions in body["error"]["message"]
    assert await row_counts(database_url) == before


async def test_bad_staff_requests_are_4xx_with_the_error_shape(client, database_url):
    clerk = await signed_in(client, "zhangwei", 41)
    ticket = (await issue(client, "B01"))["ticket"]
    before = await row_counts(database_url)
    cases = [
        ("/api/v1/windows/abc/call-next", None, 404),
        ("/api/v1/windows/999/call-next", None, 404),
        ("/api/v1/tickets/99999999/start", None, 404),
        ("/api/v1/tickets/xyz/finish", None, 404),
        ("/api/v1/windows/41/pause", {}, 422),
        ("/api/v1/windows/41/pause", {"reason": ""}, 422),
        ("/api/v1/windows/41/call", {"number": 23}, 422),
        ("/api/v1/windows/41/call", {"number": "Q999"}, 404),
        (f"/api/v1/tickets/{ticket['id']}/transfer", {"window": "x"}, 422),
        (f"/api/v1/tickets/{ticket['id']}/finish", None, 409),
        ("/api/v1/windows/41/sign-in", {"post": "C"}, 422),
    ]
    for path, body, status in cases:
        response = await client.post(path, json=body, headers=clerk.headers)
        payload = await response.json()
        assert response.status == status, (path, payload)
        assert_error_shape(payload)
    assert await row_counts(database_url) == before


async def test_login_errors(client):
    missing = await client.post("/api/v1/staff/login", json={"hall": "city", "staff_id": "zhangwei"})
    assert missing.status == 422 and "password" in (await missing.json())["error"]["message"]
    wrong = await client.post("/api/v1/staff/login", json={"hall": "city", "staff_id": "zhangwei", "password": "no"})
    assert wrong.status == 401
    assert_error_shape(await wrong.json(), "bad_credentials")
    unknown_hall = await client.post("/api/v1/staff/login", json={"hall": "mars", "staff_id": "x", "password": "y"})
    assert unknown_hall.status == 404


async def test_unknown_routes_methods_and_huge_bodies_are_json_errors(client):
    for response, status in [
        (await client.get("/api/v1/nowhere"), 404),
        (await client.delete("/api/v1/tickets", headers=KIOSK), 405),
        (await client.post("/api/v1/tickets", data=b"x" * 200_000, headers=KIOSK), 413),
        (await client.get("/api/v1/tickets/1", headers={"Authorization": "Bearer forged"}), 401),
        (await client.get("/api/v1/tickets/1", headers=KIOSK), 403),
    ]:
        assert response.status == status
        assert_error_shape(await response.json())


async def test_the_server_documents_its_api_as_openapi(client):
    response = await client.get("/api/v1/openapi.json")
    document = await response.json()
    assert document["openapi"].startswith("3.")
    issue_op = document["paths"]["/api/v1/tickets"]["post"]
    assert issue_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/IssueBody")
    assert "IssueBody" in document["components"]["schemas"]
    assert "/api/v1/windows/{no}/call-next" in document["paths"]
