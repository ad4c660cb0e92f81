"""Real `hallq serve` processes for tests that need more than one server.

Each process is the installed command line, started on its own free port
against one test database, exactly as a deployment with several server
processes behind a load balancer would run. Processes can be killed with
SIGKILL and started again on the same port.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp

from server.config import DEFAULT_CONFIG_DIR, load_hall
from simulator.server_process import ServerProcess, clock_options

HALLQ = Path(sys.executable).with_name("hallq")
MONDAY_OPENING = datetime.fromisoformat("2026-11-23T09:00+08:00")  # the hall is open; a weekday whatever today is
IDENTITY_KEY = "6b" * 32  # shared by every process: identity hashes must agree


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


def hallq_serve(name: str, config: Path | None, data_dir: Path, *, database_url: str | None = None,
                hallq: Path = HALLQ, cwd: Path | None = None, log_level: str = "WARNING",
                env: dict[str, str] | None = None) -> ServerProcess:
    """`hallq serve` as the tests run it: the installed command, on a Monday's opening hour,
    with the identity key every test process shares (and `env` besides)."""
    return ServerProcess(config, data_dir, database_url=database_url, name=name, command=[str(hallq)], cwd=cwd,
                         options=clock_options(MONDAY_OPENING, 1.0),
                         env={"HALLQ_IDENTITY_KEY": IDENTITY_KEY, "HALLQ_LOG": log_level, **(env or {})})


class HallServers:
    """N server processes sharing one database; `urls[i]` is process i's base URL."""

    def __init__(self, database_url: str, config: Path, data_dir: Path, count: int) -> None:
        self.processes = [hallq_serve(f"server{i + 1}", config, data_dir, database_url=database_url)
                          for i in range(count)]

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.processes]

    def __getitem__(self, index: int) -> ServerProcess:
        return self.processes[index]

    def __len__(self) -> int:
        return len(self.processes)

    async def start(self) -> None:
        for process in self.processes:
            process.start()
        await asyncio.gather(*(p.ready() for p in self.processes))

    def kill(self, index: int) -> None:
        """kill -9 process `index`."""
        self.processes[index].kill()

    async def restart(self, index: int) -> None:
        """Kill process `index` (if it runs) and start it again on the same port."""
        process = self.processes[index]
        process.kill()
        process.start()
        await process.ready()

    async def stop(self) -> None:
        for process in self.processes:
            process.stop()

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
