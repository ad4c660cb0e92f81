"""What a request may carry: values PostgreSQL and Python can hold, checked once.

Every request body model, path parameter, query parameter and live-socket
parameter is typed with these, so a value that would overflow a bigint, carry
a NUL into a text column or fall outside what a timestamp can hold is refused
up front as 422 `invalid`, naming the field, instead of failing deep inside.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, TypeAdapter, ValidationError

from server.errors import Unprocessable

INT64_MAX = 2**63 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)

# C0 controls (NUL among them) and lone surrogates: PostgreSQL text cannot hold NUL,
# UTF-8 cannot hold a surrogate, and no name, code or number has a control character.
_CONTROLS = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_CONTROLS_BUT_TAB_AND_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff]")


def _refuse(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.search(value):
            raise ValueError(f"must not contain {what}")
        return value
    return AfterValidator(check)


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


# One line of text: names, codes, ticket numbers, keys, tokens.
SafeText = Annotated[str, _refuse(_CONTROLS, "control characters (NUL, tab, line breaks ...) or lone surrogates"),
                     Field(json_schema_extra={"pattern": r"^[^\x00-\x1F]*$"})]
# Free text a clerk types (a pause reason, a transfer note): tabs and line breaks allowed.
FreeText = Annotated[str, _refuse(_CONTROLS_BUT_TAB_AND_NEWLINE,
                                  "control characters other than tab and newline, or lone surrogates"),
                     Field(json_schema_extra={"pattern": r"^[^\x00-\x08\x0B-\x1F]*$"})]
# A mainland mobile number (SMS reminders go to it): 11 digits from 13 to 19.
Mobile = Annotated[str, Field(pattern=r"^1[3-9][0-9]{9}$", description="mainland mobile number, 11 digits",
                              examples=["13812345678"])]
# A calendar day (a booking's day, a calendar's range), within the years a hall runs.
Day = Annotated[date, AfterValidator(lambda day: _in_range(datetime.combine(day, datetime.min.time(), UTC)).date()),
                Field(description=f"YYYY-MM-DD, {EARLIEST.year}–{LATEST.year}")]
# A booking number (预约号): 8 digits, typed at a kiosk's keypad.
BookingNumber = Annotated[str, Field(pattern=r"^[0-9]{8}$", description="8-digit booking number",
                                     examples=["20261123"])]
# A database row id or any other positive number kept in a bigint.
Int64Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
# An event sequence number: 0 before the first event.
SequenceNo = Annotated[int, Field(ge=0, le=INT64_MAX)]
# A moment with its UTC offset (a bare local time is ambiguous), within the years a hall runs.
HallTime = Annotated[AwareDatetime, AfterValidator(_in_range),
                     Field(description=f"ISO 8601 with its UTC offset, {EARLIEST.year}–{LATEST.year}")]

_adapters: dict[int, TypeAdapter[Any]] = {}  # by id(kind): the types above are module constants


def _adapter(kind: Any) -> TypeAdapter[Any]:
    return _adapters.get(id(kind)) or _adapters.setdefault(id(kind), TypeAdapter(kind))


def parse(where: str, raw: object, kind: Any) -> Any:
    """`raw` as `kind` (one of the types above, or any pydantic type), or 422 naming `where`."""
    try:
        return _adapter(kind).validate_python(raw)
    except ValidationError as exc:
        raise Unprocessable(f"参数 {where} 有误 ({where}: {exc.errors()[0]['msg']})", code="invalid") from None


def json_schema(kind: Any) -> dict[str, Any]:
    """The OpenAPI schema of a parameter type."""
    return _adapter(kind).json_schema()
