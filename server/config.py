"""Load halls from TOML files, checking everything before the server starts.

A file is read in two passes. Pydantic models check its shape: known keys,
types and single values (a time string, a prefix letter). Hand-written checks
then compare entries with each other: references, duplicates, overlaps,
coverage. The first pass needs no second to make sense of its errors, the
second needs a well-shaped file, so it runs only when the first found nothing.
Each pass reports every problem it finds, one `file: key.path: message` a line.
The TOML layout is documented in config/README.md.
"""
from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from datetime import date, time, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError
from pydantic_core import ErrorDetails

from config import SHIPPED_HALLS
from server.hall import (
    MAX_BOOKING_SHARE,
    AlarmThresholds,
    AssessmentRules,
    BookingRules,
    BusinessHours,
    CalendarRules,
    Device,
    DeviceKind,
    FollowUpRules,
    Hall,
    NotificationRules,
    PriorityRules,
    QueueRules,
    RatingReason,
    RatingRules,
    RejoinPolicy,
    Service,
    ServiceRank,
    Session,
    StaffingTarget,
    StaffMember,
    StaffRole,
    SummonsDepartment,
    SummonsRules,
    Window,
    Zone,
)
from server.model import PauseReason
from server.slots import booking_capacity

DEFAULT_CONFIG_DIR = SHIPPED_HALLS

_Problem = tuple[str, str]  # (key path, what is wrong)
# Window numbers fit a window sign (and PostgreSQL's integer); a range stays a hall's size.
MAX_WINDOW_NUMBER = 99_999
# Minutes fit a timedelta: "inf" is valid TOML, and no wait or handling time lasts ten weeks.
MAX_MINUTES = 100_000
# A kiosk's start screen has room for this many common services as big buttons.
MAX_COMMON_SERVICES = 8
MAX_ENGLISH_NAME = 100


