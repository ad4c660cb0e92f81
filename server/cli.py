"""The `hallq` command: serve the halls, reload their files, back up and restore, check a config, hash a password."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from aiohttp import web

import simulator
from server import run_files
from server.backup import BackupError
from server.calendar import unknown_holiday_warnings
from server.clock import Clock, ScaledClock, SteppedClock, SystemClock
from server.config import DEFAULT_CONFIG_DIR, ConfigError, load_halls
from server.credentials import hash_password
from server.demo import is_shipped, warnings
from server.hall import Hall
from server.logs import ACCESS, AccessLog, configure

log = logging.getLogger(__name__)


def identity_key(data_dir: Path) -> bytes:
    """HALLQ_IDENTITY_KEY (hex), else a key file made once in the data folder.

    The key lives outside the database: a stolen database alone does not let
    anyone test ID numbers against the stored hashes.
    """
    env = os.environ.get("HALLQ_IDENTITY_KEY")
    if env:
        return bytes.fromhex(env)
    path = data_dir / "identity.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def database_url(args: argparse.Namespace, data_dir: Path) -> str:
    url = args.database_url or os.environ.get("HALLQ_DATABASE_URL")
    if url:
        return url
    from server.store.embedded import start_embedded
    return start_embedded(data_dir / "pg")


def clock_from(args: argparse.Namespace) -> Clock:
    """Real time, or simulated time from --clock-start running --clock-speed times faster,
    or (--clock stepped) standing still until POST /api/v1/clock moves it."""
    if args.clock_start is None:
        if args.clock == "stepped":
            raise SystemExit("--clock stepped needs --clock-start")
        return SystemClock()
    start = datetime.fromisoformat(args.clock_start)
    if start.tzinfo is None:
        raise SystemExit("--clock-start needs a UTC offset, e.g. 2026-11-23T09:00+08:00")
    if args.clock == "stepped":
        return SteppedClock(start)
    return ScaledClock(start, args.clock_speed)


def local_link_warnings(halls: Iterable[Hall]) -> list[str]:
    """One line per hall whose QR codes lead to the address a kiosk reached the server by:
    a hall LAN address that a phone on mobile data cannot open."""
    return [f"hall {hall.id} sets no public_url: its tickets' QR codes lead to the address each kiosk uses,"
            " which phones outside the hall network cannot open; set [hall] public_url in its config"
            for hall in halls if hall.public_url is None]


def serve(args: argparse.Namespace) -> int:
    from server.app import Settings, create_app

    halls = load_halls(args.config)
    clock = clock_from(args)
    for line in [*warnings(halls.values()), *local_link_warnings(halls.values()),
                 *unknown_holiday_warnings(halls.values(), clock.now())]:
        log.warning(line)
    data_dir = Path(args.data_dir)
    settings = Settings(halls=halls, database_url=database_url(args, data_dir), identity_key=identity_key(data_dir),
                        clock=clock, demo=is_shipped(args.config),
                        metrics_token=os.environ.get("HALLQ_METRICS_TOKEN") or None,
                        config=args.config, run_dir=data_dir / run_files.RUN_DIR)
    names = ", ".join(f"{h.id} ({h.name}: {len(h.zones)} zones, {len(h.windows)} windows)" for h in halls.values())
    log.info("hallq serving %s", names, extra={"url": f"http://{args.host}:{args.port}/"})
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None, access_log=ACCESS,
                access_log_class=AccessLog)
    return 0


RELOAD_WAIT = 15.0  # seconds a server has to say what it made of a reload


def reload(args: argparse.Namespace) -> int:
    """Send every server on the data folder SIGHUP and print what each made of it: 0 when all
    applied the files, 1 when one refused them (the running config stays), 2 when none runs."""
    run_dir = Path(args.data_dir) / run_files.RUN_DIR
    found = run_files.servers(run_dir)
    if not found:
        print(f"no hallq server runs on {args.data_dir}", file=sys.stderr)
        return 2
    for record in found:
        os.kill(record["pid"], signal.SIGHUP)
    failed = False
    for record in found:
        outcome = _reload_outcome(run_files.path_of(run_dir, record["pid"]), record["reloads"])
        failed |= not (outcome and outcome["ok"])
        print(_reload_report(record, outcome), file=sys.stdout if outcome and outcome["ok"] else sys.stderr)
    return 1 if failed else 0


def _reload_outcome(path: Path, before: int) -> dict | None:
    deadline = time.monotonic() + RELOAD_WAIT
    while time.monotonic() < deadline:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = {"reloads": before}
        if record["reloads"] > before:
            return record["last"]
        time.sleep(0.1)
    return None


def _reload_report(record: dict, outcome: dict | None) -> str:
    head = f"server {record['pid']} ({record['config']}):"
    if outcome is None:
        return f"{head} no answer within {RELOAD_WAIT:.0f} s"
    if not outcome["ok"]:
        return "\n".join([f"{head} {outcome['outcome']}, the running config stays:", *outcome["problems"]])
    changed = [f"  {hall}: {change}" for hall, changes in outcome["changes"].items() for change in changes]
    return "\n".join([f"{head} reloaded" + ("" if changed else ", nothing changed"), *changed])


def backup_command(args: argparse.Namespace) -> int:
    from server.backup import backup
    backup(database_url(args, Path(args.data_dir)), Path(args.file))
    print(f"backed up to {args.file}")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from server.backup import restore, user_tables
    url = database_url(args, Path(args.data_dir))
    restore(url, Path(args.file), tables=asyncio.run(user_tables(url)), replace=args.replace)
    print(f"restored {args.file}")
    return 0


def archive_command(args: argparse.Namespace) -> int:
    """Move what each hall's [retention] lets go of into the archive table; one line per hall."""
    from server.archive import archive_all
    halls = load_halls(args.config)
    for line in asyncio.run(archive_all(database_url(args, Path(args.data_dir)), halls)):
        print(line)
    return 0


