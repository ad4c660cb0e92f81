"""No open window, no promised wait: while no window that may serve a ticket is signed in (open or
paused: a paused window comes back), its estimate is null and pages say 暂无开放窗口."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from server.config import load_hall
from server.hall import Priority
from server.model import Event
from server.queue_state import HallQueue, Waiting
from tests.support import SCREEN, expect, issue, signed_in

# A township hall: universal windows 1-2, window 3 serves zone A (A01), window 4 zone B (B01).
TOWNSHIP = load_hall(Path(__file__).resolve().parent.parent / "config" / "township.toml")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the hall
DAY = date(2026, 11, 23)


def waiting(ticket_id: int, service: str, target_window: int | None = None) -> Waiting:
    zone = TOWNSHIP.service(service).zone  # type: ignore[union-attr]
    return Waiting(ticket_id, DAY, service, zone, Priority.NORMAL, NOW, NOW, target_window)


def no_window(queue: HallQueue, tickets: list[Waiting]) -> list[bool]:
    """Which tickets have no estimate (the number itself is another matter)."""
    return [queue.place(t, NOW).estimated_wait_minutes is None for t in tickets]


def unestimated(queue: HallQueue) -> set[str]:
    """The services and zones of the township's zones A and B without an estimate."""
    figures = queue.figures(NOW)
    entries = [(s["service"], s) for s in figures["services"]] + [(z["zone"], z) for z in figures["zones"]]
    return {code for code, entry in entries
            if code in ("A01", "B01", "A", "B") and entry["estimated_wait_minutes"] is None}


def window_state(seq: int, number: int, state: str) -> Event:
    return Event("township", seq, NOW, "window.signed_out", None, number, None, None,
                 {"window_state": {"number": number, "state": state}})


def test_a_signed_in_window_gives_an_estimate_and_none_gives_null() -> None:
    tickets = [waiting(1, "A01"), waiting(2, "A01"), waiting(3, "A01", target_window=4), waiting(4, "B01")]
    queue = HallQueue(TOWNSHIP, 0, tickets, {3: "paused", 4: "closed"})
    # Window 3 is paused: A01 has someone to come back; nobody may serve B01 or the ticket sent to window 4.
    assert no_window(queue, tickets) == [False, False, True, True]
    assert unestimated(queue) == {"B01", "B"}

    queue.apply(window_state(1, 4, "open"))
    assert no_window(queue, tickets) == [False, False, False, False]
    assert unestimated(queue) == set()
    queue.apply(window_state(2, 3, "closed"))  # signed out: zone A's services have no window now
    assert no_window(queue, tickets) == [True, True, False, False]
    assert unestimated(queue) == {"A01", "A"}
    queue.apply(window_state(3, 1, "paused"))  # a universal window serves every service
    assert unestimated(queue) == set()


async def queue_figures(client: Any, service: str, zone: str) -> tuple[Any, Any]:
    """The /api/v1/queues estimates of one service and one zone."""
    queues = await expect(await client.get("/api/v1/queues", headers=SCREEN), 200)
    by_service = {s["service"]: s for s in queues["services"]}
    by_zone = {z["zone"]: z for z in queues["zones"]}
    return by_service[service]["estimated_wait_minutes"], by_zone[zone]["estimated_wait_minutes"]


async def test_issue_answer_phone_status_and_queues_say_null_until_a_window_signs_in(client):
    first = await issue(client, "B01")
    assert (first["people_ahead"], first["estimated_wait_minutes"]) == (0, None)  # first, but nobody to call it
    second = await issue(client, "B01")
    assert (second["people_ahead"], second["estimated_wait_minutes"]) == (1, None)
    assert await queue_figures(client, "B01", "B") == (None, None)
    phone = f"/api/v1/public/tickets/{second['status_token']}"
    assert (await expect(await client.get(phone), 200))["estimated_wait_minutes"] is None

    clerk = await signed_in(client, "zhangwei", 41)  # a window of zone B: zone A has none still
    await clerk.window_action("pause", reason="meal")  # paused counts: it comes back
    assert isinstance((await expect(await client.get(phone), 200))["estimated_wait_minutes"], int)
    assert (await issue(client, "B01"))["estimated_wait_minutes"] > 0
    assert all(isinstance(figure, int) for figure in await queue_figures(client, "B01", "B"))
    assert await queue_figures(client, "A01", "A") == (None, None)

    await clerk.window_action("sign-out")
    assert await queue_figures(client, "B01", "B") == (None, None)
