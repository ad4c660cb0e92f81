"""`/metrics`: Prometheus text that moves as a morning is played through the API."""
from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from server.app import Settings, create_app
from tests.support import KIOSK, SCREEN, Clerk, expect, issue, signed_in

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: TestClient, headers: dict[str, str]) -> Series:
    response = await client.get("/metrics", headers=headers)
    text = await response.text()
    assert response.status == 200, text
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


async def manager(client: TestClient) -> dict[str, str]:
    return (await Clerk(client, "wangfang", 0).login()).headers


async def test_counters_and_gauges_follow_a_morning_issued_called_and_finished(client: TestClient):
    headers = await manager(client)
    before = await scrape(client, headers)
    for _ in range(3):
        await issue(client, "A01")
    await issue(client, "B01")
    clerk = await signed_in(client, "zhangwei", 15)
    called = await clerk.call_next()
    assert called is not None
    await clerk.ticket_action(called["id"], "start")
    await clerk.ticket_action(called["id"], "finish")
    await clerk.call_next()
    live = await client.ws_connect("/api/v1/live", params={"topics": "hall"}, headers=SCREEN)
    await live.receive_json()  # hello: the socket is subscribed
    await live.receive_json()  # the snapshot: built once every event committed so far was applied

    after = await scrape(client, headers)
    city_a, city_b = {"hall": "city", "zone": "A"}, {"hall": "city", "zone": "B"}
    assert value(before, "hallq_tickets_issued_total", **city_a) == 0
    assert value(after, "hallq_tickets_issued_total", **city_a) == 3
    assert value(after, "hallq_tickets_issued_total", **city_b) == 1
    assert value(after, "hallq_tickets_called_total", **city_a) == 2
    assert value(after, "hallq_tickets_finished_total", **city_a) == 1
    assert value(after, "hallq_tickets_finished_total", **city_b) == 0
    assert value(after, "hallq_waiting_tickets", **city_a) == 1
    assert value(after, "hallq_waiting_tickets", **city_b) == 1
    assert value(after, "hallq_open_windows", hall="city") == 1
    assert value(after, "hallq_websocket_connections", hall="city", kind="live") == 1
    # issued 4, sign-in, two calls, start, finish: every event measured once
    assert value(after, "hallq_event_fanout_seconds_count") - value(before, "hallq_event_fanout_seconds_count") == 9
    assert value(after, "hallq_db_pool_max") == 5
    assert 1 <= value(after, "hallq_db_pool_size") <= 5
    assert value(after, "hallq_device_ok", hall="city", device="kiosk-entrance", part="agent") == 0
    await live.close()


async def test_requests_are_counted_by_route_template_never_by_raw_path(client: TestClient):
    headers = await manager(client)
    ticket = (await issue(client, "A01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 15)
    await clerk.ticket_action(ticket["id"], "start", 409)  # not called yet: refused
    await client.get("/no/such/page/12345")

    series = await scrape(client, headers)
    assert value(series, "hallq_http_requests_total", method="POST", route="/api/v1/tickets", status="201") == 1
    assert value(series, "hallq_http_requests_total", method="POST", route="/api/v1/tickets/{id}/start",
                 status="409") == 1
    assert value(series, "hallq_http_requests_total", method="GET", route="(unmatched)", status="404") == 1
    assert value(series, "hallq_http_request_duration_seconds_count", method="POST",
                 route="/api/v1/windows/{no}/sign-in") == 1
    raw_paths = [label for _name, labels in series for _key, label in labels if "12345" in label or "/no/" in label]
    assert raw_paths == []


@pytest.fixture
def with_metrics_token(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token="scrape-secret-0123456789")


async def test_metrics_answer_the_metrics_token_and_managers_only(with_metrics_token: Settings, aiohttp_client):
    client = await aiohttp_client(create_app(with_metrics_token))
    anonymous = await expect(await client.get("/metrics"), 401)
    assert anonymous["error"]["code"] == "unauthorized"
    clerk = await Clerk(client, "zhangwei", 15).login()
    await expect(await client.get("/metrics", headers=clerk.headers), 403)
    await expect(await client.get("/metrics", headers={"Authorization": "Bearer wrong-secret"}), 401)
    await expect(await client.get("/metrics", headers=SCREEN), 403)
    await scrape(client, {"Authorization": "Bearer scrape-secret-0123456789"})
    await scrape(client, await manager(client))


async def test_kiosk_parts_follow_what_their_agent_reports(client: TestClient):
    headers = await manager(client)
    kiosk = {"hall": "city", "device": "kiosk-entrance"}
    agent = await client.ws_connect("/api/v1/agent", headers=KIOSK)
    await agent.send_json({"type": "hello", "agent": "test", "reader": "ok", "printer": "paper_out"})
    assert (await agent.receive_json())["type"] == "welcome"

    series = await scrape(client, headers)
    assert value(series, "hallq_device_ok", **kiosk, part="agent") == 1
    assert value(series, "hallq_device_ok", **kiosk, part="reader") == 1
    assert value(series, "hallq_device_ok", **kiosk, part="printer") == 0
    assert value(series, "hallq_websocket_connections", hall="city", kind="agent") == 1

    await agent.send_json({"type": "status", "reader": "offline", "printer": "paper_low"})
    await agent.send_json({"type": "ping"})  # answered once the status before it is stored
    assert (await agent.receive_json())["type"] == "pong"
    series = await scrape(client, headers)
    assert value(series, "hallq_device_ok", **kiosk, part="reader") == 0
    assert value(series, "hallq_device_ok", **kiosk, part="printer") == 1  # low on paper, still printing
    await agent.close()
