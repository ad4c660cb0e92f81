"""The shapes of the main JSON answers, for the OpenAPI document.

Handlers build their answers from the domain objects' `public()` views; these
models say what those views hold, and the schemathesis run in
tests/test_openapi_conformance.py holds every real answer to them.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.hall import Priority
from server.model import PauseReason, RatingLevel, TicketStatus, WindowStateName


class TicketView(BaseModel):
    """A ticket as any screen may show it (server.model.Ticket.public): the holder's name masked."""

    id: int
    number: str
    service: str
    zone: str
    priority: Priority
    status: TicketStatus
    window: int | None
    target_window: int | None
    issued_at: datetime
    day: date
    queued_at: datetime
    arrival_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    call_count: int
    holder: str | None
    message: str | None  # from the clerk to the citizen, ID and mobile numbers masked


class StaffTicketView(TicketView):
    """What the window clerk sees (Ticket.for_staff): adds the masked ID number and the internal note."""

    identity: str | None
    note: str | None
    first_called_at: datetime | None


class WindowView(BaseModel):
    number: int
    state: WindowStateName
    staff_id: str | None
    post: str | None
    pause_reason: PauseReason | None
    pause_message: str | None  # for the citizens waiting
    current_ticket: int | None
    changed_at: datetime | None
    pause_note: str | None = None  # internal: in staff answers only


class WindowGroupView(BaseModel):
    """Windows that may call the ticket on one floor in one zone (Hall.window_groups)."""

    floor: int
    zone: str | None  # None: the floor's universal windows
    numbers: list[int]


# null: no window that may serve it is signed in (open or paused), so no wait can be promised (暂无开放窗口)
EstimatedWait = int | None
# [low, high] minutes: the twin's sampled runs, 20th to 80th percentile; null with no estimate
EstimatedRange = list[int] | None


class Issued(BaseModel):
    ticket: TicketView
    status_token: str
    people_ahead: int
    estimated_wait_minutes: EstimatedWait
    estimated_wait_range: EstimatedRange
    windows: list[int]
    window_groups: list[WindowGroupView]  # the same windows by floor and zone, as the ticket words them
    hall_name: str
    status_url: str  # the QR code's link: the ticket's status page under the hall's public_url
    created: bool
    # why the ticket is not what was asked: "appointment_needs_check_in" (priority appointment asked for
    # without a booking: a walk-in), "booking_late" (checked in after its window: a walk-in)
    notice: str | None = None


class MobileAttached(BaseModel):
    """A mobile number attached to a ticket for its queue reminders (server.ticket_mobiles)."""

    ticket: int
    number: str
    mobile: str  # masked: 138****5678
    ahead_reminder: bool  # "前面还有 N 人" is still to come; false when the ticket is that near already


class RejoinRule(BaseModel):
    """How a no-show who comes back rejoins (queue.rejoin in the hall file)."""

    policy: Literal["back", "behind"]  # the end of the queue, or `places` behind its head
    places: int


class PublicStatus(BaseModel):
    """What the citizen's phone shows (server.public_ticket.public_status)."""

    ticket: TicketView
    people_ahead: int
    estimated_wait_minutes: EstimatedWait
    estimated_wait_range: EstimatedRange
    hall_name: str
    service_name: str
    zone_name: str
    floor: int | None
    timezone: str  # the hall's IANA zone: the page shows times in hall time
    final: bool  # nothing more will happen to the ticket: the page stops following it
    rejoin: RejoinRule
    summons: dict[str, Any] | None = None  # its 事进人不进 department's latest summons (server.summons.view)


class ServiceFigures(BaseModel):
    """One service's waiting figures (server.queue_state.HallQueue.figures)."""

    service: str
    zone: str
    waiting: int
    open_windows: int
    longest_wait_seconds: int
    waiting_since: datetime | None  # the longest-waiting ticket's place in the queue; null: nobody waits
    estimated_wait_minutes: EstimatedWait
    unattended_since: datetime | None  # since when people wait with no window open to serve them


class ZoneFigures(BaseModel):
    zone: str
    waiting: int
    open_windows: int
    estimated_wait_minutes: EstimatedWait  # the longest of its services'; null when none has a window signed in
    unattended_since: datetime | None


