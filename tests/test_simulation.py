"""The day simulator: a seeded plan is reproducible, its day replays from the
action log, and what it reports agrees with the server's own statistics.
The stepped clock it runs on moves only forward, and only for a manager.

Each run drives the real app over a real socket on a stepped clock, so a
simulated morning takes seconds.
"""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from server.app import Settings, create_app
from server.clock import SteppedClock
from server.config import load_hall
from server.hall import Hall
from simulator.driver import drive
from simulator.plan import DayPlan, PlanSettings, Roster, make_plan
from simulator.replay import read_log, replay
from simulator.report import Figures, server_summons_figures
from tests.conftest import TEMPLATE, config_path, with_database
from tests.support import PASSWORD, Clerk, expect

MORNING = PlanSettings(seed=7, end=time(9, 30))  # the township's first hour: opening rush included


@pytest.fixture
def township(tmp_path: Path) -> Hall:
    """The township hall on the simulation's roster: a clerk per window, a manager, a kiosk."""
    source = config_path("township.toml")
    return load_hall(Roster("township", PASSWORD).write_config(load_hall(source), source, tmp_path / "config"))


@asynccontextmanager
async def hall_server(aiohttp_server, hall: Hall, database_url: str, start: datetime) -> AsyncIterator[str]:
    """The app on a real socket with a fresh stepped clock; yields its base URL."""
    settings = Settings(halls={hall.id: hall}, database_url=database_url, identity_key=b"s" * 32,
                        clock=SteppedClock(start), pool_size=5)
    server = await aiohttp_server(create_app(settings))
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        await server.close()


def opening(plan: DayPlan) -> datetime:
    return plan.at(plan.actions()[0].at)


@pytest.fixture
async def three_databases(pg_url: str) -> AsyncIterator[list[str]]:
    """A fresh database for each of three runs of one day: its bookings take the slots' places."""
    names = [f"hallq_sim_{os.getpid()}_{n}" for n in range(3)]
    con = await asyncpg.connect(pg_url)
    try:
        for name in names:
            await con.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        yield [with_database(pg_url, name) for name in names]
    finally:
        for name in names:
            await con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await con.close()


async def test_same_seed_same_day_and_the_log_replays(aiohttp_server, township: Hall, three_databases: list[str],
                                                      tmp_path: Path) -> None:
    plan = make_plan(township, MORNING)
    assert plan == make_plan(township, MORNING)
    assert plan != make_plan(township, PlanSettings(seed=8, end=time(9, 30)))
    roster = Roster(township.id, PASSWORD)
    log = tmp_path / "morning.jsonl"
    firsts, seconds, replays = three_databases
    async with hall_server(aiohttp_server, township, firsts, opening(plan)) as url:
        first = await drive(plan, township, roster, url, log_path=log)
    async with hall_server(aiohttp_server, township, seconds, opening(plan)) as url:
        second = await drive(plan, township, roster, url)
    async with hall_server(aiohttp_server, township, replays, opening(plan)) as url:
        replayed = await replay(log, township, roster, url)

    assert first.report.total.served > 30
    assert first.report.public() == second.report.public()
    assert replayed.report.public() == first.report.public()
    header, actions = read_log(log)
    assert (header["hall"], header["seed"], len(actions)) == ("township", 7, first.actions)
    assert {a["do"] for a in actions} >= {"sign-in", "issue", "call-next", "start", "finish", "sign-out"}


async def test_a_simulated_day_books_ahead_and_checks_in_at_the_kiosk(aiohttp_server, township: Hall,
                                                                      database_url: str, tmp_path: Path) -> None:
    plan = make_plan(township, PlanSettings(seed=7, end=time(11, 0)))
    roster = Roster(township.id, PASSWORD)
    log = tmp_path / "day.jsonl"
    async with hall_server(aiohttp_server, township, database_url, opening(plan)) as url:
        outcome = await drive(plan, township, roster, url, log_path=log)
    _, actions = read_log(log)
    booked = [a for a in actions if a["do"] == "book" and not a.get("refused")]
    checked_in = [a for a in actions if a["do"] == "check-in"]
    assert booked and len(checked_in) == len(booked)
    assert {a["outcome"] for a in checked_in} <= {"early", "on_time"}  # all arrive within their window
    con = await asyncpg.connect(database_url)
    try:
        states = await con.fetch("SELECT t.priority, t.status FROM bookings b JOIN tickets t ON t.id = b.ticket_id")
    finally:
        await con.close()
    assert len(states) == len(booked) and {r["priority"] for r in states} == {"appointment"}
    assert outcome.report.still_waiting == 0 and {r["status"] for r in states} <= {"done", "no_show", "cancelled"}


