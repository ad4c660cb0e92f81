"""A print job in flight when the server or the agent dies is printed exactly once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from printers.emulator import PrinterEmulator
from tests import support
from tests.agents import agent_settings, job_rows, running_agent
from tests.processes import Remote, hall_servers


@pytest.fixture
async def printer_emulator(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    async with PrinterEmulator(tmp_path / "printer") as emulator:
        yield emulator


async def issue(url: str) -> dict:
    async with aiohttp.ClientSession() as session:
        return await support.issue(Remote(session, url))


async def settled(database_url: str, timeout: float = 20.0) -> list:
    """The print jobs, once none is waiting for the agent's result."""
    async with asyncio.timeout(timeout):
        while True:
            jobs = await job_rows(database_url)
            if jobs and all(job["status"] in ("printed", "failed") for job in jobs):
                return jobs
            await asyncio.sleep(0.1)  # polling the table: the test has no feed on the restarted server


async def test_server_killed_after_printing_before_the_ack(printer_emulator, database_url, tmp_path):
    async with hall_servers(database_url, tmp_path, count=1, clerks=0) as servers:
        printed = asyncio.Event()

        async def kill_server(job_id: int) -> None:
            servers.kill(0)  # kill -9 while the agent still has to report the job
            printed.set()

        settings = agent_settings(servers.urls[0], tmp_path / "agent", printer=str(printer_emulator.link))
        async with running_agent(settings, on_printed=kill_server) as agent:
            ticket = (await issue(servers.urls[0]))["ticket"]
            await asyncio.wait_for(printed.wait(), 15)
            assert [job["status"] for job in await job_rows(database_url)] == ["sent"]  # the ack never arrived

            await servers.restart(0)
            await asyncio.wait_for(agent.connected.wait(), 15)
            jobs = await settled(database_url)
            await asyncio.sleep(0.5)  # room for a second ticket, if one were coming

    assert [(job["ticket_id"], job["status"], job["attempts"]) for job in jobs] == [(ticket["id"], "printed", 2)]
    printout = printer_emulator.decode()
    assert printout.cuts == 1
    assert printout.code128_payloads == (ticket["number"],)


async def test_agent_restarted_after_printing_before_the_ack(printer_emulator, live_server, database_url, tmp_path):
    base_url = str(live_server.make_url("")).rstrip("/")
    printed = asyncio.Event()

    async def stall(job_id: int) -> None:
        printed.set()
        await asyncio.Event().wait()  # the agent stops here, before it reports the job

    settings = agent_settings(base_url, tmp_path / "agent", printer=str(printer_emulator.link))
    async with running_agent(settings, on_printed=stall):
        ticket = (await issue(base_url))["ticket"]
        await asyncio.wait_for(printed.wait(), 15)
    assert [job["status"] for job in await job_rows(database_url)] == ["sent"]

    # A new agent process on the same state folder: the server sends the job again.
    async with running_agent(settings):
        jobs = await settled(database_url)
        await asyncio.sleep(0.5)

    assert [(job["ticket_id"], job["status"], job["attempts"]) for job in jobs] == [(ticket["id"], "printed", 2)]
    printout = printer_emulator.decode()
    assert printout.cuts == 1
    assert printout.code128_payloads == (ticket["number"],)


async def test_a_job_left_unprinted_too_long_is_not_printed_late(printer_emulator, live_server, clock, database_url,
                                                                 tmp_path):
    base_url = str(live_server.make_url("")).rstrip("/")
    printed = asyncio.Event()

    async def stall(job_id: int) -> None:
        printed.set()
        await asyncio.Event().wait()

    settings = agent_settings(base_url, tmp_path / "agent", printer=str(printer_emulator.link))
    async with running_agent(settings, on_printed=stall):
        first = (await issue(base_url))["ticket"]
        await asyncio.wait_for(printed.wait(), 15)
        second = (await issue(base_url))["ticket"]  # queued behind the stalled job
        clock.advance(minutes=3)  # the citizen has long left the kiosk

    async with running_agent(settings):
        jobs = await settled(database_url)

    assert [(job["ticket_id"], job["status"], job["error"]) for job in jobs] == [
        (first["id"], "printed", None), (second["id"], "failed", "expired")]
    assert printer_emulator.decode().cuts == 1