class ConfigError(Exception):
    """Every problem found in one or more hall files, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --- first pass: the shape of a file --------------------------------------


def _shaped(pattern: str, expected: str) -> AfterValidator:
    # The value itself stays out of the message: it may be a pasted password.
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"must be {expected}")
        return value

    return AfterValidator(check)


def _clock_time(value: object) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d\d:\d\d", value):
        raise ValueError(f'bad time {value!r}: expected "HH:MM", e.g. "09:00"')
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad time {value!r}: no such time of day") from None


def _time_zone(value: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder such as "Asia"
        raise ValueError(f'unknown timezone {value!r}: expected an IANA name like "Asia/Shanghai"') from None


def _public_url(value: str) -> str:
    # Printed on paper and scanned on mobile data: an absolute web address, nothing after its path.
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password or any(c.isspace() for c in value):
        raise ValueError('expected the address phones reach the server at, like "https://zwfw.example.gov.cn/hallq"'
                         " (http or https, a host, no query)")
    return value.rstrip("/")


def _webhook_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ValueError('expected the gateway\'s address, like "https://sms-gateway.example.gov.cn/hallq"')
    return value


def _english_name(value: str) -> str:
    # Shown in place of the Chinese name on an English page, on one line of a button.
    if not value.strip() or any(not ch.isprintable() for ch in value):
        raise ValueError("expected the name in English on one line")
    if any(ch > "\u2e7f" for ch in value):  # CJK and full-width forms: a Chinese name in the English key
        raise ValueError("expected the name in English: it has Chinese characters or full-width punctuation")
    if len(value) > MAX_ENGLISH_NAME:
        raise ValueError(f"at most {MAX_ENGLISH_NAME} characters")
    return value.strip()
def _calendar_date(value: object) -> date:
    # A TOML date (2026-12-24) or a string of one ("2026-12-24").
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f'bad date {value!r}: expected "YYYY-MM-DD", e.g. "2026-12-24"')


def _window_range(value: object) -> range:
    match = re.fullmatch(r"(\d+)-(\d+)", value) if isinstance(value, str) else None
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f'bad window range {value!r}: expected "first-last", e.g. "1-40"')
    if int(match[2]) > MAX_WINDOW_NUMBER:
        raise ValueError(f"bad window range {value!r}: window numbers go up to {MAX_WINDOW_NUMBER}")
    return range(int(match[1]), int(match[2]) + 1)


def _service_entry(value: object) -> tuple[str, int | None]:
    # A bare code takes its position as level; a pair gives the level itself.
    if isinstance(value, str):
        return value, None
    if isinstance(value, list) and len(value) == 2:
        code, level = value
        if isinstance(code, str) and type(level) is int and level >= 0:
            return code, level
    raise ValueError('expected a service code "A01" or a pair ["A01", level] with level >= 0')


Text = Annotated[str, Field(min_length=1)]
Minutes = Annotated[float, Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False)]
Slug = Annotated[str, _shaped(r"[a-z0-9-]+", "lowercase letters, digits and '-'")]
Prefix = Annotated[str, _shaped(r"[A-Z]", "one uppercase letter A-Z")]
PasswordHash = Annotated[str, _shaped(
    r"\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+|pbkdf2_sha256\$\d+\$\w+\$[0-9a-f]+",
    "made by hallq hash-password")]
TokenHash = Annotated[str, _shaped(r"sha256\$[0-9a-f]{64}", "made by server.credentials.hash_token")]
PublicUrl = Annotated[str, AfterValidator(_public_url)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
TimeZone = Annotated[ZoneInfo, BeforeValidator(_time_zone)]
WindowRange = Annotated[range, BeforeValidator(_window_range)]
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
ServiceEntry = Annotated[tuple[str, int | None], BeforeValidator(_service_entry)]
EnglishName = Annotated[str, AfterValidator(_english_name)]
CommonServices = Annotated[list[Text], Field(max_length=MAX_COMMON_SERVICES)]


class _Strict(BaseModel):
    # strict: a quoted "15" is not silently taken for the number 15.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True)


class _HallSection(_Strict):
    id: Slug
    name: Text
    timezone: TimeZone = ZoneInfo("Asia/Shanghai")
    public_url: PublicUrl | None = None
    announcement: str = Hall.announcement
    notices: list[Text] = []


class _Hours(_Strict):
    weekdays: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1)] = [1, 2, 3, 4, 5]
    sessions: list[Annotated[list[ClockTime], Field(min_length=2, max_length=2)]] = Field(min_length=1)
    lunch_service: bool = False


class _Priority(_Strict):
    green_groups: list[Text] = ["老", "弱", "病", "残", "军"]
    green_auto_age: Annotated[int, Field(ge=1)] | None = None
    max_open_tickets_per_person: Annotated[int, Field(ge=1)] | None = None


class _Queue(_Strict):
    starvation_minutes: Minutes = 30
    rejoin: Annotated[RejoinPolicy, Strict(False)] = RejoinPolicy.BEHIND
    rejoin_places: Annotated[int, Field(ge=0)] = 3


class _Alarms(_Strict):
    yellow_wait_minutes: Minutes = 20
    red_wait_minutes: Minutes = 40
    device_silent_minutes: Minutes = 5  # a screen or tablet unheard this long (a kiosk's agent never connected)


class _Zone(_Strict):
    code: Text
    name: Text
    floor: int
    prefix: Prefix
    name_en: EnglishName | None = None


class _Service(_Strict):
    code: Text
    name: Text
    zone: Text
    department: Text
    typical_minutes: Minutes
    name_en: EnglishName | None = None


class _Window(_Strict):
    number: Annotated[int, Field(ge=1, le=MAX_WINDOW_NUMBER)] | None = None
    numbers: WindowRange | None = None
    zone: Text | None = None
    universal: bool = False
    floor: int | None = None
    services: Annotated[list[ServiceEntry], Field(min_length=1)] | None = None  # None: the whole zone
    posts: Annotated[list[Literal["A", "B"]], Field(min_length=1)] = ["A"]
    label: str = ""


class _Staff(_Strict):
    id: Text
    name: Text
    role: Annotated[StaffRole, Strict(False)]
    password_hash: PasswordHash
    windows: list[Annotated[int, Field(ge=1)] | WindowRange] | None = None  # a clerk's; None: every window
    halls: list[Slug] = []  # a manager's or admin's further halls

    def window_numbers(self) -> frozenset[int] | None:
        if self.windows is None:
            return None
        return frozenset(n for entry in self.windows for n in ([entry] if isinstance(entry, int) else entry))


class _Device(_Strict):
    id: Slug
    kind: Annotated[DeviceKind, Strict(False)]
    token_hash: TokenHash
    zones: list[Text] = []
    screen: Literal["hall", "zone", "window"] | None = None
    window: int | None = None
    printer: Literal["58mm", "80mm"] | None = None
    floor: int | None = None
    voice: Literal["auto", "on", "off"] | None = None
    common: CommonServices | None = None  # a kiosk's own common services, in place of [kiosk] common


class _Kiosk(_Strict):
    common: CommonServices = []  # service codes shown as big buttons on every kiosk's start screen


class _Notifications(_Strict):
    webhook_url: Annotated[str, AfterValidator(_webhook_url)]
    key_id: Text = "1"
    secret_env: Annotated[str, _shaped(r"[A-Z][A-Z0-9_]*", "an environment variable name")] = "HALLQ_WEBHOOK_SECRET"
    retry_hours: Annotated[float, Field(gt=0, le=72)] = 24
    ahead: Annotated[int, Field(ge=1, le=50)] = 3
    first_retry_seconds: Annotated[float, Field(gt=0, le=600)] = 2


class _Calendar(_Strict):
    legal_holidays: bool = True
    closed: list[CalendarDate] = []
    open: list[CalendarDate] = []


_DEFAULT_BOOKINGS = BookingRules()


def _minutes_of(span: timedelta) -> float:
    return span.total_seconds() / 60


class _Bookings(_Strict):
    slot_minutes: Annotated[int, Field(ge=5, le=240)] = int(_minutes_of(_DEFAULT_BOOKINGS.slot))
    share: Annotated[float, Field(gt=0, le=MAX_BOOKING_SHARE)] = _DEFAULT_BOOKINGS.share
    capacity: dict[str, Annotated[int, Field(ge=0, le=10_000)]] = {}
    services: list[Text] | None = None
    days_ahead: Annotated[int, Field(ge=1, le=90)] = _DEFAULT_BOOKINGS.days_ahead
    cancel_hours: Annotated[float, Field(ge=0, le=72)] = _DEFAULT_BOOKINGS.cancel_before.total_seconds() / 3600
    check_in_before_minutes: Annotated[int, Field(ge=0, le=240)] = int(_minutes_of(_DEFAULT_BOOKINGS.check_in_before))
    check_in_after_minutes: Annotated[int, Field(ge=0, le=240)] = int(_minutes_of(_DEFAULT_BOOKINGS.check_in_after))
    remind_minutes: Annotated[int, Field(ge=5, le=720)] = int(_minutes_of(_DEFAULT_BOOKINGS.remind_before))
    remind_day_before_at: ClockTime = _DEFAULT_BOOKINGS.remind_day_before_at
    no_shows: Annotated[int, Field(ge=1, le=100)] = _DEFAULT_BOOKINGS.no_shows
    no_show_days: Annotated[int, Field(ge=1, le=365)] = _DEFAULT_BOOKINGS.no_show_window.days
    suspend_days: Annotated[int, Field(ge=1, le=365)] = _DEFAULT_BOOKINGS.suspension.days
    per_address: Annotated[int, Field(ge=1, le=100_000)] = _DEFAULT_BOOKINGS.per_address


_DEFAULT_SUMMONS = SummonsRules()


class _SummonsDepartment(_Strict):
    id: Slug
    name: Text
    services: Annotated[list[Text], Field(min_length=1)]
    officers: Annotated[list[Text], Field(min_length=1)]
    mobile: Annotated[str, _shaped(r"1[3-9][0-9]{9}", "a mainland mobile number, 11 digits")]
    promise: Text


class _Summons(_Strict):
    arrive_minutes: Annotated[int, Field(ge=1, le=240)] = int(_minutes_of(_DEFAULT_SUMMONS.arrive))
    warn_minutes: Annotated[int, Field(ge=1, le=240)] = int(_minutes_of(_DEFAULT_SUMMONS.warn))
    auto: bool = _DEFAULT_SUMMONS.auto
    departments: list[_SummonsDepartment] = []


_DEFAULT_STAFFING = StaffingTarget()


class _Staffing(_Strict):
    target_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = _DEFAULT_STAFFING.share
    target_minutes: Annotated[int, Field(ge=1, le=240)] = int(_DEFAULT_STAFFING.minutes)


_DEFAULT_ASSESSMENT = AssessmentRules()
_Points = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
_Count = Annotated[int, Field(ge=1, le=1000)]


class _Assessment(_Strict):
    """[assessment]: the points of the monthly 100-point assessment (docs/reports.md)."""

    late: _Points = _DEFAULT_ASSESSMENT.late
    early_leave: _Points = _DEFAULT_ASSESSMENT.early_leave
    away: _Points = _DEFAULT_ASSESSMENT.away
    half_day_absent: _Points = _DEFAULT_ASSESSMENT.half_day_absent
    late_follow_up: _Points = _DEFAULT_ASSESSMENT.late_follow_up
    queue_order: _Points = _DEFAULT_ASSESSMENT.queue_order
    complaint: _Points = _DEFAULT_ASSESSMENT.complaint
    not_on_the_spot: _Points = _DEFAULT_ASSESSMENT.not_on_the_spot
    past_time_limit: _Points = _DEFAULT_ASSESSMENT.past_time_limit
    praise: _Points = _DEFAULT_ASSESSMENT.praise
    banner: _Points = _DEFAULT_ASSESSMENT.banner
    late_grace_minutes: Annotated[int, Field(ge=0, le=120)] = int(_minutes_of(_DEFAULT_ASSESSMENT.late_grace))
    early_grace_minutes: Annotated[int, Field(ge=0, le=120)] = int(_minutes_of(_DEFAULT_ASSESSMENT.early_grace))
    away_minutes: Annotated[int, Field(ge=1, le=240)] = int(_minutes_of(_DEFAULT_ASSESSMENT.away_after))
    excused_pauses: list[Annotated[PauseReason, Strict(False)]] = sorted(
        PauseReason(r) for r in _DEFAULT_ASSESSMENT.excused_pauses)
    red_flag_windows: _Count = _DEFAULT_ASSESSMENT.red_flag_windows
    model_staff: _Count = _DEFAULT_ASSESSMENT.model_staff
    bottom: _Count = _DEFAULT_ASSESSMENT.bottom
    bottom_below: _Points = _DEFAULT_ASSESSMENT.bottom_below
    bottom_times: Annotated[int, Field(ge=1, le=12)] = _DEFAULT_ASSESSMENT.bottom_times
    below_in_a_row: Annotated[int, Field(ge=1, le=12)] = _DEFAULT_ASSESSMENT.below_in_a_row

    def rules(self) -> AssessmentRules:
        counted = self.model_dump(exclude={"late_grace_minutes", "early_grace_minutes", "away_minutes",
                                           "excused_pauses"})
        return AssessmentRules(**counted, late_grace=timedelta(minutes=self.late_grace_minutes),
                               early_grace=timedelta(minutes=self.early_grace_minutes),
                               away_after=timedelta(minutes=self.away_minutes),
                               excused_pauses=frozenset(r.value for r in self.excused_pauses))


# A year of figures stays live whatever the hall sets: the reports' longest range (366 days) and the
# yearly accountability rule read the live tables only.
MIN_RETENTION_DAYS = 400


class _Retention(_Strict):
    days: Annotated[int, Field(ge=MIN_RETENTION_DAYS, le=36500)] | None = None


class _RatingReason(_Strict):
    code: Annotated[str, _shaped(r"[a-z0-9_-]+", "lowercase letters, digits, '_' and '-'")]
    name: Text
    name_en: Text


# 差评 reasons most 好差评 systems list; a hall replaces them with [[ratings.reasons]].
DEFAULT_RATING_REASONS = (
    _RatingReason(code="attitude", name="服务态度差", name_en="Unfriendly service"),
    _RatingReason(code="wait", name="等候时间长", name_en="Long wait"),
    _RatingReason(code="slow", name="办理效率低", name_en="Slow handling"),
    _RatingReason(code="unclear", name="告知不清楚", name_en="Requirements not explained"),
    _RatingReason(code="repeat", name="需要多次跑", name_en="Had to come back again"),
    _RatingReason(code="facilities", name="环境设施差", name_en="Poor facilities"),
    _RatingReason(code="other", name="其他", name_en="Other"),
)


class _Ratings(_Strict):
    timeout_seconds: Annotated[int, Field(ge=10, le=600)] = 60
    phone_hours: Annotated[float, Field(ge=0, le=24 * 30, allow_inf_nan=False)] = 24
    reasons: Annotated[list[_RatingReason], Field(min_length=1, max_length=20)] = list(DEFAULT_RATING_REASONS)
    follow_up_working_days: Annotated[int, Field(ge=1, le=60)] = 15
    warn_working_days: Annotated[int, Field(ge=0, le=30)] = 3
    callback_attempts: Annotated[int, Field(ge=1, le=10)] = 3


class _HallFile(_Strict):
    hall: _HallSection
    hours: _Hours
    priority: _Priority = _Priority()
    queue: _Queue = _Queue()
    alarms: _Alarms = _Alarms()
    zones: list[_Zone] = Field(min_length=1)
    services: list[_Service] = Field(min_length=1)
    windows: list[_Window] = Field(min_length=1)
    staff: list[_Staff] = []
    devices: list[_Device] = []
    notifications: _Notifications | None = None
    kiosk: _Kiosk = _Kiosk()
    calendar: _Calendar = _Calendar()
    bookings: _Bookings = _Bookings()
    summons: _Summons = _Summons()
    ratings: _Ratings = _Ratings()
    staffing: _Staffing = _Staffing()
    assessment: _Assessment = _Assessment()
    retention: _Retention = _Retention()


_PYDANTIC_MESSAGES = {"extra_forbidden": "unknown key", "missing": "required key is missing"}


def _key_path(loc: Iterable[str | int]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path or "(top level)"


def _shape_problems(error: ValidationError) -> list[_Problem]:
    def message(detail: ErrorDetails) -> str:
        if detail["type"] == "value_error":
            return str(detail["ctx"]["error"])
        text = _PYDANTIC_MESSAGES.get(detail["type"], detail["msg"])
        return text[:1].lower() + text[1:]  # "Input should be ..." reads like the other messages

    return [(_key_path(detail["loc"]), message(detail)) for detail in error.errors()]


# --- second pass: entries against each other ------------------------------


class _Placed(NamedTuple):
    entry: str  # key path of the [[windows]] entry, "windows[3]"
    field: str  # ".number" or ".numbers": where its number came from
    window: Window


_Keyed = tuple[str, str, Hashable]  # (entry path, field suffix, value)


def _keyed(section: str, items: Sequence[BaseModel], field: str) -> Iterator[_Keyed]:
    return ((f"{section}[{index}]", f".{field}", getattr(item, field)) for index, item in enumerate(items))


def _listed(path: str, values: Iterable[Hashable]) -> Iterator[_Keyed]:
    return ((f"{path}[{index}]", "", value) for index, value in enumerate(values))


def _duplicates(entries: Iterable[_Keyed], what: str) -> Iterator[_Problem]:
    first: dict[Hashable, str] = {}
    for entry, field, value in entries:
        if value in first:
            yield entry + field, f"duplicate {what} {value} (also {first[value]})"
        else:
            first[value] = entry


def _unknown(path: str, value: str, known: Collection[str], what: str) -> Iterator[_Problem]:
    if value not in known:
        yield path, f"unknown {what} {value} (known: {', '.join(sorted(known))})"


def _check_announcement(template: str) -> Iterator[_Problem]:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        yield "hall.announcement", f"bad template: {error}"
        return
    for name in sorted({"number", "window"} - fields):
        yield "hall.announcement", f"must contain {{{name}}}"
    for name in sorted(fields - {"number", "window"}):
        yield "hall.announcement", f"unknown placeholder {{{name}}}: only {{number}} and {{window}} are known"


def _check_hours(hours: _Hours) -> Iterator[_Problem]:
    for index, (start, end) in enumerate(hours.sessions):
        if end <= start:
            yield f"hours.sessions[{index}]", f"ends at {end:%H:%M}, not after its start {start:%H:%M}"
    furthest: tuple[int, time] | None = None  # the session reaching latest so far, by start order
    for index, (start, end) in sorted(enumerate(hours.sessions), key=lambda item: item[1][0]):
        if furthest and start < furthest[1]:
            message = f"overlaps hours.sessions[{furthest[0]}] (starts {start:%H:%M}, before {furthest[1]:%H:%M})"
            yield f"hours.sessions[{index}]", message
        if not furthest or end > furthest[1]:
            furthest = (index, end)


def _check_alarms(alarms: _Alarms) -> Iterator[_Problem]:
    yellow, red = alarms.yellow_wait_minutes, alarms.red_wait_minutes
    if yellow >= red:
        yield "alarms.yellow_wait_minutes", f"yellow alarm ({yellow:g} min) must come before red ({red:g} min)"


def _check_queue(queue: _Queue) -> Iterator[_Problem]:
    if queue.rejoin is RejoinPolicy.BEHIND and queue.rejoin_places < 1:
        # places - 1 is an OFFSET into the queue: 0 places cannot be found
        yield "queue.rejoin_places", ('rejoin = "behind" puts a returning no-show this many places behind the'
                                      ' head: give 1 or more, or rejoin = "back"')


def _check_calendar(calendar: _Calendar) -> Iterator[_Problem]:
    yield from _duplicates(_listed("calendar.closed", calendar.closed), "date")
    yield from _duplicates(_listed("calendar.open", calendar.open), "date")
    closed = set(calendar.closed)
    for index, day in enumerate(calendar.open):
        if day in closed:
            yield f"calendar.open[{index}]", f"{day} is also in calendar.closed: a day is open or closed"


def _check_bookings(raw: _HallFile, windows: list[Window]) -> Iterator[_Problem]:
    rules, services = raw.bookings, {s.code: s for s in raw.services}
    for index, code in enumerate(rules.services or []):
        yield from _unknown(f"bookings.services[{index}]", code, services, "service")
    slot = timedelta(minutes=rules.slot_minutes)
    for index, (start, end) in enumerate(raw.hours.sessions):
        if timedelta() < _span(start, end) < slot:  # one ending before its start is reported as such
            yield f"hours.sessions[{index}]", f"shorter than bookings.slot_minutes ({rules.slot_minutes}): no slot fits"
    for code, places in rules.capacity.items():
        if code not in services:
            yield from _unknown(f"bookings.capacity.{code}", code, services, "service")
            continue
        most = booking_capacity(windows, services[code].code, services[code].typical_minutes, slot, MAX_BOOKING_SHARE)
        if places > most:
            yield (f"bookings.capacity.{code}", f"{places} places a slot leave walk-ins less than half of what its"
                   f" windows serve in {rules.slot_minutes} min: at most {most}")


def _check_summons(raw: _HallFile) -> Iterator[_Problem]:
    rules, services = raw.summons, {s.code for s in raw.services}
    if rules.warn_minutes >= rules.arrive_minutes:
        yield "summons.warn_minutes", (f"the yellow warning ({rules.warn_minutes} min) must come before"
                                       f" summons.arrive_minutes ({rules.arrive_minutes})")
    roles = {member.id: member.role for member in raw.staff}
    yield from _duplicates(_keyed("summons.departments", rules.departments, "id"), "department id")
    codes, officers = [], []
    for index, department in enumerate(rules.departments):
        path = f"summons.departments[{index}]"
        for position, code in enumerate(department.services):
            yield from _unknown(f"{path}.services[{position}]", code, services, "service")
            codes.append((f"{path}.services[{position}]", "", code))
        for position, staff_id in enumerate(department.officers):
            where = f"{path}.officers[{position}]"
            officers.append((where, "", staff_id))
            if staff_id not in roles:
                yield where, f"unknown staff id {staff_id}: list the officer in [[staff]] with role = \"officer\""
            elif roles[staff_id] is not StaffRole.OFFICER:
                yield where, f"staff {staff_id} has role {roles[staff_id].value}: an officer has role = \"officer\""
    yield from _duplicates(codes, "summoned service")
    yield from _duplicates(officers, "officer")


def _span(start: time, end: time) -> timedelta:
    return timedelta(hours=end.hour - start.hour, minutes=end.minute - start.minute)


def _check_window_entry(path: str, entry: _Window, raw: _HallFile) -> Iterator[_Problem]:
    if (entry.number is None) == (entry.numbers is None):
        yield path, 'give exactly one of number = 5 or numbers = "1-40"'
    yield from _duplicates(_listed(f"{path}.posts", entry.posts), "post")
    if entry.universal:
        yield from _check_universal_window(path, entry)
    elif entry.zone is None:
        yield path, "needs a zone (or universal = true)"
    else:
        yield from _check_zone_window(path, entry.zone, entry, raw)


def _check_universal_window(path: str, entry: _Window) -> Iterator[_Problem]:
    if entry.zone is not None:
        yield f"{path}.zone", "a universal window belongs to no zone"
    if entry.services is not None:
        yield f"{path}.services", "a universal window serves every service: remove services"
    if entry.floor is None:
        yield path, "a universal window needs a floor"


def _check_zone_window(path: str, zone: str, entry: _Window, raw: _HallFile) -> Iterator[_Problem]:
    if entry.floor is not None:
        yield f"{path}.floor", "a zone window stands on its zone's floor: floor is for universal windows"
    zone_codes = {z.code for z in raw.zones}
    yield from _unknown(f"{path}.zone", zone, zone_codes, "zone")
    if zone in zone_codes:  # against an unknown zone every service would mismatch
        yield from _check_profile(path, zone, [code for code, _ in entry.services or []], raw.services)


def _check_profile(path: str, zone: str, codes: list[str], services: list[_Service]) -> Iterator[_Problem]:
    zone_of = {s.code: s.zone for s in services}
    for index, code in enumerate(codes):
        where = f"{path}.services[{index}]"
        if code not in zone_of:
            yield where, f"unknown service {code}"
        elif zone_of[code] != zone:
            yield where, f"service {code} belongs to zone {zone_of[code]}, not to the window's zone {zone}"
    yield from _duplicates(_listed(f"{path}.services", codes), "service")


_SCREEN_ZONES = {
    "zone": "a zone screen shows exactly one zone: give zones = [\"A\"]",
    "window": "a window screen shows its window's zone: remove zones",
}


def _check_common(path: str, codes: list[str], services: list[_Service]) -> Iterator[_Problem]:
    known = {s.code for s in services}
    for index, code in enumerate(codes):
        if code not in known:
            yield f"{path}[{index}]", f"unknown service {code}"
    yield from _duplicates(_listed(path, codes), "service")


def _check_kiosk_common(path: str, device: _Device, services: list[_Service]) -> Iterator[_Problem]:
    if device.common is None:
        return
    yield from _check_common(f"{path}.common", device.common, services)
    zone_of = {s.code: s.zone for s in services}
    for index, code in enumerate(device.common):
        if device.zones and code in zone_of and zone_of[code] not in device.zones:
            yield (f"{path}.common[{index}]", f"service {code} is in zone {zone_of[code]}, which this kiosk"
                   f" does not offer (zones: {', '.join(device.zones)})")


def _check_evaluator(path: str, device: _Device, window_numbers: Collection[int]) -> Iterator[_Problem]:
    for key in ("screen", "printer", "floor", "voice", "common"):
        if getattr(device, key) is not None:
            yield f"{path}.{key}", f"an evaluation tablet takes only window = <number>: remove {key}"
    if device.zones:
        yield f"{path}.zones", "an evaluation tablet takes only window = <number>: remove zones"
    if device.window is None:
        yield path, "an evaluation tablet needs window = <number>"
    elif device.window not in window_numbers:
        yield f"{path}.window", f"unknown window {device.window}"


def _check_device(path: str, device: _Device, window_numbers: Collection[int],
                  floors: Collection[int], services: list[_Service]) -> Iterator[_Problem]:
    if device.kind is DeviceKind.EVALUATOR:
        yield from _check_evaluator(path, device, window_numbers)
        return
    if device.window is not None and device.screen != "window":
        yield f"{path}.window", 'only a window screen (screen = "window") names a window'
    if device.floor is not None:
        yield from _check_screen_floor(path, device, floors)
    if device.kind is DeviceKind.KIOSK:
        yield from _check_kiosk_common(path, device, services)
        if device.screen is not None:
            yield f"{path}.screen", "a kiosk has no screen type"
        if device.voice is not None:
            yield f"{path}.voice", "a kiosk makes no announcements"
        return
    if device.printer is not None:
        yield f"{path}.printer", "only a kiosk has a ticket printer"
    if device.common is not None:
        yield f"{path}.common", "only a kiosk offers common services"
    if device.screen is None:
        yield path, 'a screen needs screen = "hall", "zone" or "window"'
        return
    zones_wanted = 1 if device.screen == "zone" else 0
    if device.screen != "hall" and len(device.zones) != zones_wanted:
        yield f"{path}.zones", _SCREEN_ZONES[device.screen]
    if device.screen == "window" and device.window is None:
        yield path, "a window screen needs window = <number>"
    elif device.screen == "window" and device.window not in window_numbers:
        yield f"{path}.window", f"unknown window {device.window}"


def _check_screen_floor(path: str, device: _Device, floors: Collection[int]) -> Iterator[_Problem]:
    if device.screen != "hall":
        yield f"{path}.floor", 'only a hall screen (screen = "hall") shows one floor'
    elif device.zones:
        yield f"{path}.floor", "a hall screen shows one floor or some zones, not both: remove floor or zones"
    elif device.floor not in floors:
        known = ", ".join(map(str, sorted(floors)))
        yield f"{path}.floor", f"no window stands on floor {device.floor} (floors: {known})"


def _check_staff(raw: _HallFile, window_numbers: Collection[int]) -> Iterator[_Problem]:
    for index, member in enumerate(raw.staff):
        yield from _check_member(f"staff[{index}]", member, window_numbers)


def _check_member(path: str, member: _Staff, window_numbers: Collection[int]) -> Iterator[_Problem]:
    if member.role in (StaffRole.CLERK, StaffRole.OFFICER) and member.halls:
        yield f"{path}.halls", "only a manager or an admin acts in further halls"
    if member.role is StaffRole.OFFICER and member.windows is not None:
        yield f"{path}.windows", "an officer signs in at no window: remove windows"
    elif member.role is not StaffRole.CLERK and member.windows is not None:
        yield f"{path}.windows", "a manager or an admin may sign in at every window: remove windows"
    for number in sorted((member.window_numbers() or frozenset()) - set(window_numbers)):
        yield f"{path}.windows", f"unknown window {number}"


def _check_references(raw: _HallFile) -> Iterator[_Problem]:
    zone_codes = {z.code for z in raw.zones}
    for index, service in enumerate(raw.services):
        yield from _unknown(f"services[{index}].zone", service.zone, zone_codes, "zone")
    for index, device in enumerate(raw.devices):
        for position, zone in enumerate(device.zones):
            yield from _unknown(f"devices[{index}].zones[{position}]", zone, zone_codes, "zone")


def _check_uniqueness(raw: _HallFile, windows: list[_Placed]) -> Iterator[_Problem]:
    yield from _duplicates(_keyed("zones", raw.zones, "code"), "zone code")
    yield from _duplicates(_keyed("zones", raw.zones, "prefix"), "ticket prefix")
    yield from _duplicates(_keyed("services", raw.services, "code"), "service code")
    yield from _duplicates(((p.entry, p.field, p.window.number) for p in windows), "window number")
    yield from _duplicates(_keyed("staff", raw.staff, "id"), "staff id")
    yield from _duplicates(_keyed("devices", raw.devices, "id"), "device id")


def _check_coverage(raw: _HallFile, windows: list[Window]) -> Iterator[_Problem]:
    # A ticket no window may call would wait forever.
    if any(w.universal for w in windows):
        return
    staffed = {w.zone for w in windows}
    served = {rank.service for w in windows for rank in w.profile}
    for index, zone in enumerate(raw.zones):
        if zone.code not in staffed:
            yield f"zones[{index}]", f"no window serves zone {zone.code} and the hall has no universal window"
    for index, service in enumerate(raw.services):
        if service.zone in staffed and service.code not in served:
            yield f"services[{index}]", f"no window of zone {service.zone} lists service {service.code}"


def _cross_problems(raw: _HallFile, placed: list[_Placed]) -> Iterator[_Problem]:
    windows = [p.window for p in placed]
    yield from _check_announcement(raw.hall.announcement)
    yield from _check_hours(raw.hours)
    yield from _check_alarms(raw.alarms)
    yield from _check_queue(raw.queue)
    yield from _check_common(_key_path(("kiosk", "common")), raw.kiosk.common, raw.services)
    yield from _check_calendar(raw.calendar)
    yield from _check_bookings(raw, windows)
    yield from _check_summons(raw)
    yield from _duplicates(_keyed("ratings.reasons", raw.ratings.reasons, "code"), "reason code")
    if raw.ratings.warn_working_days >= raw.ratings.follow_up_working_days:
        yield "ratings.warn_working_days", "must be fewer than follow_up_working_days"
    yield from _duplicates(_listed("assessment.excused_pauses", [r.value for r in raw.assessment.excused_pauses]),
                           "pause reason")
    yield from _check_references(raw)
    for index, entry in enumerate(raw.windows):
        yield from _check_window_entry(f"windows[{index}]", entry, raw)
    floors = {w.floor for w in windows}
    for index, device in enumerate(raw.devices):
        yield from _check_device(f"devices[{index}]", device, {w.number for w in windows}, floors, raw.services)
    yield from _check_staff(raw, {w.number for w in windows})
    yield from _check_uniqueness(raw, placed)
    yield from _check_coverage(raw, windows)


# --- building the hall ----------------------------------------------------


def _profile(entry: _Window, services: list[_Service]) -> tuple[ServiceRank, ...]:
    if entry.universal:
        return ()
    if entry.services is None:  # a zone window without a list serves its whole zone alike
        return tuple(ServiceRank(s.code, 0) for s in services if s.zone == entry.zone)
    ranks = (
        ServiceRank(code, position if level is None else level)
        for position, (code, level) in enumerate(entry.services)
    )
    return tuple(sorted(ranks, key=attrgetter("level")))


def _place_windows(raw: _HallFile) -> list[_Placed]:
    """Expand every [[windows]] entry into its windows, before they are checked."""
    floors = {z.code: z.floor for z in raw.zones}
    placed = []
    for index, entry in enumerate(raw.windows):
        field = ".number" if entry.number is not None else ".numbers"
        zone = None if entry.universal else entry.zone
        floor = entry.floor if entry.universal else floors.get(entry.zone or "")
        profile = _profile(entry, raw.services)
        for number in [entry.number] if entry.number is not None else entry.numbers or []:
            # floor 0 stands only where the checks report a missing floor or zone
            window = Window(number, floor or 0, zone, profile, tuple(entry.posts), entry.label)
            placed.append(_Placed(f"windows[{index}]", field, window))
    return placed


def _build(raw: _HallFile, windows: list[Window]) -> Hall:
    alarms, queue, priority, hours = raw.alarms, raw.queue, raw.priority, raw.hours
    sessions = sorted((Session(start, end) for start, end in hours.sessions), key=attrgetter("start"))
    return Hall(
        id=raw.hall.id,
        name=raw.hall.name,
        timezone=raw.hall.timezone,
        public_url=raw.hall.public_url,
        zones=tuple(Zone(**z.model_dump()) for z in raw.zones),
        services=tuple(Service(**s.model_dump()) for s in raw.services),
        windows=tuple(sorted(windows, key=attrgetter("number"))),
        hours=BusinessHours(frozenset(hours.weekdays), tuple(sessions), hours.lunch_service),
        priority=PriorityRules(
            tuple(priority.green_groups), priority.green_auto_age, priority.max_open_tickets_per_person
        ),
        queue=QueueRules(timedelta(minutes=queue.starvation_minutes), queue.rejoin, queue.rejoin_places),
        alarms=AlarmThresholds(
            timedelta(minutes=alarms.yellow_wait_minutes), timedelta(minutes=alarms.red_wait_minutes),
            timedelta(minutes=alarms.device_silent_minutes)),
        staff=tuple(_member_of(s) for s in raw.staff),
        devices=tuple(_device_of(d) for d in raw.devices),
        notices=tuple(raw.hall.notices),
        announcement=raw.hall.announcement,
        notifications=_notifications(raw.notifications),
        common=tuple(raw.kiosk.common),
        calendar=CalendarRules(raw.calendar.legal_holidays, frozenset(raw.calendar.closed),
                               frozenset(raw.calendar.open)),
        bookings=_booking_rules(raw.bookings),
        summons=SummonsRules(
            timedelta(minutes=raw.summons.arrive_minutes), timedelta(minutes=raw.summons.warn_minutes),
            raw.summons.auto, tuple(SummonsDepartment(d.id, d.name, tuple(d.services), tuple(d.officers), d.mobile,
                                                      d.promise) for d in raw.summons.departments)),
        ratings=RatingRules(timedelta(seconds=raw.ratings.timeout_seconds), timedelta(hours=raw.ratings.phone_hours),
                            tuple(RatingReason(**r.model_dump()) for r in raw.ratings.reasons),
                            FollowUpRules(raw.ratings.follow_up_working_days, raw.ratings.warn_working_days,
                                          raw.ratings.callback_attempts)),
        staffing=StaffingTarget(raw.staffing.target_share, raw.staffing.target_minutes),
        assessment=raw.assessment.rules(),
        retention_days=raw.retention.days,
    )


def _member_of(s: _Staff) -> StaffMember:
    return StaffMember(s.id, s.name, s.role, s.password_hash, s.window_numbers(), tuple(s.halls))


def _device_of(d: _Device) -> Device:
    return Device(d.id, d.kind, d.token_hash, tuple(d.zones), d.screen or "", d.window, d.printer, d.floor,
                  d.voice or "auto", None if d.common is None else tuple(d.common))


def _booking_rules(raw: _Bookings) -> BookingRules:
    return BookingRules(
        slot=timedelta(minutes=raw.slot_minutes), share=raw.share, capacity=tuple(sorted(raw.capacity.items())),
        services=frozenset(raw.services) if raw.services is not None else None, days_ahead=raw.days_ahead,
        cancel_before=timedelta(hours=raw.cancel_hours),
        check_in_before=timedelta(minutes=raw.check_in_before_minutes),
        check_in_after=timedelta(minutes=raw.check_in_after_minutes),
        remind_before=timedelta(minutes=raw.remind_minutes), remind_day_before_at=raw.remind_day_before_at,
        no_shows=raw.no_shows, no_show_window=timedelta(days=raw.no_show_days),
        suspension=timedelta(days=raw.suspend_days), per_address=raw.per_address,
    )


def _notifications(raw: _Notifications | None) -> NotificationRules | None:
    if raw is None:
        return None
    return NotificationRules(raw.webhook_url, raw.key_id, raw.secret_env, timedelta(hours=raw.retry_hours), raw.ahead,
                             timedelta(seconds=raw.first_retry_seconds))


# --- public API -----------------------------------------------------------


def _fail(path: Path, problems: Iterable[_Problem]) -> ConfigError:
    return ConfigError([f"{path}: {key}: {message}" for key, message in problems])


def load_hall(path: Path) -> Hall:
    """Read and check one hall file; raise ConfigError naming every problem."""
    try:
        raw = _HallFile.model_validate(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as error:
        raise _fail(path, [("(file)", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise _fail(path, [("(file)", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, [("(file)", f"not valid TOML: {error}")]) from None
    except ValidationError as error:
        raise _fail(path, _shape_problems(error)) from None
    placed = _place_windows(raw)
    problems = list(_cross_problems(raw, placed))
    if problems:
        raise _fail(path, problems)
    return _build(raw, [p.window for p in placed])


def _hall_files(paths_or_dir: Path | Sequence[Path]) -> list[Path]:
    if isinstance(paths_or_dir, (str, Path)):
        path = Path(paths_or_dir)
        return sorted(path.glob("*.toml")) if path.is_dir() else [path]
    return [Path(p) for p in paths_or_dir]


def _unknown_halls(halls: dict[str, Hall], source: dict[str, Path]) -> Iterator[str]:
    """A manager's further halls must be loaded too: the halls of one file cannot be checked alone."""
    for hall in halls.values():
        for index, member in enumerate(hall.staff):
            for position, other in enumerate(member.halls):
                if other not in halls:
                    yield (f"{source[hall.id]}: staff[{index}].halls[{position}]: unknown hall {other}"
                           f" (loaded: {', '.join(sorted(halls))})")


