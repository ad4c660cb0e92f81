"""Rules of the house, checked on the code itself: handlers never reach the store,
and every event kind is declared once on the server and mirrored once in the browser."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import asyncpg

from server.close_out import CloseOut
from server.events import Kind
from server.model import PauseReason, RatingLevel
from server.services import SERVICES
from tests.support import Clerk, issue, signed_in

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "server" / "api"
FAMILIES = "ticket|window|kiosk|print|device|booking|rating"
KIND_LITERAL = re.compile(rf"^({FAMILIES})\.[a-z_]+$")
BROWSER_MIRROR = ROOT / "server" / "web" / "common" / "events.js"
PAGE_CODE = [*(ROOT / "server" / "web").rglob("*.js"), *(ROOT / "kiosk").rglob("*.js"),
             *(ROOT / "display").rglob("*.js")]


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_handler_imports_the_store_or_touches_the_pool():
    offenders = []
    for path in sorted(API.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        store = [name for name in _imports(tree) if name == "server.store" or name.startswith("server.store.")]
        pool = [node.attr for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and node.attr in ("pool", "acquire", "transaction")]
        if store or pool:
            offenders.append(f"{path.name}: {sorted(set(store + pool))}")
    assert not offenders, f"handlers must call one service method: {offenders}"


def test_the_house_rule_check_would_catch_a_handler_using_the_pool():
    """The check above is not blind: a handler written the old way is caught."""
    tree = ast.parse("from server.store import tickets\nasync def h(call):\n"
                     "    async with call.services.ctx.pool.acquire() as con: pass\n")
    assert "server.store.tickets" in _imports(tree)
    assert {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} >= {"pool", "acquire"}


def _string_literals(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_event_kinds_are_spelled_only_in_the_contract_module():
    contract = ROOT / "server" / "events.py"
    stray = {f"{path.relative_to(ROOT)}: {text}" for path in (ROOT / "server").rglob("*.py") if path != contract
             for text in _string_literals(path) if KIND_LITERAL.match(text)}
    assert not stray, f"use server.events.Kind instead: {sorted(stray)}"


def test_the_browser_mirror_declares_exactly_the_servers_kinds():
    source = BROWSER_MIRROR.read_text()
    block = source[source.index("EVENT_KINDS"):source.index("});")]
    mirrored = set(re.findall(r'"([a-z_]+\.[a-z_]+)"', block))
    assert mirrored == {kind.value for kind in Kind}


def test_the_browser_labels_exactly_the_servers_pause_reasons():
    source = BROWSER_MIRROR.read_text()
    block = source[source.index("PAUSE_REASONS"):]
    block = block[:block.index("});")]
    assert set(re.findall(r"^\s+([a-z_]+): \{ zh:", block, re.MULTILINE)) == {reason.value for reason in PauseReason}


def test_the_browser_words_exactly_the_servers_rating_levels_best_first():
    source = (ROOT / "server" / "web" / "common" / "rating.js").read_text()
    block = source[source.index("LEVELS"):source.index("]);")]
    mirrored = re.findall(r'code: "([a-z_]+)", score: (\d)', block)
    assert mirrored == [(level.value, str(level.score)) for level in RatingLevel]


def test_pages_take_event_kinds_from_the_mirror():
    stray = {f"{path.relative_to(ROOT)}: {kind}" for path in PAGE_CODE if path != BROWSER_MIRROR
             for kind in re.findall(rf'["\'`]((?:{FAMILIES})\.[a-z_]+)["\'`]', path.read_text())}
    assert not stray, f"import EVENT_KINDS from /static/common/events.js instead: {sorted(stray)}"


async def test_a_window_day_emits_only_declared_kinds_and_all_ticket_and_window_ones(client, database_url, clock):
    clerk = await signed_in(client, "zhangwei", 41)
    first, second, third = [(await issue(client, "B01"))["ticket"]["id"] for _ in range(3)]
    await clerk.call_next()
    await clerk.window_action("recall")
    await clerk.ticket_action(first, "start")
    await clerk.ticket_action(first, "finish")
    await clerk.call_next()
    await clerk.ticket_action(second, "no-show")
    await clerk.ticket_action(second, "undo-no-show")
    await clerk.ticket_action(second, "no-show")
    await clerk.ticket_action(second, "rejoin")
    called = await clerk.call_next()
    assert called is not None
    await clerk.ticket_action(called["id"], "transfer", service="B02")
    manager = await Clerk(client, "wangfang", 0).login()  # a manager may cancel any waiting ticket
    await manager.ticket_action(third if called["id"] == second else second, "cancel")
    await clerk.window_action("pause", reason="meeting", note="会议")
    await clerk.window_action("resume")
    await clerk.window_action("sign-out")
    clock.set(clock.now().replace(hour=17, minute=0))  # the transferred ticket still waits at closing
    assert await CloseOut(client.server.app[SERVICES].ctx).pass_once()
    con = await asyncpg.connect(database_url)
    try:
        kinds = {row["kind"] for row in await con.fetch("SELECT DISTINCT kind FROM events")}
    finally:
        await con.close()
    declared = {kind.value for kind in Kind}
    assert kinds <= declared
    assert kinds >= {kind.value for kind in Kind if kind.family in ("ticket", "window")}
