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
    (b"{}", 422, "invalid", "service or zone"),
    (b'{"service": "Z99"}', 404, "not_found", "Z99"),
    (b'{"zone": "Q"}', 404, "not_found", "Q"),
    # What PostgreSQL cannot hold: a NUL in text, a moment outside what a timestamp stores.
    (b'{"service": "B01", "idempotency_key": "key-\\u0000-0001"}', 422, "invalid", "idempotency_key"),
    (b'{"service": "B01", "priority": "appointment", "appointment_at": "2026-11-23T10:00:00+08:00",'
     b' "appointment_code": "Y\\u0000"}', 422, "invalid", "appointment_code"),
    (b'{"service": "B01", "identity": {"id_number": "11010519491231002X", "name": "\\u5f20\\u0000"}}', 422,
     "invalid", "identity.name"),
    (b'{"service": "B01", "priority": "appointment", "appointment_at": "0001-01-01T00:00:00+14:00"}', 422,
     "invalid", "appointment_at"),
    (b'{"service": "B01", "priority": "appointment", "appointment_at": "9999-12-31T23:59:59-14:00"}', 422,
     "invalid", "appointment_at"),
    # Without its offset a time could be Beijing's or UTC's: refused, not guessed.
    (b'{"service": "B01", "priority": "appointment", "appointment_at": "2026-11-23T10:00:00"}', 422,
     "invalid", "appointment_at"),
    (b'{"service": "B\\ud800"}', 422, "invalid", "service"),
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


async def test_what_postgresql_cannot_hold_is_refused_naming_the_field_and_writes_nothing(client, database_url):
    clerk = await signed_in(client, "zhangwei", 41)
    ticket = (await issue(client, "B01"))["ticket"]
    before = await row_counts(database_url)
    cases = [
        ("GET", "/api/v1/tickets/99999999999999999999", None, "id"),
        ("POST", "/api/v1/tickets/9223372036854775808/cancel", None, "id"),
        ("POST", "/api/v1/tickets/0/cancel", None, "id"),
        ("POST", "/api/v1/windows/41/call", {"number": "B0\x0001"}, "number"),
        ("POST", "/api/v1/windows/41/pause", {"reason": "meal", "note": "午休\x00"}, "note"),
        ("POST", f"/api/v1/tickets/{ticket['id']}/transfer", {"service": "B02", "note": "转\x00"}, "note"),
        ("POST", f"/api/v1/tickets/{ticket['id']}/transfer", {"window": 2**63}, "window"),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, json=body, headers=clerk.headers)
        payload = await response.json()
        assert response.status == 422, (path, payload)
        assert_error_shape(payload, "invalid")
        assert field in payload["error"]["message"], (path, payload)
    assert await row_counts(database_url) == before


async def test_free_text_keeps_its_line_breaks(client):
    clerk = await signed_in(client, "zhangwei", 41)
    paused = await clerk.window_action("pause", reason="system", note="系统升级\n稍候")
    assert paused["window"]["pause_note"] == "系统升级\n稍候"


async def test_a_nul_in_a_public_ticket_link_is_refused_anonymously(client):
    for path in ("/api/v1/public/tickets/%00", "/api/v1/public/tickets/%00/qr.svg",
                 "/api/v1/public/tickets/a%00b/preview.png"):
        response = await client.get(path)
        assert response.status == 422, path
        assert_error_shape(await response.json(), "invalid")


UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.mark.parametrize("query", [
    {"token": "demo-screen-hall", "topics": "window:²"},
    {"token": "demo-screen-hall", "topics": "staff:¹"},
    {"token": "demo-screen-hall", "topics": "window:99999999999999999999"},
    {"token": "demo-screen-hall", "since": "-99999999999999999999"},
    {"token": "demo-screen-hall", "since": "99999999999999999999"},
    {"token": "demo-screen-hall", "topics": "zone:A\x00"},
    {"ticket": "\x00"},
])
async def test_bad_live_socket_parameters_are_refused_before_the_upgrade(client, query):
    response = await client.get("/api/v1/live", params=query, headers=UPGRADE)
    assert 400 <= response.status < 500, query
    assert_error_shape(await response.json())


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


async def test_a_wrong_method_keeps_its_allow_header(client):
    response = await client.delete("/api/v1/tickets", headers=KIOSK)
    assert response.status == 405
    assert "POST" in response.headers["Allow"]
    assert_error_shape(await response.json(), "method_not_allowed")


async def test_the_server_documents_its_api_as_openapi(client):
    response = await client.get("/api/v1/openapi.json")
    document = await response.json()
    assert document["openapi"].startswith("3.")
    issue_op = document["paths"]["/api/v1/tickets"]["post"]
    assert issue_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/IssueBody")
    assert "IssueBody" in document["components"]["schemas"]
    assert "/api/v1/windows/{no}/call-next" in document["paths"]


async def test_the_device_agent_gets_an_error_for_what_postgresql_cannot_hold_and_stays_connected(client):
    async with client.ws_connect("/api/v1/agent", headers=KIOSK) as agent:
        await agent.send_json({"type": "hello", "agent": "test"})
        assert (await agent.receive_json())["type"] == "welcome"
        for message, field in [
            ({"type": "card", "card": {"name": "张\x00三", "id_number": "11010519491231002X"}}, "card.name"),
            ({"type": "job_result", "job_id": 2**63, "ok": True}, "job_id"),
            ({"type": "card_error", "error": "bad\x00"}, "error"),
        ]:
            await agent.send_json(message)
            answer = await agent.receive_json()
            assert (answer["type"], answer["code"]) == ("error", "invalid"), answer
            assert field in answer["message"], answer
        await agent.send_json({"type": "ping"})
        assert (await agent.receive_json())["type"] == "pong"


async def test_the_openapi_document_covers_every_route_with_typed_parameters(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    served = {(r.method, r.resource.canonical) for r in client.app.router.routes()
              if r.resource is not None and r.resource.canonical.startswith("/api/") and r.method != "HEAD"}
    assert served <= documented, served - documented
    for path in ("/api/v1/agent", "/api/v1/live"):
        assert "101" in paths[path]["get"]["responses"]
    assert "audio/wav" in paths["/api/v1/announcements/chime.wav"]["get"]["responses"]["200"]["content"]
    audio = {p["name"]: p for p in paths["/api/v1/announcements/audio"]["get"]["parameters"]}
    assert audio["text"]["required"] and audio["text"]["in"] == "query"
    stats = {p["name"]: p["schema"] for p in paths["/api/v1/stats"]["get"]["parameters"]}
    assert stats["by"]["enum"] == ["window", "staff", "service", "zone", "department", "hall"]
    assert stats["from"]["format"] == "date"
    live = {p["name"]: p["schema"] for p in paths["/api/v1/live"]["get"]["parameters"]}
    assert (live["since"]["type"], live["since"]["maximum"]) == ("integer", 2**63 - 1)
    ticket_id = paths["/api/v1/tickets/{id}"]["get"]["parameters"][0]["schema"]
    assert (ticket_id["minimum"], ticket_id["maximum"]) == (1, 2**63 - 1)
    # {} is a valid sign-in (post A), not a valid pause (a reason is needed)
    assert not paths["/api/v1/windows/{no}/sign-in"]["post"]["requestBody"]["required"]
    assert paths["/api/v1/windows/{no}/pause"]["post"]["requestBody"]["required"]
    issued = paths["/api/v1/tickets"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert issued["$ref"].endswith("/Issued")
