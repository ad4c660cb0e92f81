"""Errors that reach the client as `{"error": {"code", "message"}}` with a 4xx status.

Messages are written for a window clerk or kiosk user to act on.
"""
from __future__ import annotations


class HallqError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}

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
