"""The embedded PostgreSQL used when no database URL is configured.

`pgserver` ships the PostgreSQL binaries; the data folder persists between
runs, so tickets survive a restart of `hallq serve`.
"""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path, *, delete_on_exit: bool = False) -> str:
    """Start (or reuse) the PostgreSQL in `data_dir` and return its URL.

    It stops when this process exits; `delete_on_exit` also removes the data (tests).
    """
    import pgserver  # imported here: an external database never needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="delete" if delete_on_exit else "stop")
    log.info("embedded PostgreSQL in %s", data_dir)
    return server.get_uri()
