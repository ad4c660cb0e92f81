"""A PostgreSQL of the test's own, to take away from the server and give back.

An embedded server (pgserver, like `hallq serve` without a database URL) in a
data folder of its own, so that stopping or freezing it touches no other test.
`stop`/`start` are a clean shutdown and start (pg_ctl); `freeze`/`thaw` stop
the postmaster and every backend with SIGSTOP and SIGCONT: the sockets stay
open and nothing answers, like a server hung on its disk or swapped out.
"""
from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pgserver
from pgserver._commands import pg_ctl


class ControlledPostgres:
    def __init__(self) -> None:
        # Not pytest's tmp_path: PostgreSQL runs as its own user (see tests/conftest.py).
        self._server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="hallq-fault-pg-")), cleanup_mode="delete")
        self.url = self._server.get_uri()
        self._frozen: list[int] = []

    def stop(self) -> None:
        """A fast shutdown, as an administrator's `pg_ctl stop` or a failover does it."""
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user)

    def start(self) -> None:
        """The same server again, on the same socket: the URL does not change."""
        self._server.ensure_postgres_running()

    def freeze(self) -> None:
        postmaster = self._server.get_pid()
        assert postmaster is not None
        os.kill(postmaster, signal.SIGSTOP)  # first: no new backend is forked meanwhile
        self._frozen = [postmaster, *_children(postmaster)]
        for pid in self._frozen[1:]:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self._frozen):
            os.kill(pid, signal.SIGCONT)
        self._frozen = []

    def close(self) -> None:
        self.thaw()
        self._server.cleanup()


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # it ended meanwhile
            continue
        ppid = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(ppid) == parent:
            found.append(int(entry.name))
    return found
