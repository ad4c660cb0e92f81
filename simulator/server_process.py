"""`hallq serve` as a child process on a free local port.

The simulator starts one when it is given no server URL; the benchmarks and
the tests start several on one database, kill them and start them again on
the same port, as a deployment behind a load balancer would see them.
"""
from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import aiohttp

READY_TIMEOUT = 120.0  # a first start initialises the embedded database
STOP_TIMEOUT = 30.0  # the server stops its embedded database before it exits
_PR_SET_PDEATHSIG = 1


class ServerFailed(RuntimeError):
    """The server exited, or did not answer, before it was ready."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clock_options(start: datetime, speed: float | None) -> list[str]:
    """`hallq serve` options for a stepped clock (speed None) or a scaled one from `start`."""
    if speed is None:
        return ["--clock", "stepped", "--clock-start", start.isoformat()]
    return ["--clock-start", start.isoformat(), "--clock-speed", str(speed)]


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if its parent dies, so none is left behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ServerProcess:
    """One `hallq serve` on a port chosen once, so a restart keeps its URL.

    Without a database URL it runs its own embedded PostgreSQL in `data_dir`;
    without a config, the shipped halls. `command` is how `hallq` is started
    (default: this interpreter's `server.cli`), `cwd` where.
    """

    def __init__(self, config: Path | None, data_dir: Path, *, database_url: str | None = None,
                 options: Sequence[str] = (), env: Mapping[str, str] | None = None, name: str = "hallq",
                 command: Sequence[str] = (sys.executable, "-m", "server.cli"), cwd: Path | None = None) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"{name}.log"
        self._argv = [*command, "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                      "--port", str(self.port), *options]
        if config is not None:
            self._argv += ["--config", str(config)]
        if database_url:
            self._argv += ["--database-url", database_url]
        self._env = {**os.environ, "HALLQ_LOG": "WARNING", **(env or {})}
        self._env.pop("HALLQ_DATABASE_URL", None)  # the database is the one given here, whatever the shell says
        self._cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self._argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self._env,
                cwd=self._cwd, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

    async def ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until the server says it is ready (its database answers); fails at once if it exits."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while not await self._healthy(session):
                if not self.running:
                    raise ServerFailed(f"{self.name} exited with {self.process and self.process.returncode} "
                                       f"before it was ready:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise ServerFailed(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")
                await asyncio.sleep(0.2)  # polling a port that is not listening yet: nothing to wait on

    async def _healthy(self, session: aiohttp.ClientSession) -> bool:
        try:
            async with session.get(f"{self.url}/api/v1/ready") as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, open transactions are left to PostgreSQL to roll back."""
        if self.running:
            assert self.process is not None
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, so the server stops its embedded database; SIGKILL if it hangs."""
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"