async def test_the_township_summons_its_department_and_reports_it_as_the_server(aiohttp_server, township: Hall,
                                                                                database_url: str,
                                                                                tmp_path: Path) -> None:
    """事进人不进: the township summons by itself when service starts; the simulated officer acknowledges
    and arrives, some late; the case finishes only after the officer came."""
    plan = make_plan(township, PlanSettings(seed=10, end=time(11, 0)))  # a morning with late officers too
    summoned = [v for v in plan.visits if v.summons is not None]
    assert len(summoned) >= 5 and {v.service for v in summoned} == {"C02"}
    roster = Roster(township.id, PASSWORD)
    log = tmp_path / "day.jsonl"
    async with hall_server(aiohttp_server, township, database_url, opening(plan)) as url:
        outcome = await drive(plan, township, roster, url, log_path=log)
        server = await manager_get(url, roster, "/api/v1/stats/summons",
                                   {"from": plan.day.isoformat(), "to": plan.day.isoformat()})

    (yibao,) = outcome.report.summons
    assert yibao == server_summons_figures(server["departments"][0])
    assert yibao["summons"] == yibao["arrived"] == len([a for a in read_log(log)[1] if a["do"] == "officer-arrive"])
    assert yibao["summons"] >= 5 and 0 < yibao["on_time_share"] < 1  # most on time, some late
    assert "事进人不进 yibao 县医疗保障局" in outcome.report.text()
    header, actions = read_log(log)
    assert header["version"] == 2 and not any(a["do"] == "summon" for a in actions)  # auto = true summons
    arrived = {a["visit"]: a["t"] for a in actions if a["do"] == "officer-arrive"}
    finished = {a["visit"]: a["t"] for a in actions if a["do"] == "finish" and a["visit"] in arrived}
    assert finished.keys() == arrived.keys() and all(arrived[v] < finished[v] for v in arrived)


async def test_reported_figures_agree_with_the_servers_statistics(aiohttp_server, township: Hall,
                                                                  database_url: str) -> None:
    plan = make_plan(township, MORNING)
    roster = Roster(township.id, PASSWORD)
    async with hall_server(aiohttp_server, township, database_url, opening(plan)) as url:
        outcome = await drive(plan, township, roster, url)
        server = {by: await server_stats(url, roster, by, plan.day.isoformat()) for by in ("window", "zone")}
        given = await manager_get(url, roster, "/api/v1/ratings", {"from": plan.day.isoformat()})
        day = plan.day.isoformat()
        (told,) = (await manager_get(url, roster, "/api/v1/stats/estimates",
                                     {"by": "hall", "from": day, "to": day}))["groups"]

    report = outcome.report
    assert report.still_waiting == 0
    assert sum(z.tickets for z in report.zones) == len(plan.visits)
    assert server["window"] == report.windows
    assert server["zone"] == report.by_zone()
    assert sum(f.served for f in server["zone"].values()) == report.total.served > 30
    # 好差评 went through the real endpoints, from the windows' tablets and from phones, and no
    # unrated service became a rating: the satisfaction figures above are the server's own.
    planned = [v.rating for v in plan.visits if v.rating is not None]
    assert len(given["ratings"]) == report.total.rated < report.total.served
    assert {r["channel"] for r in given["ratings"]} == {"tablet", "phone"}
    assert report.total.bad == sum(r["bad"] for r in given["ratings"]) > 0
    assert report.total.rated <= len(planned)
    # The waits told at issue, as the simulator measured them, are the server's accuracy figures.
    accuracy = report.estimates["all"]["server"]
    assert accuracy.tickets == told["tickets"] > 30
    assert abs(accuracy.mae_minutes - told["mae_min"]) < 0.01  # type: ignore[operator]
    assert abs(accuracy.bias_minutes - told["bias_min"]) < 0.01  # type: ignore[operator]
    assert "wait estimates all" in report.text()


async def test_stepped_clock_moves_forward_on_a_managers_word_only(aiohttp_client, city: Hall, database_url: str,
                                                                   clock) -> None:
    start = clock.now()
    settings = Settings(halls={city.id: city}, database_url=database_url, identity_key=b"s" * 32,
                        clock=SteppedClock(start), pool_size=2)
    client = await aiohttp_client(create_app(settings))
    manager = await Clerk(client, "wangfang", 0).login()
    clerk = await Clerk(client, "zhangwei", 0).login()
    later = (start + timedelta(minutes=5)).isoformat()

    assert (await manager.post("/api/v1/clock", now=later))["now"] == later
    assert settings.clock.now() == start + timedelta(minutes=5)
    refused = await manager.post("/api/v1/clock", 409, now=start.isoformat())
    assert refused["error"]["code"] == "clock_backwards"
    await clerk.post("/api/v1/clock", 403, now=later)
    await manager.post("/api/v1/clock", 422, now="2026-11-23T10:00:00")  # no UTC offset
    paths = (await expect(await client.get("/api/v1/openapi.json"), 200))["paths"]
    assert "/api/v1/clock" in paths


async def test_no_clock_to_set_on_a_running_clock(client) -> None:
    manager = await Clerk(client, "wangfang", 0).login()
    await manager.post("/api/v1/clock", 404, now="2026-11-23T10:05:00+08:00")


async def manager_get(url: str, roster: Roster, path: str, params: dict[str, str]) -> dict[str, Any]:
    """A GET as the simulation's manager."""
    async with aiohttp.ClientSession() as session:
        login = {"hall": roster.hall, "staff_id": roster.manager, "password": roster.password}
        async with session.post(f"{url}/api/v1/staff/login", json=login) as response:
            token = (await response.json())["token"]
        async with session.get(f"{url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
            body: dict[str, Any] = await response.json()
            return body


async def server_stats(url: str, roster: Roster, by: str, day: str) -> dict[str, Figures]:
    """`GET /api/v1/stats?by=…` as the manager reads it, one Figures per group."""
    groups = (await manager_get(url, roster, "/api/v1/stats", {"by": by, "from": day, "to": day}))["groups"]
    return {g["key"]: Figures.from_server(g) for g in groups}
