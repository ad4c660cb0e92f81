"""Request bodies: validated up front, so handlers only see well-formed input."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.hall import Priority
from server.model import PauseReason

_NOTE = "internal, for staff and managers only; ID and mobile numbers are masked"
_MESSAGE = "for the citizen, may be shown in public; ID and mobile numbers are masked"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Identity(Strict):
    id_number: str = Field(min_length=1, max_length=40,
                           description="18-character resident ID number (GB 11643, any digits, spaces ignored);"
                                       " stored only hashed")
    name: str | None = Field(default=None, max_length=40)


class IssueBody(Strict):
    service: str | None = Field(default=None, max_length=20, description="service code, or give zone")
    zone: str | None = Field(default=None, max_length=8)
    priority: Priority = Priority.NORMAL
    appointment_at: datetime | None = Field(default=None, description="slot start for an appointment ticket")
    appointment_code: str | None = Field(default=None, max_length=40)
    identity: Identity | None = None
    identity_token: str | None = Field(default=None, min_length=16, max_length=100,
                                       description="from the kiosk's ID-card read (event kiosk.identity);"
                                                   " single use, valid a few minutes; instead of identity")
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=100,
                                        description="a retried request with the same key returns the same ticket")

    @model_validator(mode="after")
    def _one_identity(self) -> IssueBody:
        if self.identity is not None and self.identity_token is not None:
            raise ValueError("give identity or identity_token, not both")
        return self


class LoginBody(Strict):
    hall: str = Field(max_length=40)
    staff_id: str = Field(max_length=40)
    password: str = Field(max_length=200)


class SignInBody(Strict):
    post: Literal["A", "B"] = "A"
    take_over: bool = False


class PauseBody(Strict):
    reason: PauseReason = Field(description="reason code; screens show its label")
    note: str | None = Field(default=None, max_length=200, description=_NOTE)
    message: str | None = Field(default=None, max_length=100, description=_MESSAGE)


class CallBody(Strict):
    number: str = Field(min_length=2, max_length=8, description="ticket number, e.g. A023")


class TransferBody(Strict):
    service: str | None = Field(default=None, max_length=20)
    zone: str | None = Field(default=None, max_length=8)
    window: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=200, description=_NOTE)
    message: str | None = Field(default=None, max_length=200, description=_MESSAGE)