class Queues(BaseModel):
    """The waiting figures per service and zone, as pages are also pushed them."""

    at: datetime
    services: list[ServiceFigures]
    zones: list[ZoneFigures]


class TicketAnswer(BaseModel):
    ticket: StaffTicketView


class NextTicketAnswer(BaseModel):
    ticket: StaffTicketView | None  # nobody waits


class ServedAnswer(BaseModel):
    finished: StaffTicketView | None  # nothing was at the window
    ticket: StaffTicketView | None  # nobody waits


class TicketEvent(BaseModel):
    seq: int
    at: datetime
    kind: str
    window: int | None
    staff_id: str | None


class TicketHistory(BaseModel):
    ticket: StaffTicketView
    times: dict[str, float | None]
    events: list[TicketEvent]
    summons: dict[str, Any] | None  # the latest summons of its department (事进人不进), for a console opened late
    at: datetime  # when the server read it


class WindowAnswer(BaseModel):
    window: WindowView


class WindowsAnswer(BaseModel):
    windows: list[WindowView]


class StaffView(BaseModel):
    id: str
    name: str
    role: str


class LoginAnswer(BaseModel):
    token: str
    hall: str
    staff: StaffView


class MeAnswer(BaseModel):
    staff: StaffView
    hall: str
    window: WindowView | None


class Done(BaseModel):
    ok: bool


class HallHealth(BaseModel):
    id: str
    name: str
    zones: int
    windows: int
    event_seq: int


class Health(BaseModel):
    ok: bool
    halls: list[HallHealth]
    api: str


class Readiness(BaseModel):
    ok: bool
    database: Literal["ok"]


class ClockAnswer(BaseModel):
    now: datetime


class ZoneCourseView(BaseModel):
    zone: str
    waiting: list[int]  # one figure per sample
    longest_wait_s: list[float]


class HourFlowView(BaseModel):
    at: datetime  # the hour's start, hall time
    arrivals: int  # tickets issued in the hour
    served: int  # stays ended done in the hour


class DayCourseAnswer(BaseModel):
    """A business day's course (server.day_stats.DayCourse.public)."""

    hall: str
    day: date
    timezone: str  # the hall's IANA zone: samples and hours are shown in hall time
    bucket_minutes: int
    samples: list[datetime]
    zones: list[ZoneCourseView]
    hours: list[HourFlowView]


class EstimateAccuracyView(BaseModel):
    """One group's waits told at issue against the waits until the first call (server.estimate_accuracy)."""

    key: str  # the zone or service code, the day (YYYY-MM-DD) or the hall's id
    tickets: int  # told an estimate and called at least once
    mae_min: float  # mean |estimate - wait|, minutes
    bias_min: float  # mean (estimate - wait): negative when told too short
    p90_abs_error_min: float
    within_5: int  # |estimate - wait| at most 5 minutes
    within_5_share: float  # of tickets, 4 places


class EstimateAccuracyAnswer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    by: Literal["zone", "service", "day", "hall"]
    from_: date = Field(alias="from")
    to: date
    within_minutes: int
    groups: list[EstimateAccuracyView]  # only groups with a ticket measured, by key


class RatingView(BaseModel):
    """A 好差评 rating as the tablet, the phone and the event log show it (server.ratings.Rating.public)."""

    id: int
    ticket: int
    number: str
    serving: int  # the stay at the window it rates
    window: int
    staff_id: str | None
    service: str
    zone: str
    department: str
    level: RatingLevel
    score: int  # 5 非常满意 … 1 非常不满意
    bad: bool  # 差评: the bottom two
    reasons: list[str]  # codes of the hall's checklist; a bad rating's only
    channel: Literal["tablet", "phone"]
    rated_at: datetime


class ManagerRatingView(RatingView):
    comment: str | None  # a bad rating's own words, ID and mobile numbers masked: managers only


class RatingAnswer(BaseModel):
    rating: RatingView


class RatingReasonView(BaseModel):
    code: str
    name: str
    name_en: str


