"""`hallq reload`: read the hall files again and apply them to the running server, or say why not.

The files are validated exactly as at start-up (server.config); a file that fails keeps the
running config and the problems name the file and key. What cannot change live is refused
as a whole, naming what: the set of hall ids, a hall's time zone (its business day and ticket
numbers), removing a window that is signed in or holds a ticket, removing a service that
tickets still wait for (they would be left with a service the hall no longer knows; take it
off the kiosks first, remove it once nobody waits; a zone goes with its services). Everything else of the
hall definition (zones, services, windows and their profiles, hours, queue rules, alarms, …)
applies at once: the next call routes with the new profiles, and every page of the hall is told
by a `hall.reloaded` event to load again.

Staff and devices are not taken from the files here: the running ones are kept.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from server import chinese
from server.audit import Action, Audit, Entry, Outcome
from server.config import ConfigError, load_halls
from server.context import HallContext
from server.directory import Directory
from server.events import hall_reloaded
from server.hall import Hall
from server.hub import Hub
from server.model import WindowStateName
from server.store import events, hall_definitions, tickets, windows

log = logging.getLogger(__name__)

_KEPT = ("staff", "devices")  # live in their own admin; a reload keeps the running ones
_DEFINITION = [f.name for f in fields(Hall) if f.init and f.name not in _KEPT]  # what a reload applies
_SECTIONS = [name for name in _DEFINITION if name not in ("id", "zones", "services", "windows")]


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    outcome: Outcome
    problems: list[str]  # what is wrong, one line each: why nothing was applied
    changes: dict[str, list[str]]  # per hall, what changed

    def public(self) -> dict[str, Any]:
        return {"ok": self.ok, "outcome": self.outcome.value, "problems": self.problems, "changes": self.changes}


def digest(hall: Hall) -> str:
    """The hall definition a reload applies, as one stable digest (sets sorted, so every process agrees)."""
    def plain(value: object) -> object:
        if is_dataclass(value) and not isinstance(value, type):
            return asdict(value)
        return sorted(map(str, value)) if isinstance(value, set | frozenset) else str(value)

    body = {name: getattr(hall, name) for name in _DEFINITION}
    return hashlib.sha256(json.dumps(body, default=plain, sort_keys=True).encode()).hexdigest()


def _keyed_changes(what: str, old: dict[Any, Any], new: dict[Any, Any]) -> Iterator[str]:
    for key in sorted(set(old) | set(new), key=str):
        if key not in new:
            yield f"{what} {key} removed"
        elif key not in old:
            yield f"{what} {key} added"
        elif old[key] != new[key]:
            yield f"{what} {key} changed"


def changes(old: Hall, new: Hall) -> list[str]:
    """What a reload changes in one hall, in words for the audit trail and the managers."""
    found = [*_keyed_changes("zone", {z.code: z for z in old.zones}, {z.code: z for z in new.zones}),
             *_keyed_changes("service", {s.code: s for s in old.services}, {s.code: s for s in new.services}),
             *_keyed_changes("window", {w.number: w for w in old.windows}, {w.number: w for w in new.windows})]
    found += [f"{name} changed" for name in _SECTIONS if getattr(old, name) != getattr(new, name)]
    return found


class HallReload:
    def __init__(self, ctx: HallContext, hub: Hub, audit: Audit, directory: Directory, config: Path | None) -> None:
        self.ctx, self.hub, self.audit, self.directory, self.config = ctx, hub, audit, directory, config
        self._lock = asyncio.Lock()  # one reload at a time in a process

    async def record_started(self) -> None:
        """Note the definitions the server started with, so a later reload knows what changed."""
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            for hall in self.ctx.halls.values():
                await hall_definitions.record(con, hall.id, digest(hall), now)

    async def reload(self) -> ReloadResult:
        async with self._lock:
            result = await self._reload()
        (log.info if result.ok else log.error)(
            "config reload %s", result.outcome.value,
            extra={"problems": result.problems, "changes": result.changes, "config": str(self.config)})
        return result

    async def _reload(self) -> ReloadResult:
        if self.config is None:
            return await self._refused(Outcome.REFUSED, ["this server was not started from hall files"])
        try:
            loaded = await asyncio.to_thread(load_halls, self.config)
        except ConfigError as exc:
            return await self._refused(Outcome.INVALID, exc.problems)
        problems = await self._live_problems(loaded)
        if problems:
            return await self._refused(Outcome.REFUSED, problems)
        kept = {hall_id: replace(new, staff=self.ctx.halls[hall_id].staff, devices=self.ctx.halls[hall_id].devices)
                for hall_id, new in loaded.items()}
        changed = {hall_id: changes(self.ctx.halls[hall_id], hall) for hall_id, hall in kept.items()}
        for hall_id, hall in kept.items():
            if changed[hall_id]:
                await self.apply(hall, changed[hall_id])
            await self.directory.seed_hall(loaded[hall_id])  # devices and staff the file adds
        return ReloadResult(True, Outcome.OK, [], {h: c for h, c in changed.items() if c})

    async def apply(self, hall: Hall, changed: list[str]) -> None:
        """Put a new validated definition of a running hall in place: its window rows exist first, the
        live queues are read again with it, and the first process to apply it audits and announces it."""
        await asyncio.to_thread(chinese.prepare, [z.name for z in hall.zones] + [s.name for s in hall.services])
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            await windows.ensure(con, hall.id, [w.number for w in hall.windows])
            first = await hall_definitions.record(con, hall.id, digest(hall), now)
            if first:
                await self.audit.append(con, Entry(hall.id, Action.CONFIG_RELOAD, Outcome.OK, subject="hall",
                                                   detail="; ".join(changed)))
                await events.append(con, hall.id, now, hall_reloaded(
                    changed, zones=[z.code for z in hall.zones], windows=[w.number for w in hall.windows],
                    kiosks=[d.id for d in hall.devices], departments=[d.id for d in hall.summons.departments]))
        running = self.ctx.halls[hall.id]  # its devices and staff are the database's, as of now
        hall = replace(hall, staff=running.staff, devices=running.devices)
        self.ctx.halls[hall.id] = hall  # the one dict every service reads its halls from
        await self.hub.rehall(hall)

    async def _live_problems(self, loaded: dict[str, Hall]) -> list[str]:
        running = self.ctx.halls
        problems = [f"hall {h}: added; a new hall needs a restart" for h in sorted(set(loaded) - set(running))]
        problems += [f"hall {h}: removed; removing a hall needs a restart" for h in sorted(set(running) - set(loaded))]
        for hall_id in sorted(set(loaded) & set(running)):
            problems += await self._hall_problems(running[hall_id], loaded[hall_id])
        return problems

    async def _hall_problems(self, old: Hall, new: Hall) -> list[str]:
        async with self.ctx.pool.acquire() as con:
            states = await windows.list_all(con, old.id)
            waiting = await tickets.waiting_by_service(con, old.id)
        found = []
        if old.timezone != new.timezone:
            found.append(f"hall {old.id}: hall.timezone changes the business day; it needs a restart")
        numbers = {w.number for w in new.windows}
        for state in states:
            if state.number not in numbers and old.window(state.number) is not None and (
                    state.state is not WindowStateName.CLOSED or state.current_ticket is not None):
                found.append(f"hall {old.id}: windows: window {state.number} is removed while signed in or"
                             " holding a ticket; sign it out first")
        codes = {s.code for s in new.services}
        found += [f"hall {old.id}: services: {service} is removed while {count} tickets wait for it"
                  for service, count in sorted(waiting.items()) if service not in codes]
        return found

    async def _refused(self, outcome: Outcome, problems: list[str]) -> ReloadResult:
        async with self.ctx.transaction() as con:
            for hall_id in self.ctx.halls:
                await self.audit.append(con, Entry(hall_id, Action.CONFIG_RELOAD, outcome, subject="hall",
                                                   detail="; ".join(problems)))
        return ReloadResult(False, outcome, problems, {})