def load_halls(paths_or_dir: Path | Sequence[Path]) -> dict[str, Hall]:
    """Load several halls (a directory means its *.toml files), keyed by hall id.

    All files are checked before failing, so one run lists every problem.
    """
    halls: dict[str, Hall] = {}
    source: dict[str, Path] = {}
    problems: list[str] = []
    files = _hall_files(paths_or_dir)
    if not files:
        problems.append(f"{paths_or_dir}: (directory): no *.toml hall files")
    for path in files:
        try:
            hall = load_hall(path)
        except ConfigError as error:
            problems.extend(error.problems)
            continue
        if hall.id in halls:
            problems.append(f"{path}: hall.id: duplicate hall id {hall.id} (also {source[hall.id]})")
        else:
            halls[hall.id], source[hall.id] = hall, path
    problems.extend(_unknown_halls(halls, source))
    if problems:
        raise ConfigError(problems)
    return halls


# --- one device or staff entry against a running hall (devices and staff managed live) -----

Entry = dict[str, Any]  # the keys of one [[devices]] or [[staff]] entry
# Stands in for the hash while an entry is checked: the server makes the real one.
_PLACEHOLDER = {"token_hash": "sha256$" + "0" * 64, "password_hash": "pbkdf2_sha256$1$placeholder$00"}


