"""A simulated hall day through the real server: `hallq simulate`.

plan.py            the seeded day: arrivals, visitors' behaviour, staff shifts, the simulation roster
driver.py          plays a plan through the HTTP API (discrete-event, stepped or scaled clock)
report.py          per-zone figures from the server's answers, defined as the server's statistics
replay.py          plays a logged day again
server_process.py  `hallq serve` as a child process (also used by the benchmarks and the tests)

This module starts a server of its own when no URL is given and ties the
pieces together for the command line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import aiohttp

from config import SHIPPED_HALLS
from server.config import ConfigError, load_hall
from server.hall import Hall
from simulator.driver import Outcome, SimulationError, drive
from simulator.plan import DEFAULT_DAY, DayPlan, PlanSettings, Roster, make_plan
from simulator.replay import first_moment, read_log, replay
from simulator.server_process import ServerFailed, ServerProcess, clock_options

DEMO_PASSWORD = "hallq-demo"


# --- one simulation, as the command line asks for it ----------------------------------


@dataclass(frozen=True)
class Options:
    hall: Path
    plan: PlanSettings = PlanSettings()
    url: str | None = None  # a running server; None: start one with its own database
    speed: float | None = None  # simulated seconds per real second; None: stepped, as fast as possible
    tick: int = 1
    parallel: bool = False
    log: Path | None = None
    replay: Path | None = None
    password: str = DEMO_PASSWORD


async def simulate(options: Options) -> tuple[Outcome, DayPlan | None]:
    hall = load_hall(options.hall)
    roster = Roster(hall.id, options.password)
    plan = None if options.replay else make_plan(hall, options.plan)
    if options.url:
        return await _play(options, hall, roster, plan, options.url), plan
    if options.replay:
        start = first_moment(options.replay)
    else:
        assert plan is not None
        start = plan.at(plan.actions()[0].at)
    if options.speed is not None:
        start -= timedelta(minutes=10)  # the server starts ticking before the simulator is ready
    with tempfile.TemporaryDirectory(prefix="hallq-simulate-") as directory:
        config = roster.write_config(hall, options.hall, Path(directory))
        server = ServerProcess(config, Path(directory), options=clock_options(start, options.speed))
        server.start()
        try:
            await server.ready()
            return await _play(options, hall, roster, plan, server.url), plan
        finally:
            server.stop()


async def _play(options: Options, hall: Hall, roster: Roster, plan: DayPlan | None, url: str) -> Outcome:
    if options.replay:
        return await replay(options.replay, hall, roster, url, speed=options.speed)
    assert plan is not None
    return await drive(plan, hall, roster, url, speed=options.speed, tick=options.tick, parallel=options.parallel,
                       log_path=options.log)


# --- the command line -----------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hall", type=Path, help="the hall's TOML file (default config/city.toml; with --replay "
                                                  "the shipped file of the log's hall)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--visitors", type=int, help="visitors in the full day (default: 52 per window)")
    parser.add_argument("--day", type=date.fromisoformat, default=DEFAULT_DAY, help="YYYY-MM-DD (a Monday)")
    parser.add_argument("--from", dest="start", type=time.fromisoformat, help="only arrivals from HH:MM on")
    parser.add_argument("--until", dest="end", type=time.fromisoformat, help="only arrivals before HH:MM")
    parser.add_argument("--speed", type=float,
                        help="run in real time on a scaled clock this many times faster (default: a stepped clock, "
                             "as fast as the server answers)")
    parser.add_argument("--url", help="a running server (started on the --write-roster hall file); default: "
                                      "start one with its own database in a temporary folder")
    parser.add_argument("--tick", type=int, default=1, help="clock resolution in simulated seconds")
    parser.add_argument("--parallel", action="store_true",
                        help="send the actions of one moment concurrently (faster; runs may then differ)")
    parser.add_argument("--log", type=Path, help="the action log to write (default var/simulate/HALL-DAY-seedN.jsonl)")
    parser.add_argument("--replay", type=Path, help="play this action log again instead of a planned day")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="password of the hall's first staff entry")
    parser.add_argument("--write-roster", type=Path, metavar="DIR",
                        help="only write the hall file with the simulation's staff and devices to DIR")


def command(args: argparse.Namespace) -> int:
    """`hallq simulate`: returns the exit status."""
    try:
        return _command(args)
    except (SimulationError, ServerFailed, ConfigError, aiohttp.ClientError, OSError) as exc:
        print(f"simulation failed: {exc}", file=sys.stderr)
        return 1


def _command(args: argparse.Namespace) -> int:
    args.hall = args.hall or _hall_file(args.replay)
    if args.write_roster:
        return _write_roster(args)
    settings = PlanSettings(seed=args.seed, day=args.day, visitors=args.visitors, start=args.start, end=args.end)
    log = args.log or Path("var/simulate") / f"{args.hall.stem}-{args.day}-seed{args.seed}.jsonl"
    options = Options(args.hall, settings, args.url, args.speed, args.tick, args.parallel,
                      None if args.replay else log, args.replay, args.password)
    outcome, plan = asyncio.run(simulate(options))
    print(outcome.report.text())
    print(summary(outcome, plan, options.log))
    if args.json:
        args.json.write_text(json.dumps(outcome.report.public(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _hall_file(log: Path | None) -> Path:
    """The shipped file of the hall a log was recorded in (hall ids are the file names), else the city's."""
    hall = read_log(log)[0]["hall"] if log else "city"
    return SHIPPED_HALLS / f"{hall}.toml"


def summary(outcome: Outcome, plan: DayPlan | None, log: Path | None) -> str:
    played = f"{len(plan.visits)} visitors (handling ×{plan.handling_scale} typical), " if plan else "replayed: "
    return (f"{played}{outcome.actions} actions, {outcome.requests} requests in {outcome.wall_s:.1f} s "
            f"({outcome.requests_per_s:.0f} requests/s); staff sign-in {outcome.setup_s:.1f} s"
            + (f"; action log {log}" if log else ""))


def _write_roster(args: argparse.Namespace) -> int:
    hall = load_hall(args.hall)
    path = Roster(hall.id, args.password).write_config(hall, args.hall, args.write_roster)
    start = datetime.combine(args.day, hall.hours.sessions[0].start, hall.timezone) - timedelta(minutes=20)
    print(f"wrote {path}\nserve it:    hallq serve --config {path} --clock-start {start.isoformat()} "
          f"--clock-speed 60\nthen fill it: hallq simulate --hall {args.hall} --speed 60 --url http://127.0.0.1:8080")
    return 0
