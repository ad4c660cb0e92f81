"""The `hallq` command: serve the halls, check a config, hash a password."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import secrets
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from aiohttp import web

import simulator
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
                        metrics_token=os.environ.get("HALLQ_METRICS_TOKEN") or None)
    names = ", ".join(f"{h.id} ({h.name}: {len(h.zones)} zones, {len(h.windows)} windows)" for h in halls.values())
    log.info("hallq serving %s", names, extra={"url": f"http://{args.host}:{args.port}/"})
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None, access_log=ACCESS,
                access_log_class=AccessLog)
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hallq", description="Hall queueing and kiosk operations")
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the hall server (embedded PostgreSQL unless a database URL is given)")
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR, help="hall TOML file or folder")
    run.add_argument("--host", default=os.environ.get("HALLQ_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("HALLQ_PORT", "8080")))
    run.add_argument("--data-dir", default=os.environ.get("HALLQ_DATA_DIR", "var"),
                     help="embedded database and identity key (default ./var)")
    run.add_argument("--database-url", help="external PostgreSQL (or set HALLQ_DATABASE_URL)")
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


if __name__ == "__main__":
    sys.exit(main())
