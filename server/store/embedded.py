"""The embedded PostgreSQL used when no database URL is configured.

`pgserver` ships the PostgreSQL binaries; the data folder persists between
runs, so tickets survive a restart of `hallq serve`.

pgserver counts the processes using a data folder in `.handle_pids.json`
there and stops the server when the last of them exits. A process killed
with SIGKILL never takes itself off that list, so the next one would start
sharing the orphaned postmaster and, at its own clean exit, see another user
still listed and leave PostgreSQL running forever. Before taking a handle we
drop the listed processes that no longer exist: the new process takes over
the running postmaster and stops it when it is the last one left.
"""
from __future__ import annotations

import atexit
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

_HANDLES = ".handle_pids.json"  # pgserver's list of the processes using the data folder


def start_embedded(data_dir: Path, *, delete_on_exit: bool = False) -> str:
    """Start (or reuse) the PostgreSQL in `data_dir` and return its URL.

    It stops when the last process using it exits; `delete_on_exit` also removes the data (tests).
    """
    import pgserver  # imported here: an external database never needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir.resolve())
    server = pgserver.get_server(data_dir, cleanup_mode="delete" if delete_on_exit else "stop")
    log.info("embedded PostgreSQL in %s", data_dir)
    return server.get_uri()


def _forget_dead_users(pgdata: Path) -> None:
    """Take processes that died without cleaning up off pgserver's list, under its own lock."""
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    handles = DiskList(pgdata / _HANDLES)
    with PostgresServer._lock:
        listed = handles.get()
        alive = [pid for pid in listed if running(pid)]
        if alive != listed:
            log.warning("embedded PostgreSQL in %s: taking over from exited processes %s",
                        pgdata, sorted(set(listed) - set(alive)))
            handles.put(alive)


def running(pid: int) -> bool:
    """Whether process `pid` exists and can still clean up after itself."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Killed but not yet reaped by its parent: it will never clean up either."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # not Linux, or gone meanwhile
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def stop_embedded(data_dir: Path) -> None:
    """Stop the PostgreSQL this process started in `data_dir` now rather than at exit, while
    logging still has somewhere to write (a test session's captured streams close first)."""
    import pgserver

    server = pgserver.get_server(data_dir)
    server.cleanup()
    # Stopped: pgserver's exit handler (which stays registered unless the folder is deleted)
    # would only log, to a stream that is closed by then.
    atexit.unregister(server._cleanup)
