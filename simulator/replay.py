"""Play a logged day again: the same actions at the same simulated times.

The log (written by the driver, see `driver.ActionLog`) names citizens by
their visit number, not by ticket id, so it replays on any fresh database.
Calls are replayed as `call-next`, so the server's routing decides again;
when it gives a window someone other than the log says, the replay stops
with `ReplayDiverged`: the server now routes differently than when the day
was recorded. A day played with `parallel` may not replay, as concurrent
calls raced for tickets there.
"""
from __future__ import annotations

import json
import time as walltime
from collections.abc import Awaitable, Callable
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from server.hall import Hall
from simulator.driver import LOG_FORMAT, LOG_VERSION, Console, Outcome, SimulationError, Timing, console_for, pacer_for
from simulator.plan import Rating, Roster


class ReplayDiverged(SimulationError):
    """The server answered differently than when the day was recorded."""


def read_log(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the action lines of a log."""
    try:
        with path.open(encoding="utf-8") as stream:
            lines = [json.loads(line) for line in stream if line.strip()]
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimulationError(f"{path}: not a hallq simulation log ({exc})") from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get("log") != LOG_FORMAT:
        raise SimulationError(f"{path}: not a hallq simulation log")
    if lines[0].get("version") != LOG_VERSION:
        raise SimulationError(f"{path}: a log of version {lines[0].get('version')}; this simulator replays"
                              f" version {LOG_VERSION}")
    return lines[0], lines[1:]


def first_moment(path: Path) -> datetime:
    _, actions = read_log(path)
    return datetime.fromisoformat(actions[0]["t"])


async def replay(path: Path, hall: Hall, roster: Roster, url: str, *, speed: float | None = None) -> Outcome:
    header, actions = read_log(path)
    if header["hall"] != hall.id:
        raise SimulationError(f"{path} is a day of hall {header['hall']}, not {hall.id}")
    staff = sorted({a["staff"] for a in actions if a["do"] == "sign-in"})
    started = walltime.monotonic()
    async with console_for(hall, roster, url, staff) as console:
        timing = Timing(console, started)
        pacer = pacer_for(console, speed, header["day"])
        for stamp, group in groupby(actions, key=lambda a: a["t"]):
            moment = datetime.fromisoformat(stamp)
            await pacer.advance(moment)
            for action in group:
                await perform(console, moment, action)
        return timing.outcome()


async def perform(console: Console, t: datetime, action: dict[str, Any]) -> None:
    """Perform one logged action; check that the server answers as it did then."""
    perform_one = _ACTIONS.get(action["do"])
    if perform_one is None:
        raise SimulationError(f"unknown action in the log: {action}")
    await perform_one(console, t, action)


async def _issue(console: Console, t: datetime, action: dict[str, Any]) -> None:
    if action["do"] == "check-in":
        issued = await console.check_in(t, action["visit"], action["service"])
    else:
        issued = await console.issue(t, action["visit"], action["service"], action["priority"])
    if issued == bool(action.get("turned_away")):
        raise ReplayDiverged(f"{t.isoformat()}: visit {action['visit']} was "
                             f"{'issued' if issued else 'turned away'}, the log says otherwise")


async def _book(console: Console, t: datetime, action: dict[str, Any]) -> None:
    booked = await console.book(t, action["visit"], action["service"], datetime.fromisoformat(action["start"]))
    if booked == bool(action.get("refused")):
        raise ReplayDiverged(f"{t.isoformat()}: visit {action['visit']}'s booking was "
                             f"{'made' if booked else 'refused'}, the log says otherwise")


async def _call_next(console: Console, t: datetime, action: dict[str, Any]) -> None:
    visit = await console.call_next(t, action["window"])
    if visit != action["visit"]:
        raise ReplayDiverged(f"{t.isoformat()}: window {action['window']} was given visit {visit}, "
                             f"the log says {action['visit']}")


def _window_action(name: str) -> Callable[[Console, datetime, dict[str, Any]], Awaitable[None]]:
    async def perform_one(console: Console, t: datetime, action: dict[str, Any]) -> None:
        await getattr(console, name)(t, action["window"])
    return perform_one


def _rating(logged: dict[str, Any] | None) -> Rating | None:
    return Rating(logged["level"], logged["channel"], tuple(logged["reasons"])) if logged else None


_ACTIONS: dict[str, Callable[[Console, datetime, dict[str, Any]], Awaitable[None]]] = {
    "issue": _issue,
    "check-in": _issue,
    "book": _book,
    "call-next": _call_next,
    "finish": lambda console, t, a: console.finish(t, a["window"], _rating(a.get("rating"))),
    "transfer": lambda console, t, a: console.transfer(t, a["window"], a["service"]),
    "pause": lambda console, t, a: console.pause(t, a["window"], a["reason"], a["note"]),
    "rejoin": lambda console, t, a: console.rejoin(t, a["visit"]),
    "acknowledge": lambda console, t, a: console.acknowledge(t, a["visit"], a["department"]),
    "officer-arrive": lambda console, t, a: console.officer_arrive(t, a["visit"], a["department"]),
    **{name: _window_action(name.replace("-", "_"))
       for name in ("sign-in", "start", "recall", "no-show", "resume", "sign-out", "summon")},
}
