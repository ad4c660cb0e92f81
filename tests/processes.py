"""Real `hallq serve` processes for tests that need more than one server.

Each process is the installed command line, started on its own free port
against one test database, exactly as a deployment with several server
processes behind a load balancer would run. Processes can be killed with
SIGKILL and started again on the same port.
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
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import aiohttp

from server.config import DEFAULT_CONFIG_DIR, load_hall

HALLQ = Path(sys.executable).with_name("hallq")
MONDAY_OPENING = "2026-11-23T09:00+08:00"  # the hall is open; a weekday whatever today is
IDENTITY_KEY = "6b" * 32  # shared by every process: identity hashes must agree
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_PR_SET_PDEATHSIG = 1


def extra_clerks(count: int) -> list[str]:
    return [f"clerk{n:02d}" for n in range(1, count + 1)]


def hall_config(directory: Path, clerks: int = 20) -> Path:
    """The reference city hall with `clerks` more clerks (clerk01…), all with the demo password."""
    source = DEFAULT_CONFIG_DIR / "city.toml"
    member = load_hall(source).staff_member("zhangwei")
    assert member is not None
    entries = "".join(
        f'\n[[staff]]\nid = "{staff_id}"\nname = "测试{staff_id[-2:]}"\nrole = "clerk"\n'
        f'password_hash = "{member.password_hash}"\n'
        for staff_id in extra_clerks(clerks)
    )
    path = directory / "city.toml"
    path.write_text(source.read_text(encoding="utf-8") + entries, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if the test run itself dies, so none is left behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ServerProcess:
    """One `hallq serve` child process on a fixed port."""

    def __init__(self, name: str, database_url: str | None, config: Path, data_dir: Path) -> None:
        """`database_url` None: the server's own embedded PostgreSQL in `data_dir`."""
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"{name}.log"
        self._argv = [
            str(HALLQ), "serve", "--config", str(config),
            "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data_dir),
            "--clock-start", MONDAY_OPENING, "--clock-speed", "1",
        ] + (["--database-url", database_url] if database_url else [])
        self._process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def spawn(self) -> None:
        assert not self.running, f"{self.name} is already running"
        env = {**os.environ, "HALLQ_IDENTITY_KEY": IDENTITY_KEY, "HALLQ_LOG": "WARNING"}
        env.pop("HALLQ_DATABASE_URL", None)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self._argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = READY_TIMEOUT) -> None:
        """Until the server answers its OpenAPI document; fails early if it exits."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise AssertionError(f"{self.name} exited with {self._process and self._process.returncode}"
                                     f" before it was ready:\n{self.log_tail()}")
            try:
                async with session.get(f"{self.url}/api/v1/openapi.json",
                                       timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            await asyncio.sleep(0.1)  # polling a port: no event to await here

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, open transactions are left to PostgreSQL to roll back."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def terminate(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"


class HallServers:
    """N server processes sharing one database; `urls[i]` is process i's base URL."""

    def __init__(self, database_url: str, config: Path, data_dir: Path, count: int) -> None:
        self.processes = [ServerProcess(f"server{i + 1}", database_url, config, data_dir) for i in range(count)]
        self._session: aiohttp.ClientSession | None = None

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.processes]

    def __getitem__(self, index: int) -> ServerProcess:
        return self.processes[index]

    def __len__(self) -> int:
        return len(self.processes)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        for process in self.processes:
            process.spawn()
        await asyncio.gather(*(p.wait_ready(self._session) for p in self.processes))

    def kill(self, index: int) -> None:
        """kill -9 process `index`."""
        self.processes[index].kill()

    async def restart(self, index: int) -> None:
        """Kill process `index` (if it runs) and start it again on the same port."""
        process = self.processes[index]
        process.kill()
        process.spawn()
        assert self._session is not None
        await process.wait_ready(self._session)

    async def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        if self._session is not None:
            await self._session.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ({p.url}) ---\n{p.log_tail()}" for p in self.processes)


@asynccontextmanager
async def hall_servers(database_url: str, directory: Path, count: int = 2,
                       clerks: int = 20) -> AsyncIterator[HallServers]:
    """Start `count` processes on the city hall (plus `clerks` test clerks); always stop them."""
    servers = HallServers(database_url, hall_config(directory, clerks), directory, count)
    try:
        await servers.start()
        yield servers
    finally:
        await servers.stop()


class Remote:
    """A running server as `tests.support` helpers expect a client: `post(path)`, `get(path)`.

    With several base URLs, successive requests go to the processes in turn,
    so one console's actions are spread over all of them.
    """

    def __init__(self, session: aiohttp.ClientSession, *urls: str) -> None:
        assert urls, "a Remote needs at least one server URL"
        self.session = session
        self.urls = urls
        self._turn = 0

    def _next_url(self) -> str:
        url = self.urls[self._turn % len(self.urls)]
        self._turn += 1
        return url

    def post(self, path: str, **kwargs):
        return self.session.post(self._next_url() + path, **kwargs)

    def get(self, path: str, **kwargs):
        return self.session.get(self._next_url() + path, **kwargs)
