"""Each `hallq serve` process leaves a file in the data folder's `run/` while it runs: its pid,
the hall files it serves, and the outcome of its last reload. `hallq reload` finds the servers
there, sends each SIGHUP and reads back what each made of it."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from server.store.embedded import running

log = logging.getLogger(__name__)

RUN_DIR = "run"


def path_of(run_dir: Path, pid: int) -> Path:
    return run_dir / f"serve-{pid}.json"


def write(path: Path, record: dict[str, Any]) -> None:
    """Whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(record, ensure_ascii=False))
    partial.replace(path)


def servers(run_dir: Path) -> list[dict[str, Any]]:
    """The records of the servers running on this data folder; a dead one's file is removed."""
    found = []
    for path in sorted(run_dir.glob("serve-*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if running(record["pid"]):
            found.append(record)
        else:
            path.unlink(missing_ok=True)
    return found


class RunFile:
    """This process's run file; SIGHUP runs `reload`, whose outcome is noted in the file."""

    def __init__(self, run_dir: Path, config: Path, reload: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self.path = path_of(run_dir, os.getpid())
        self._record: dict[str, Any] = {"pid": os.getpid(), "config": str(config), "reloads": 0, "last": None}
        self._reload = reload
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        write(self.path, self._record)
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)

    def stop(self) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        self.path.unlink(missing_ok=True)

    def _hangup(self) -> None:
        task = asyncio.create_task(self._reload_and_note())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_and_note(self) -> None:
        try:
            outcome = await self._reload()
        except Exception as exc:  # the database went away meanwhile: nothing was applied
            log.exception("config reload failed")
            outcome = {"ok": False, "outcome": "error", "problems": [f"{type(exc).__name__}: {exc}"], "changes": {}}
        self._record = {**self._record, "reloads": self._record["reloads"] + 1, "last": outcome}
        write(self.path, self._record)
