"""Sign-in under guessing: throttled and locked per account and address, in every process,
the same time for known and unknown staff ids, never stalling the hall, and audited."""
from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import aiohttp
import asyncpg

from server.app import Settings, create_app
from server.config import load_hall
from server.credentials import cost_of, dummy_hash, hash_password, hash_password_pbkdf2, verify_password
from tests.processes import HallServers, Remote, extra_clerks, hall_config
from tests.support import PASSWORD, Clerk, expect, issue

LOGIN = "/api/v1/staff/login"


async def login(client: Any, staff_id: str, password: str, hall: str = "city") -> Any:
    return await client.post(LOGIN, json={"hall": hall, "staff_id": staff_id, "password": password})


async def audit_rows(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch("SELECT actor, action, subject, address, outcome, detail FROM audit_log ORDER BY id")
    finally:
        await con.close()


async def refused_for(response: Any) -> int:
    body = await expect(response, 429)
    assert body["error"]["code"] == "too_many_attempts"
    return int(response.headers["Retry-After"])


async def test_failures_grow_delays_then_lock_the_account_until_a_manager_lifts_it(client, clock, database_url):
    for _ in range(5):  # typing errors are free
        assert (await expect(await login(client, "zhangwei", "wrong"), 401))["error"]["code"] == "bad_credentials"
    assert await refused_for(await login(client, "zhangwei", PASSWORD)) == 1  # even the right password waits
    waits = []
    for _ in range(5):
        clock.advance(seconds=waits[-1] if waits else 1)
        await expect(await login(client, "zhangwei", "wrong"), 401)
        waits.append(await refused_for(await login(client, "zhangwei", "wrong")))
    assert waits[:4] == [2, 4, 8, 16]  # doubling after each failure
    assert waits[4] == 30 * 60  # the 10th failure locked the account
    clock.advance(minutes=5)
    locked = await login(client, "zhangwei", PASSWORD)
    assert await refused_for(locked) == 25 * 60
    assert "锁定" in (await locked.json())["error"]["message"]

    colleague = await Clerk(client, "liyang", 0).login()  # another account is not affected
    assert (await colleague.post("/api/v1/staff/zhangwei/unlock", 403))["error"]["code"] == "forbidden"
    manager = await Clerk(client, "wangfang", 0).login()
    assert await manager.post("/api/v1/staff/zhangwei/unlock") == {"staff_id": "zhangwei", "was_locked": True}
    await expect(await login(client, "zhangwei", PASSWORD), 200)

    rows = [(r["action"], r["outcome"], r["actor"], r["subject"]) for r in await audit_rows(database_url)
            if r["subject"] == "zhangwei"]
    failure, throttled = ("sign_in", "bad_credentials", None, "zhangwei"), ("sign_in", "throttled", None, "zhangwei")
    locked_out = ("sign_in", "locked", None, "zhangwei")
    assert rows == [
        *[failure] * 5, throttled,  # the free failures, then the right password made to wait
        *[failure, throttled] * 4,  # each failure, and the attempt made too soon after it
        ("lockout", "locked", None, "zhangwei"), failure, locked_out,  # the 10th failure locks
        locked_out,  # the right password, 5 minutes later
        ("unlock", "ok", "wangfang", "zhangwei"), ("sign_in", "ok", "zhangwei", "zhangwei"),
    ]
    assert all(r["address"] == "127.0.0.1" for r in await audit_rows(database_url))
    latest = (await manager.get("/api/v1/audit?limit=2"))["entries"]
    assert [(e["kind"], e["actor"], e["subject"]) for e in latest] == [
        ("sign_in", "zhangwei", "zhangwei"), ("unlock", "wangfang", "zhangwei")]


async def test_an_unknown_staff_id_is_throttled_and_locked_like_a_known_one(client):
    for _ in range(5):
        await expect(await login(client, "nobody", "wrong"), 401)
    assert await refused_for(await login(client, "nobody", "wrong")) == 1


async def test_one_address_guessing_at_many_accounts_is_slowed_down(client):
    for n in range(20):  # an office may mistype often; each account failed only once
        await expect(await login(client, f"guess{n:02d}", "wrong"), 401)
    assert await refused_for(await login(client, "zhangwei", PASSWORD)) == 1


async def test_a_whole_office_signs_in_at_once(tmp_path, database_url, clock, aiohttp_client):
    hall = load_hall(hall_config(tmp_path, clerks=40))
    office = await aiohttp_client(create_app(Settings(halls={hall.id: hall}, database_url=database_url,
                                                      identity_key=b"k" * 32, clock=clock, pool_size=5)))
    answers = await asyncio.gather(*(login(office, staff_id, PASSWORD) for staff_id in extra_clerks(40)))
    assert [a.status for a in answers] == [200] * 40  # from one address, all in flight together


async def test_sign_in_and_sign_out_are_audited_and_the_token_is_never_cached(client, database_url):
    response = await login(client, "zhangwei", PASSWORD)
    body = await expect(response, 200)
    assert response.headers["Cache-Control"] == "no-store"
    assert body["staff"]["windows"][:2] == [1, 2]
    headers = {"Authorization": f"Bearer {body['token']}"}
    await expect(await client.post("/api/v1/staff/logout", headers=headers), 200)
    assert [(r["action"], r["outcome"], r["actor"]) for r in await audit_rows(database_url)] == [
        ("sign_in", "ok", "zhangwei"), ("sign_out", "ok", "zhangwei")]


async def _failing_seconds(client: Any, clock: Any, staff_id: str) -> float:
    clock.advance(minutes=31)  # every attempt starts with forgotten counters
    started = time.perf_counter()
    await expect(await login(client, staff_id, "wrong"), 401)
    return time.perf_counter() - started


async def test_known_and_unknown_staff_ids_take_the_same_time(client, clock):
    await _failing_seconds(client, clock, "nobody")  # warm up: the dummy hash is made once
    known, unknown = [], []
    for _ in range(20):  # interleaved, so a busy moment of the machine hits both alike
        known.append(await _failing_seconds(client, clock, "zhangwei"))
        unknown.append(await _failing_seconds(client, clock, "no-such-clerk"))
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert known_median > 0.01, "checking a password is slow on purpose"
    assert abs(known_median - unknown_median) < 0.3 * max(known_median, unknown_median), (known_median,
                                                                                          unknown_median)


async def _issue_seconds(client: Any) -> float:
    started = time.perf_counter()
    await issue(client, "B01")
    return time.perf_counter() - started


async def test_forty_parallel_failing_sign_ins_do_not_delay_a_ticket_issue(client):
    baseline = statistics.median([await _issue_seconds(client) for _ in range(5)])
    started = time.perf_counter()
    guesses = asyncio.gather(*(login(client, f"guess{n:02d}", "wrong") for n in range(40)))
    await asyncio.sleep(0.02)  # the guesses are being checked now
    during = await _issue_seconds(client)
    assert not guesses.done(), "the guesses must still be running while the ticket is issued"
    statuses = sorted({r.status for r in await guesses})
    checking = time.perf_counter() - started
    assert statuses in ([401], [401, 429])
    # Checked on the event loop, the issue would wait for most of the guesses; off it, it shares
    # the cores with them for a moment (relative, so a busy machine does not fail it).
    assert during - baseline < 0.25 * checking, (baseline, during, checking)


async def test_the_failure_count_is_shared_by_every_server_process(servers: HallServers):
    async with aiohttp.ClientSession() as session:
        both = Remote(session, *servers.urls)  # attempts alternate between the two processes
        for _ in range(5):
            assert (await login(both, "liyang", "wrong")).status == 401
        assert await refused_for(await login(both, "liyang", PASSWORD)) >= 1
        assert await refused_for(await login(both, "liyang", PASSWORD)) >= 1


def test_pbkdf2_hashes_of_older_hall_files_still_verify_and_new_ones_are_argon2():
    older = hash_password_pbkdf2(PASSWORD)
    assert verify_password(PASSWORD, older) and not verify_password("wrong", older)
    assert hash_password(PASSWORD).startswith("$argon2id$")
    assert cost_of(dummy_hash(cost_of(older))) == cost_of(older)