def device_problems(hall: Hall, entry: Entry) -> list[_Problem]:
    """A device's keys (those of a [[devices]] entry but its token hash) checked against the running
    hall as strictly as the file is: key paths name the entry's own keys ("zones[0]")."""
    try:
        device = _Device.model_validate({**entry, "token_hash": _PLACEHOLDER["token_hash"]})
    except ValidationError as error:
        return _shape_problems(error)
    zones = {z.code for z in hall.zones}
    problems = [p for position, zone in enumerate(device.zones)
                for p in _unknown(f"zones[{position}]", zone, zones, "zone")]
    services = [_Service(code=s.code, name=s.name, zone=s.zone, department=s.department,
                         typical_minutes=float(s.typical_minutes)) for s in hall.services]
    windows = {w.number for w in hall.windows}
    problems += _check_device("", device, windows, {w.floor for w in hall.windows}, services)
    return [(path.lstrip(".") or "(device)", message) for path, message in problems]


def staff_problems(hall: Hall, entry: Entry, halls: Collection[str]) -> list[_Problem]:
    """A staff member's keys (those of a [[staff]] entry but its password hash) checked as strictly as
    the file; `halls`: the halls the server runs, which a manager's further halls must be among."""
    try:
        member = _Staff.model_validate({**entry, "password_hash": _PLACEHOLDER["password_hash"]})
    except ValidationError as error:
        return _shape_problems(error)
    problems = list(_check_member("", member, {w.number for w in hall.windows}))
    problems += [p for position, other in enumerate(member.halls)
                 for p in _unknown(f"halls[{position}]", other, set(halls) - {hall.id}, "hall")]
    return [(path.lstrip(".") or "(staff)", message) for path, message in problems]


def device_from(entry: Entry) -> Device:
    """A device from its keys and token hash, as stored (checked when they were set)."""
    return _device_of(_Device.model_validate(entry))


def member_from(entry: Entry) -> StaffMember:
    return _member_of(_Staff.model_validate(entry))


def device_entry(device: Device) -> Entry:
    """The keys of a device's [[devices]] entry, but its id, kind and token hash."""
    return {"zones": list(device.zones), "screen": device.screen or None, "window": device.window,
            "printer": device.printer, "floor": device.floor, "voice": None if device.voice == "auto" else device.voice,
            "common": None if device.common is None else list(device.common)}
