"""Who may use the agent websocket and the kiosk topic; where device events go; the print journal."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hardware.print_journal import INTERRUPTED, Outcome, PrintJournal
from server.events import topics as event_topics
from server.model import Event
from tests.support import KIOSK, SCREEN

AT = datetime(2026, 11, 23, 2, tzinfo=UTC)


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (SCREEN, 403)])
async def test_only_a_kiosk_token_connects_an_agent(client, headers, status):
    response = await client.get("/api/v1/agent", headers=headers)
    assert response.status == status


@pytest.mark.parametrize(("token", "topic", "status"), [
    ("demo-kiosk-entrance", "kiosk:kiosk-entrance", 101),
    ("demo-kiosk-a", "kiosk:kiosk-entrance", 403),  # another kiosk's card reads
    ("demo-screen-hall", "kiosk:kiosk-entrance", 403),
    ("demo-kiosk-entrance", "kiosk:screen-hall", 400),  # not a kiosk
    ("demo-kiosk-entrance", "agent:kiosk-entrance", 400),  # the agent's jobs travel on its own socket
])
async def test_kiosk_topic_is_for_the_kiosk_itself(client, token, topic, status):
    response = await client.get(f"/api/v1/live?token={token}&topics={topic}",
                                headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status == status


def event(kind: str, **payload: object) -> Event:
    return Event("city", 1, AT, kind, 7, None, "A", None, {"device": "kiosk-entrance", **payload})


@pytest.mark.parametrize(("kind", "topics"), [
    ("print.requested", {"agent:kiosk-entrance"}),
    ("kiosk.identity", {"kiosk:kiosk-entrance"}),
    ("kiosk.print_failed", {"kiosk:kiosk-entrance"}),
    ("device.status", {"kiosk:kiosk-entrance", "managers"}),
])
def test_device_events_never_reach_public_topics(kind, topics):
    assert event_topics(event(kind, ticket={"status": "waiting", "service": "A01"}), {"A01": (1, 2)}) == topics


async def test_identity_and_identity_token_exclude_each_other(client):
    body = {"service": "A01", "identity": {"id_number": "11010519491231002X"}, "identity_token": "x" * 32}
    response = await client.post("/api/v1/tickets", json=body, headers=KIOSK)
    assert response.status == 422


async def test_unknown_identity_token(client):
    response = await client.post("/api/v1/tickets", json={"service": "A01", "identity_token": "x" * 32},
                                 headers=KIOSK)
    assert response.status == 422


def test_journal_survives_a_restart_and_never_reprints_an_interrupted_job(tmp_path: Path):
    path = tmp_path / "state" / "print-journal.json"
    journal = PrintJournal(path)
    journal.finish(1, Outcome(True))
    journal.finish(2, Outcome(False, "paper_out"))
    journal.begin(3)  # the agent dies while printing job 3
    again = PrintJournal(path)
    assert again.outcome(1) == Outcome(True)
    assert again.outcome(2) == Outcome(False, "paper_out")
    assert again.outcome(3) == Outcome(False, INTERRUPTED)
    assert again.outcome(4) is None


def test_journal_keeps_the_latest_outcomes(tmp_path: Path):
    journal = PrintJournal(tmp_path / "journal.json", keep=3)
    for job in range(1, 6):
        journal.finish(job, Outcome(True))
    again = PrintJournal(tmp_path / "journal.json", keep=3)
    assert [again.outcome(job) is not None for job in range(1, 6)] == [False, False, True, True, True]