def simulate(args: argparse.Namespace) -> int:
    return simulator.command(args)


def agent(args: argparse.Namespace) -> int:
    from hardware import agent as device_agent
    return device_agent.command(args)


def check_config(args: argparse.Namespace) -> int:
    halls = load_halls(args.config)
    for hall in halls.values():
        print(f"{hall.id}: {hall.name} — {len(hall.zones)} zones, {len(hall.services)} services, "
              f"{len(hall.windows)} windows, {len(hall.staff)} staff, {len(hall.devices)} devices")
    return 0


def password(args: argparse.Namespace) -> int:
    print(hash_password(args.password or getpass.getpass("password: ")))
    return 0


def data_dir_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", default=os.environ.get("HALLQ_DATA_DIR", "var"),
                         help="embedded database, identity key and run files (default ./var)")


def database_options(command: argparse.ArgumentParser) -> None:
    data_dir_option(command)
    command.add_argument("--database-url", help="external PostgreSQL (or set HALLQ_DATABASE_URL)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hallq", description="Hall queueing and kiosk operations")
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the hall server (embedded PostgreSQL unless a database URL is given)")
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR, help="hall TOML file or folder")
    run.add_argument("--host", default=os.environ.get("HALLQ_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("HALLQ_PORT", "8080")))
    database_options(run)
    run.add_argument("--clock-start", help="run on simulated time from this ISO moment (demos, simulations)")
    run.add_argument("--clock-speed", type=float, default=1.0, help="simulated seconds per real second")
    run.add_argument("--clock", choices=["scaled", "stepped"], default="scaled",
                     help="stepped: simulated time moves only by POST /api/v1/clock (day simulations)")
    run.set_defaults(func=serve)
    sim = sub.add_parser("simulate", help="play a seeded hall day (or a logged one) through the API; report per zone")
    simulator.add_arguments(sim)
    sim.set_defaults(func=simulate)
    kiosk = sub.add_parser("agent", help="run a kiosk's device agent: ID-card reader and ticket printer")
    # Imported here, once main() has set up logging: python-escpos calls logging.basicConfig() on import.
    from hardware import agent as device_agent
    device_agent.add_arguments(kiosk)
    kiosk.set_defaults(func=agent)
    again = sub.add_parser("reload", help="make the running servers read their hall files again (SIGHUP)")
    data_dir_option(again)
    again.set_defaults(func=reload)
    save = sub.add_parser("backup", help="write the whole database to FILE (pg_dump custom format)")
    save.add_argument("file")
    database_options(save)
    save.set_defaults(func=backup_command)
    load = sub.add_parser("restore", help="restore a backup FILE into an empty database")
    load.add_argument("file")
    database_options(load)
    load.add_argument("--replace", action="store_true", help="drop what a non-empty database holds first")
    load.set_defaults(func=restore_command)
    old = sub.add_parser("archive", help="move tickets, stays and events older than each hall's [retention] days"
                                         " into the archive table (run it daily)")
    old.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR, help="hall TOML file or folder")
    database_options(old)
    old.set_defaults(func=archive_command)
    check = sub.add_parser("check-config", help="validate hall configuration and summarise it")
    check.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR)
    check.set_defaults(func=check_config)
    pw = sub.add_parser("hash-password", help="print the password_hash for a staff entry")
    pw.add_argument("password", nargs="?")
    pw.set_defaults(func=password)
    return root


def main(argv: list[str] | None = None) -> int:
    configure(os.environ.get("HALLQ_LOG", "INFO"))
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
