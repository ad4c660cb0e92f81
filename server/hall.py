"""The hall as configured: zones, services, windows, hours and rules.

These objects are immutable and built once by `server.config` from TOML; every
other module reads them, none changes them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import cached_property
from zoneinfo import ZoneInfo


class Priority(str, Enum):
    """Priority classes of a ticket, most urgent first."""

    GREEN = "green"  # 绿色通道: elderly, weak, sick, disabled, military
    APPOINTMENT = "appointment"  # 预约
    NORMAL = "normal"  # walk-in


class RejoinPolicy(str, Enum):
    BACK = "back"  # a no-show who comes back joins the end of the queue
    BEHIND = "behind"  # ... or N places behind the head


class StaffRole(str, Enum):
    CLERK = "clerk"  # serves at the windows their entry lists
    MANAGER = "manager"  # runs one or more halls: any window, lifts lockouts, takes over
    ADMIN = "admin"  # everything a manager may, and the hall's configuration and devices
    OFFICER = "officer"  # a summoned department's officer (事进人不进): its summons only, never a window


class DeviceKind(str, Enum):
    KIOSK = "kiosk"
    SCREEN = "screen"
    EVALUATOR = "evaluator"  # 评价器: the evaluation tablet at one window (好差评)


@dataclass(frozen=True)
class Zone:
    code: str  # "A"
    name: str  # "不动产登记"
    floor: int
    prefix: str  # ticket prefix letter, "A"
    name_en: str | None = None  # shown when the kiosk speaks English; None: the Chinese name


@dataclass(frozen=True)
class Service:
    code: str  # unique in the hall, e.g. "A01"
    name: str  # "不动产转移登记"
    zone: str  # Zone.code
    department: str  # "市不动产登记中心"
    typical_minutes: float  # typical handling time, feeds wait estimates
    name_en: str | None = None  # shown when the kiosk speaks English; None: the Chinese name


@dataclass(frozen=True)
class ServiceRank:
    """One entry of a window's profile: lower level is served first."""

    service: str
    level: int


@dataclass(frozen=True)
class Window:
    number: int  # unique in the hall, shown as "15号窗口"
    floor: int
    zone: str | None  # None for a universal (无差别) window
    profile: tuple[ServiceRank, ...]  # empty for a universal window: serves everything
    posts: tuple[str, ...] = ("A",)  # AB岗: which posts may hold the window
    label: str = ""

    @property
    def universal(self) -> bool:
        return self.zone is None

    @cached_property
    def calling_profile(self) -> tuple[bool, tuple[tuple[str, int], ...]]:
        """What decides the order this window calls in: windows with equal ones call alike."""
        return self.universal, tuple((r.service, r.level) for r in self.profile)

    @cached_property
    def levels(self) -> dict[str, int] | None:
        """Profile level by service; None for a universal window (every service at level 0)."""
        if self.universal:
            return None
        return {r.service: r.level for r in self.profile}  # the config refuses a service listed twice

    def level_of(self, service: str) -> int | None:
        """Profile level of a service at this window, None when not served."""
        levels = self.levels
        return 0 if levels is None else levels.get(service)


@dataclass(frozen=True)
class Session:
    start: time
    end: time


