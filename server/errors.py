"""Errors that reach the client as `{"error": {"code", "message"}}` with a 4xx status
(503 while the database is unavailable).

Messages are written for a window clerk or kiosk user to act on. A page says an error from its
`code` in its own words; `details` carries what those words need (a time, a ticket number).
"""
from __future__ import annotations

from typing import Any


class HallqError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        return {"error": {**error, "details": self.details} if self.details else error}

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers the client needs to act on the error."""
        return {}


class BadRequest(HallqError):
    status = 400
    code = "bad_request"


class Unauthorized(HallqError):
    status = 401
    code = "unauthorized"


class Forbidden(HallqError):
    status = 403
    code = "forbidden"


class NotFound(HallqError):
    status = 404
    code = "not_found"


class Conflict(HallqError):
    """The request is well formed but the hall's state does not allow it now."""

    status = 409
    code = "conflict"


class Unprocessable(HallqError):
    status = 422
    code = "invalid"


class TooManyAttempts(HallqError):
    """Sign-in refused for now: too many failures for this account or address."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class StillWorking(HallqError):
    """An answer that takes seconds of work is being worked out: the same request, after Retry-After,
    finds it ready."""

    status = 503
    code = "still_working"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DatabaseUnavailable(HallqError):
    """The database did not answer in time: nothing was committed, the same request may be sent again."""

    status = 503
    code = "database_unavailable"

    def __init__(self, message: str = "数据库暂时不可用，请稍后重试 (the database is unavailable; try again shortly)",
                 *, code: str | None = None) -> None:
        super().__init__(message, code=code)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}


class OutcomeUnknown(DatabaseUnavailable):
    """The connection broke during COMMIT: the action may or may not have been recorded."""

    code = "outcome_unknown"

    def __init__(self) -> None:
        super().__init__("数据库连接在提交时中断，操作可能已完成；请用同一幂等键重试，或先查看再重做"
                         " (the database connection broke while committing: the action may have been done;"
                         " retry with the same idempotency key, or check before repeating it)")
