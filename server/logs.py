"""Logging for a hall: one JSON object per line, from every library, set up once.

Values are JSON fields, never pasted into a format, so nothing a client sends
(a path with a newline, say) can forge a line. Lines written while a request
runs carry its `request_id`; the access log gives one line per request with
its method, path, status and duration as fields.
"""
from __future__ import annotations

import logging
import sys
from types import TracebackType

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from pythonjsonlogger.json import JsonFormatter

from server import request_ids

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
ACCESS = logging.getLogger("hallq.access")


class _RequestIdFilter(logging.Filter):
    """Adds the running request's id to each line that does not name one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        value = request_ids.current.get()
        if value is not None and not hasattr(record, "request_id"):
            record.request_id = value
        return True


def configure(level: str = "INFO") -> None:
    """Send every logger's lines to stderr as JSON; call once, before anything logs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(FIELDS, rename_fields=RENAMED, json_ensure_ascii=False))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught  # a crash (say, no database at start-up) is a JSON line too


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("hallq").critical("uncaught exception", exc_info=(kind, value, tb))


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log as fields. The query string is left out: it may carry tokens."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info("request", extra={
            "method": request.method, "path": request.path, "status": response.status,
            "ms": round(time * 1000, 1), "remote": request.remote, "request_id": request_ids.of(request),
        })

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