@dataclass(frozen=True)
class BusinessHours:
    weekdays: frozenset[int]  # ISO weekdays the hall opens, 1 = Monday
    sessions: tuple[Session, ...]  # e.g. 09:00-12:00, 13:00-17:00
    lunch_service: bool  # 午间不间断服务: the gap between sessions is served too

    def is_open(self, local: datetime) -> bool:
        if local.isoweekday() not in self.weekdays or not self.sessions:
            return False
        now = local.time()
        if self.lunch_service:
            return self.sessions[0].start <= now < self.sessions[-1].end
        return any(s.start <= now < s.end for s in self.sessions)

    def serving_periods(self, day: date, timezone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """When windows call on a day the hall opens (server.calendar says which): the sessions,
        or their whole span when the hall serves through lunch."""
        if not self.sessions:
            return []
        spans = [(self.sessions[0].start, self.sessions[-1].end)] if self.lunch_service else [
            (s.start, s.end) for s in self.sessions]
        return [(datetime.combine(day, a, timezone), datetime.combine(day, b, timezone)) for a, b in spans]


@dataclass(frozen=True)
class CalendarRules:
    """Which days the hall opens beside its weekdays (server.calendar)."""

    legal_holidays: bool = True  # closed on China's legal holidays, open on their 调休 make-up working days
    closed: frozenset[date] = frozenset()  # the hall's own closures
    extra_open: frozenset[date] = frozenset()  # and its own extra open days


@dataclass(frozen=True)
class BookingRules:
    """Appointments (server.bookings): slots, capacity, and the rules a citizen's bookings follow."""

    slot: timedelta = timedelta(minutes=30)
    share: float = 0.3  # of a service's handling capacity kept for bookings; at most MAX_BOOKING_SHARE
    capacity: tuple[tuple[str, int], ...] = ()  # (service, places per slot) set in the hall file; others derived
    services: frozenset[str] | None = None  # bookable services; None: every service
    days_ahead: int = 7  # a slot may be booked up to this many days ahead
    cancel_before: timedelta = timedelta(hours=2)  # a booking may be cancelled until this long before its slot
    check_in_before: timedelta = timedelta(minutes=30)  # a check-in this long before the slot keeps the priority
    check_in_after: timedelta = timedelta(minutes=15)  # ... and until this long after its start; later is a walk-in
    remind_before: timedelta = timedelta(minutes=60)  # "your slot begins soon" this long before it
    remind_day_before_at: time = time(18, 0)  # the day before's reminder, at this hall time
    no_shows: int = 3  # this many no-shows ...
    no_show_window: timedelta = timedelta(days=30)  # ... within this period ...
    suspension: timedelta = timedelta(days=30)  # ... suspend booking for this long
    per_address: int = 20  # bookings one client address makes in a row before each next one must wait

    def configured_capacity(self, service: str) -> int | None:
        return dict(self.capacity).get(service)

    def bookable(self, service: str) -> bool:
        return self.services is None or service in self.services


MAX_BOOKING_SHARE = 0.5  # walk-ins are never refused: at least half of every slot stays theirs


@dataclass(frozen=True)
class PriorityRules:
    green_groups: tuple[str, ...]  # 老、弱、病、残、军 as configured labels
    green_auto_age: int | None  # a card holder this old gets the green channel
    max_open_tickets_per_person: int | None  # open tickets one person may hold per service per day; None = no limit


@dataclass(frozen=True)
class QueueRules:
    starvation: timedelta  # a category head waiting longer is served first
    rejoin: RejoinPolicy
    rejoin_places: int  # used with RejoinPolicy.BEHIND


@dataclass(frozen=True)
class AlarmThresholds:
    yellow_wait: timedelta  # 黄牌: warn before the limit
    red_wait: timedelta  # 红牌: limit exceeded
    device_silent: timedelta = timedelta(minutes=5)  # a screen or tablet unheard this long raises an alarm


@dataclass(frozen=True)
class NotificationRules:
    """Where the hall's notifications to citizens go: its SMS / WeChat gateway (docs/notifications.md)."""
    webhook_url: str
    key_id: str  # names the secret to the gateway, so it can be rotated
    secret_env: str  # the environment variable holding the signing secret (never the config file)
    retry_for: timedelta  # a delivery the gateway keeps refusing is given up after this
    ahead: int  # "前面还有 N 人": remind a waiting ticket once this few are ahead of it
    first_retry: timedelta = timedelta(seconds=2)  # a refused delivery's first wait; doubled after each


@dataclass(frozen=True)
class SummonsDepartment:
    """A department in the hall only as matters (事进人不进): the centre summons its officer."""
    id: str  # short code: its live topic is department:<id>
    name: str
    services: tuple[str, ...]  # the services it is summoned for
    officers: tuple[str, ...]  # staff ids of role officer
    mobile: str  # its contact mobile: where the summons is sent
    promise: str  # its service promise, published at the universal window


@dataclass(frozen=True)
class SummonsRules:
    arrive: timedelta = timedelta(minutes=20)  # its officer arrives within this (the SLA)
    warn: timedelta = timedelta(minutes=15)  # yellow from here, red from `arrive`
    auto: bool = False  # summon when service starts (else the console's button)
    departments: tuple[SummonsDepartment, ...] = ()

    def for_service(self, service: str) -> SummonsDepartment | None:
        return next((d for d in self.departments if service in d.services), None)

    def department(self, department_id: str) -> SummonsDepartment | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def of_officer(self, staff_id: str) -> SummonsDepartment | None:
        return next((d for d in self.departments if staff_id in d.officers), None)


@dataclass(frozen=True)
class RatingReason:
    """One entry of the checklist a bad rating picks its reasons from."""

    code: str  # stored with the rating, e.g. "wait"
    name: str  # "等候时间长"
    name_en: str  # "Long wait"


@dataclass(frozen=True)
class FollowUpRules:
    """差评整改: how long a bad rating's case has, and what closes it (docs/ratings.md)."""

    working_days: int = 15  # due by the end of the n-th working day after the rating's day
    warn_working_days: int = 3  # yellow from the start of the last this many working days
    callback_attempts: int = 3  # this many unreached callbacks count as called back


@dataclass(frozen=True)
class RatingRules:
    """好差评 at the windows and on the phone (docs/ratings.md)."""

    timeout: timedelta  # the window's tablet asks this long after the service; unanswered, it is 未评价
    phone_window: timedelta  # the ticket's phone page may still rate this long after the service (0: never)
    reasons: tuple[RatingReason, ...]  # a bad rating names one or more of these
    follow_up: FollowUpRules = FollowUpRules()

    def reason(self, code: str) -> RatingReason | None:
        return next((r for r in self.reasons if r.code == code), None)


@dataclass(frozen=True)
class StaffingTarget:
    """What the staffing advice asks of each zone and hour (docs/staffing.md)."""

    share: float = 0.9  # of the zone's arrivals in the hour ...
    minutes: float = 20  # ... called within this long

    @property
    def seconds(self) -> float:
        return self.minutes * 60


@dataclass(frozen=True)
class AssessmentRules:
    """The 100-point monthly assessment of a window (docs/reports.md): points off per thing observed or
    entered, what attendance allows, and how the ranking names and flags windows."""

    late: float = 0.1  # per late arrival (signed in after a session's start + late_grace)
    early_leave: float = 0.1  # per early leave (signed out before a session's end - early_grace)
    away: float = 0.2  # per 脱岗: a pause or a gap longer than away_after inside a session
    half_day_absent: float = 0.3  # per session not signed in at all
    late_follow_up: float = 0.5  # per bad rating whose 回访整改 was late (closed after, or open past, its deadline)
    queue_order: float = 0.1  # per entry: queue order not kept (不提醒群众按秩序排队)
    complaint: float = 5  # per valid complaint
    not_on_the_spot: float = 2  # per 即办件 not finished on the spot
    past_time_limit: float = 5  # per promised matter past its time limit
    praise: float = 2  # per letter of praise
    banner: float = 3  # per banner (锦旗)
    late_grace: timedelta = timedelta(minutes=5)
    early_grace: timedelta = timedelta(0)
    away_after: timedelta = timedelta(minutes=15)
    excused_pauses: frozenset[str] = frozenset({"meeting", "system"})  # pause reasons never 脱岗
    red_flag_windows: int = 3  # 红旗窗口: the top this many windows
    model_staff: int = 5  # 优秀服务标兵: who held the top this many windows longest
    bottom: int = 3  # the bottom this many windows ...
    bottom_below: float = 80  # ... below this many points are flagged
    bottom_times: int = 3  # accountability: flagged this often within twelve months ...
    below_in_a_row: int = 2  # ... or below bottom_below this many months in a row


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    role: StaffRole
    password_hash: str  # see server.credentials.hash_password
    windows: frozenset[int] | None = None  # a clerk's windows; None: every window (files without the key)
    halls: tuple[str, ...] = ()  # a manager's or admin's further halls, beside the one listing them

    @property
    def is_manager(self) -> bool:
        return self.role in (StaffRole.MANAGER, StaffRole.ADMIN)

    def may_hold(self, window: int) -> bool:
        """Whether this member may sign in at the window: a manager anywhere, a clerk at their own."""
        if self.role is StaffRole.OFFICER:
            return False
        return self.is_manager or self.windows is None or window in self.windows


@dataclass(frozen=True)
class WindowGroup:
    """Windows that serve a ticket, as a citizen looks for them: on one floor, in one zone."""

    floor: int
    zone: str | None  # None: the floor's universal (无差别) windows
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class Device:
    id: str
    kind: DeviceKind
    token_hash: str  # see server.credentials.hash_token
    zones: tuple[str, ...] = ()  # kiosk: zones offered (empty = all); screen: zone shown
    screen: str = ""  # screen: "hall", "zone" or "window"
    window: int | None = None  # screen "window": the window it signs; evaluator: the window it stands at
    printer: str | None = None  # kiosk: its ticket printer's profile ("58mm", "80mm"); None: no printer
    floor: int | None = None  # hall screen: the one floor it shows (None: the whole hall, or its zones)
    voice: str = "auto"  # screen: "auto" (see server.screens), "on" or "off"
    common: tuple[str, ...] | None = None  # kiosk: its common services (None: the hall's, see Hall.common_for)


@dataclass(frozen=True)
class Hall:
    id: str  # short code, carried by every database row
    name: str
    timezone: ZoneInfo
    zones: tuple[Zone, ...]
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    hours: BusinessHours
    priority: PriorityRules
    queue: QueueRules
    alarms: AlarmThresholds
    staff: tuple[StaffMember, ...]
    devices: tuple[Device, ...]
    ratings: RatingRules
    public_url: str | None = None  # where phones reach the server, no trailing "/"; None: unset
    notices: tuple[str, ...] = ()  # 电子公告屏 texts for idle screens
    announcement: str = "请 {number} 号 到 {window} 号窗口 办理"
    notifications: NotificationRules | None = None  # None: the hall sends none
    common: tuple[str, ...] = ()  # [kiosk] common: the services a kiosk's start screen offers at one tap
    calendar: CalendarRules = CalendarRules()
    bookings: BookingRules = BookingRules()
    summons: SummonsRules = SummonsRules()
    staffing: StaffingTarget = StaffingTarget()
    assessment: AssessmentRules = AssessmentRules()
    retention_days: int | None = None  # [retention] days: older tickets, stays and events are archived; None: kept
    _index: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(
            zone={z.code: z for z in self.zones},
            service={s.code: s for s in self.services},
            window={w.number: w for w in self.windows},
            staff={s.id: s for s in self.staff},
            device={d.id: d for d in self.devices},
            serving={s.code: tuple(w for w in self.windows if w.level_of(s.code) is not None)
                     for s in self.services},
        )

    def zone(self, code: str) -> Zone | None:
        return self._index["zone"].get(code)

    def service(self, code: str) -> Service | None:
        return self._index["service"].get(code)

    def window(self, number: int) -> Window | None:
        return self._index["window"].get(number)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return self._index["staff"].get(staff_id)

    def device(self, device_id: str) -> Device | None:
        return self._index["device"].get(device_id)

    def roster(self, window: int) -> tuple[StaffMember, ...]:
        """Who may sign in at the window: its clerks, and every manager and admin."""
        return tuple(s for s in self.staff if s.may_hold(window))

    def windows_serving(self, service: str) -> tuple[Window, ...]:
        """The windows whose profile serves `service` (every universal window does)."""
        return self._index["serving"].get(service, ())

    def common_for(self, device: Device | None) -> tuple[str, ...]:
        """A kiosk's common services: its own list, else the hall's within the zones it offers."""
        if device is not None and device.common is not None:
            return device.common
        if device is None or not device.zones:
            return self.common
        return tuple(code for code in self.common if self._index["service"][code].zone in device.zones)

    def window_groups(self, numbers: Iterable[int]) -> tuple[WindowGroup, ...]:
        """The windows by floor, then zone (a floor's universal windows last): "一楼 A区 39个窗口"
        says where to wait better than "1-39、89-96号窗口"."""
        groups: dict[tuple[int, str | None], list[int]] = {}
        for number in sorted(set(numbers)):
            window = self.window(number)
            if window is not None:
                groups.setdefault((window.floor, window.zone), []).append(number)
        order = sorted(groups, key=lambda key: (key[0], key[1] is None, key[1] or ""))
        return tuple(WindowGroup(floor, zone, tuple(groups[floor, zone])) for floor, zone in order)

    def services_in(self, zone: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.zone == zone)

    def status_url(self, status_token: str, request_base: str) -> str:
        """The ticket's status page, the QR code's link: under the hall's public address, or
        (unset) under the address the request came in by, which a phone outside the hall's
        network may not reach."""
        return f"{self.public_url or request_base}/t/{status_token}"

    def booking_url(self, path: str, request_base: str) -> str:
        """A booking's page (its QR code's link), under the same address as a ticket's."""
        return f"{self.public_url or request_base}{path}"

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)