class RatingRulesView(BaseModel):
    """What a tablet or phone needs to ask ([ratings] in the hall file)."""

    levels: list[RatingLevel]
    bad_levels: list[RatingLevel]  # these name reasons
    reasons: list[RatingReasonView]
    timeout_seconds: int  # the tablet asks this long after the service; unanswered it is 未评价
    phone_hours: float  # the phone may rate this long after the service
    text_max: int


class AwaitingView(BaseModel):
    ticket: int
    number: str
    service: str
    seconds_left: int


class RosterEntry(BaseModel):
    id: str  # the staff number (工号)
    name: str


class TabletAnswer(BaseModel):
    window: int
    rules: RatingRulesView
    awaiting: AwaitingView | None  # the service just finished here that still awaits its rating
    staff: list[RosterEntry]  # who may be on duty at the window


class TicketRatingAnswer(BaseModel):
    status: Literal["not_finished", "awaiting", "unrated", "rated"]
    phone_seconds_left: int  # the phone may rate for this long yet (0: no longer, or rated)
    rules: RatingRulesView
    rating: RatingView | None


class RatingsAnswer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    ratings: list[ManagerRatingView]


class CaseRatingView(BaseModel):
    """The bad rating a follow-up case is about."""

    id: int
    ticket: int
    number: str
    holder: str | None  # the citizen's name, masked
    window: int
    staff_id: str | None
    staff_name: str | None
    service: str
    service_name: str
    zone: str
    level: RatingLevel
    reasons: list[str]
    rated_at: datetime
    comment: str | None  # the citizen's own words: managers only


class CallbackView(BaseModel):
    reached: bool
    note: str
    by: str  # the manager's staff id
    at: datetime


class FixView(BaseModel):
    note: str
    by: str
    at: datetime


class FollowUpView(BaseModel):
    """A 差评整改 case (server.follow_ups.view)."""

    id: int
    department: str  # the rated service's: the one that must fix it
    day: date  # the rating's business day
    deadline: date  # the last working day
    warn_at: datetime  # yellow from here
    due_at: datetime  # the end of the deadline day: red after, unless closed
    state: Literal["open", "warning", "overdue", "closed"]
    alarm: Literal["yellow", "red"] | None
    rating: CaseRatingView
    callbacks: list[CallbackView]  # every attempt, oldest first
    called_back: bool  # reached, or the configured number of attempts made
    fix: FixView | None
    closed_at: datetime | None
    on_time: bool | None  # closed by due_at; None while open


class FollowUpsAnswer(BaseModel):
    follow_ups: list[FollowUpView]


class FollowUpAnswer(BaseModel):
    follow_up: FollowUpView


OpenFromName = Literal["observed", "signed_in", "last_week"]


class StaffingRowView(BaseModel):
    """One zone in one hour (server.staffing_advice): the windows needed beside those open or rostered."""

    zone: str
    hour: int  # of the hall's clock: the hour from hour:00
    arrivals: float  # expected in the hour
    needed: int  # of the zone's own windows, to call the target share within the target minutes
    windows: int  # the zone's windows: needed is at most this
    open: float | None  # open (a mean over the hour) or rostered; None: not known
    open_from: OpenFromName | None
    called_within_share: float | None  # with `needed` open; None: nobody expected
    enough: bool  # False: not even all the zone's windows meet the target


class UniversalRowView(BaseModel):
    hour: int
    needed: int  # universal windows that bring the zones short of their own windows to the target
    windows: int
    open: float | None
    open_from: OpenFromName | None
    enough: bool  # every zone meets the target with them


class StaffingTargetView(BaseModel):
    share: float
    minutes: float


class StaffingForecastView(BaseModel):
    source: Literal["history", "profile"]
    days: list[date]  # the days of history averaged
    arrivals: float  # expected in the whole day


class StaffingAnswer(BaseModel):
    """人员配置建议 for one day (server.staffing_advice)."""

    hall: str
    day: date
    timezone: str
    computed_at: datetime
    target: StaffingTargetView
    forecast: StaffingForecastView
    samples: int  # sampled days the counts are judged over
    hours: list[int]  # the hours the hall serves
    rows: list[StaffingRowView]
    universal: list[UniversalRowView]
