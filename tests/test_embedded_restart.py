"""The embedded PostgreSQL after a crash: the next `hallq serve` takes it over and stops it."""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

from server.config import DEFAULT_CONFIG_DIR
from tests.processes import hallq_serve


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split()[0])


def alive(pid: int) -> bool:
    """Running and not a zombie (an exited process its parent has not reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def postgres_of(pgdata: Path) -> list[int]:
    """PostgreSQL processes started on this data folder (the postmaster's command line names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and str(pgdata).encode() in argv and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


async def test_after_kill_9_the_next_server_takes_over_postgres_and_stops_it_cleanly():
    # Not pytest's tmp_path: PostgreSQL runs as its own user, and a pytest session starting
    # meanwhile makes pytest's temp root private again (see the pg_url fixture).
    data_dir = Path(tempfile.mkdtemp(prefix="hallq-test-crash-")).resolve()
    data_dir.chmod(0o755)
    pgdata = data_dir / "pg"
    server = hallq_serve("crash", DEFAULT_CONFIG_DIR, data_dir)
    orphan = None
    try:
        server.start()
        await server.ready()
        orphan = postmaster_pid(pgdata)
        server.kill()  # kill -9: no clean-up at all, the postmaster is left running
        assert alive(orphan)

        server.start()
        await server.ready()
        assert postmaster_pid(pgdata) == orphan  # taken over, not a second server on one data folder
        server.stop()

        assert not alive(orphan), server.log_tail()
        assert postgres_of(pgdata) == []
    finally:
        server.kill()
        for pid in postgres_of(pgdata):  # ours only: this test's data folder
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)
