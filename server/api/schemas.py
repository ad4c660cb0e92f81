"""Request bodies: validated up front, so handlers only see well-formed input.

Every string, id and moment is typed with server.inputs, so what PostgreSQL
or Python cannot hold is refused here, naming the field.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.hall import Priority
from server.inputs import BookingNumber, FreeText, HallTime, Int64Id, Mobile, SafeText
from server.model import PauseReason, RatingLevel
from server.ratings import TEXT_MAX
from server.reports.assessment import Category

_NOTE = "internal, for staff and managers only; ID and mobile numbers are masked"
_MESSAGE = "for the citizen, may be shown in public; ID and mobile numbers are masked"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Identity(Strict):
    id_number: SafeText = Field(min_length=1, max_length=40,
                                description="18-character resident ID number (GB 11643, any digits, spaces ignored);"
                                            " stored only hashed")
    name: SafeText | None = Field(default=None, max_length=40)


def _identity_token(what: str) -> Any:
    return Field(default=None, min_length=16, max_length=100,
                 description=f"from the kiosk's ID-card read (event kiosk.identity): {what}")


def _idempotency_key(what: str) -> Any:
    return Field(default=None, min_length=8, max_length=100,
                 description=f"a retried {what} with the same key returns the same ticket")


class IssueBody(Strict):
    service: SafeText | None = Field(default=None, max_length=20, description="service code, or give zone",
                                     examples=["B01"])
    zone: SafeText | None = Field(default=None, max_length=8, examples=["B"])
    priority: Priority = Priority.NORMAL
    appointment_at: HallTime | None = Field(default=None, description="slot start for an appointment ticket")
    appointment_code: SafeText | None = Field(default=None, max_length=40)
    identity: Identity | None = None
    identity_token: SafeText | None = _identity_token("single use, valid a few minutes; instead of identity")
    idempotency_key: SafeText | None = _idempotency_key("request")
    mobile: Mobile | None = Field(default=None, description="for queue reminders by SMS (前面还有 N 人, 请到 W 号窗口),"
                                                           " where the hall sends them")

    @model_validator(mode="after")
    def _one_identity(self) -> IssueBody:
        if self.identity is not None and self.identity_token is not None:
            raise ValueError("give identity or identity_token, not both")
        return self


class MobileBody(Strict):
    mobile: Mobile = Field(description="for queue reminders by SMS (前面还有 N 人, 请到 W 号窗口), given on the kiosk's"
                                       " ticket screen")


class LoginBody(Strict):
    hall: SafeText = Field(max_length=40, examples=["city"])
    staff_id: SafeText = Field(max_length=40, examples=["zhangwei"])
    password: SafeText = Field(max_length=200)


class SignInBody(Strict):
    post: Literal["A", "B"] = "A"
    take_over: bool = False


class PauseBody(Strict):
    reason: PauseReason = Field(description="reason code; screens show its label")
    note: FreeText | None = Field(default=None, max_length=200, description=_NOTE)
    message: FreeText | None = Field(default=None, max_length=100, description=_MESSAGE)


class CallBody(Strict):
    number: SafeText = Field(min_length=2, max_length=8, description="ticket number", examples=["B001"])


class TransferBody(Strict):
    service: SafeText | None = Field(default=None, max_length=20, examples=["B02"])
    zone: SafeText | None = Field(default=None, max_length=8)
    window: Int64Id | None = None
    note: FreeText | None = Field(default=None, max_length=200, description=_NOTE)
    message: FreeText | None = Field(default=None, max_length=200, description=_MESSAGE)


class ClockBody(Strict):
    now: HallTime


_SERVICE = Field(max_length=20, description="service code", examples=["B01"])


class BookingBody(Strict):
    hall: SafeText | None = Field(default=None, max_length=40, description="the hall's id (the only hall's if omitted)",
                                  examples=["city"])
    service: SafeText = _SERVICE
    start: HallTime = Field(description="the slot's start, as GET /api/v1/slots gives it")
    name: SafeText = Field(min_length=1, max_length=40, description="the holder's name; stored masked")
    id_number: SafeText = Field(min_length=1, max_length=40, description="18-character resident ID number;"
                                                                        " stored only hashed and masked")
    mobile: Mobile = Field(description="for the confirmation and the reminders")


class BookingCancelBody(Strict):
    hall: SafeText | None = Field(default=None, max_length=40, examples=["city"])
    token: SafeText = Field(min_length=16, max_length=100, description="the booking's secret, from its answer")


class SlotCloseBody(Strict):
    service: SafeText = _SERVICE
    start: HallTime = Field(description="the slot's start")


class CheckInBody(Strict):
    number: BookingNumber | None = Field(default=None, description="the booking number, typed on the keypad")
    qr: SafeText | None = Field(default=None, max_length=300, description="what the QR scanner typed: the booking's"
                                                                          " link, or its token")
    identity_token: SafeText | None = _identity_token("today's booking of the card's holder")
    idempotency_key: SafeText | None = _idempotency_key("check-in")

    @model_validator(mode="after")
    def _one_way(self) -> CheckInBody:
        if sum(v is not None for v in (self.number, self.qr, self.identity_token)) != 1:
            raise ValueError("give exactly one of number, qr or identity_token")
        return self


class RatingBody(Strict):
    level: RatingLevel = Field(description="非常满意 very_satisfied … 非常不满意 very_dissatisfied")
    reasons: list[Annotated[SafeText, Field(max_length=40)]] = Field(
        default=[], max_length=20, description="a bad rating's reasons: codes of the hall's checklist, at least one;"
                                               " none for the other levels")
    text: FreeText | None = Field(default=None, max_length=TEXT_MAX,
                                  description="a bad rating's own words, for managers only (never shown in public);"
                                              " ID and mobile numbers are masked")


class TabletRatingBody(RatingBody):
    ticket: Int64Id = Field(description="the ticket just finished at the tablet's window (event ticket.finished)")


class CallbackBody(Strict):
    reached: bool = Field(description="whether the citizen was reached (an unreached callback may be tried again)")
    note: FreeText = Field(min_length=1, max_length=500, description="what was said, or why nobody answered; " + _NOTE)


class FixBody(Strict):
    note: FreeText = Field(min_length=1, max_length=500, description="what was done about it (整改); " + _NOTE)


class AssessmentEntryBody(Strict):
    window: Annotated[int, Field(ge=1, le=99_999)] = Field(description="the window assessed")
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="the month it counts in, YYYY-MM (not one to come)",
                       examples=["2026-11"])
    category: Category = Field(description="what is entered: leadership, hygiene, it_discipline (points off that"
                                           " part); queue_order, complaint, not_on_the_spot, past_time_limit,"
                                           " praise, banner (a count)")
    amount: float = Field(ge=-100, le=100, allow_inf_nan=False,
                          description="the count, or the points off; negative only in a correction")
    note: FreeText = Field(min_length=1, max_length=500, description="what it is for; " + _NOTE)
    corrects: Int64Id | None = Field(default=None, description="the entry this one corrects (entries never change)")


# -- devices and staff, managed by an admin (docs/devices.md#managing-devices-and-staff) ------

_DeviceId = Annotated[SafeText, Field(max_length=40, examples=["screen-2f"])]
_Code = Annotated[SafeText, Field(max_length=40)]
_SETTINGS = "as the [[devices]] key of the hall file (config/README.md); checked as strictly"


class DeviceSettings(Strict):
    """A device's settings; in a change, only the keys given are changed (null removes one)."""

    zones: list[_Code] | None = Field(default=None, max_length=100, description=_SETTINGS)
    screen: Literal["hall", "zone", "window"] | None = Field(default=None, description=_SETTINGS)
    window: Int64Id | None = Field(default=None, description=_SETTINGS)
    printer: Literal["58mm", "80mm"] | None = Field(default=None, description=_SETTINGS)
    floor: Annotated[int, Field(ge=-100, le=1000)] | None = Field(default=None, description=_SETTINGS)
    voice: Literal["auto", "on", "off"] | None = Field(default=None, description=_SETTINGS)
    common: list[_Code] | None = Field(default=None, max_length=20, description=_SETTINGS)

    def entry(self) -> dict[str, Any]:
        """The keys given, as the hall file's checks read them (no zones: none)."""
        given = self.model_dump(exclude_unset=True)
        if "zones" in given and given["zones"] is None:
            given["zones"] = []
        return given


