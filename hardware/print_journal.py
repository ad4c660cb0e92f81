"""The device agent's durable record of the print jobs it has handled.

A job is printed at most once: the agent records a job as started before it
sends it to the printer and records the outcome right after, each write on
disk (fsync, atomic rename) before going on. A job the server sends again —
because the result never reached it — is answered from this record instead of
being printed again. A job found started but never finished (the agent died
while printing) is reported failed, so the kiosk shows the ticket on screen
rather than risking a second paper ticket.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted"  # the agent stopped while printing; the ticket may or may not be on paper
KEEP = 2000  # outcomes kept; the server stops resending a job once it has its result


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None


class PrintJournal:
    def __init__(self, path: Path, keep: int = KEEP) -> None:
        self.path = path
        self.keep = keep
        self._entries: dict[str, dict] = self._load()

    def outcome(self, job_id: int) -> Outcome | None:
        """How the job ended; None for a job never started."""
        entry = self._entries.get(str(job_id))
        if entry is None:
            return None
        if entry["state"] == "started":  # only after a crash: begin and finish run back to back otherwise
            return Outcome(False, INTERRUPTED)
        return Outcome(entry["state"] == "printed", entry.get("error"))

    def begin(self, job_id: int) -> None:
        self._write(job_id, {"state": "started"})

    def finish(self, job_id: int, outcome: Outcome) -> None:
        self._write(job_id, {"state": "printed" if outcome.ok else "failed", "error": outcome.error})

    def _write(self, job_id: int, entry: dict) -> None:
        entry["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._entries.pop(str(job_id), None)
        self._entries[str(job_id)] = entry
        while len(self._entries) > self.keep:
            del self._entries[next(iter(self._entries))]
        self._save()

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Refusing to start would stop the kiosk; a fresh record risks reprinting a few tickets.
            log.error("print journal %s is unreadable (%s); starting a new one", self.path, exc)
            self.path.replace(self.path.with_suffix(".broken"))
            return {}
        entries = data.get("jobs", {}) if isinstance(data, dict) else {}
        interrupted = [job for job, entry in entries.items() if entry.get("state") == "started"]
        if interrupted:
            log.warning("print jobs %s were interrupted while printing; they are reported failed",
                        ", ".join(interrupted))
        return entries

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staged = self.path.with_suffix(".tmp")
        with open(staged, "w", encoding="utf-8") as out:
            json.dump({"jobs": self._entries}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