class NewDevice(DeviceSettings):
    id: _DeviceId
    kind: Literal["kiosk", "screen", "evaluator"]


class HeartbeatBody(Strict):
    version: SafeText | None = Field(default=None, max_length=40, description="the page's version")
    resolution: SafeText | None = Field(default=None, max_length=20, description='e.g. "1920x1080"')


_Password = Annotated[SafeText, Field(min_length=8, max_length=200, description="stored only as an Argon2id hash")]


class StaffChange(Strict):
    """A staff member's entry; in a change, only the keys given are changed."""

    name: SafeText | None = Field(default=None, min_length=1, max_length=40)
    role: Literal["clerk", "manager", "admin", "officer"] | None = None
    windows: list[Int64Id] | None = Field(default=None, max_length=1000,
                                          description="a clerk's windows; null: every window")
    halls: list[_Code] | None = Field(default=None, max_length=100, description="a manager's further halls")
    password: _Password | None = None

    def entry(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True, exclude={"password"})
        if given.get("halls", []) is None:
            given["halls"] = []
        return given


class NewStaff(StaffChange):
    id: Annotated[SafeText, Field(min_length=1, max_length=40, examples=["liming"])]
    name: SafeText = Field(min_length=1, max_length=40)
    role: Literal["clerk", "manager", "admin", "officer"]
    password: _Password
