"""The 100-point monthly assessment of a window (WORKFLOWS §4, docs/reports.md).

Five parts, each losing points down to 0 and no further, and rewards on top:
    纪律考勤 discipline   30  late arrivals, early leaves, 脱岗, half days absent (observed);
                             queue order not kept, valid complaints (entered)
    业务办理 business     30  bad ratings whose 回访整改 was late (observed); 即办件 not finished on the spot,
                             promised matters past their time limit (entered)
    现场管理 leadership   20  entered as points off
    卫生     hygiene      10  entered as points off
    信息化   it           10  entered as points off
    rewards                  letters of praise, banners (entered)
What each thing costs is the hall's `[assessment]` (server.hall.AssessmentRules).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.hall import AssessmentRules
from server.reports.attendance import Attendance


class Part(str, Enum):
    DISCIPLINE = "discipline"
    BUSINESS = "business"
    LEADERSHIP = "leadership"
    HYGIENE = "hygiene"
    IT = "it_discipline"


PART_POINTS = {Part.DISCIPLINE: 30.0, Part.BUSINESS: 30.0, Part.LEADERSHIP: 20.0, Part.HYGIENE: 10.0, Part.IT: 10.0}


class Category(str, Enum):
    """What the centre enters: a count of something (its rule gives the points), or points off a part."""

    LEADERSHIP = "leadership"  # points off 现场管理
    HYGIENE = "hygiene"  # points off 卫生
    IT = "it_discipline"  # points off 信息化
    QUEUE_ORDER = "queue_order"
    COMPLAINT = "complaint"
    NOT_ON_THE_SPOT = "not_on_the_spot"
    PAST_TIME_LIMIT = "past_time_limit"
    PRAISE = "praise"
    BANNER = "banner"

    @property
    def scored(self) -> bool:
        """Entered as points off its part, not as a count."""
        return self in (Category.LEADERSHIP, Category.HYGIENE, Category.IT)


class Observed(str, Enum):
    """What hallq sees itself."""

    LATE = "late"
    EARLY_LEAVE = "early_leave"
    AWAY = "away"
    HALF_DAY_ABSENT = "half_day_absent"
    LATE_FOLLOW_UP = "late_follow_up"


# Where each thing counts (None: a reward) ...
PART_OF: dict[str, Part | None] = {
    Observed.LATE.value: Part.DISCIPLINE, Observed.EARLY_LEAVE.value: Part.DISCIPLINE,
    Observed.AWAY.value: Part.DISCIPLINE, Observed.HALF_DAY_ABSENT.value: Part.DISCIPLINE,
    Category.QUEUE_ORDER.value: Part.DISCIPLINE, Category.COMPLAINT.value: Part.DISCIPLINE,
    Observed.LATE_FOLLOW_UP.value: Part.BUSINESS, Category.NOT_ON_THE_SPOT.value: Part.BUSINESS,
    Category.PAST_TIME_LIMIT.value: Part.BUSINESS, Category.LEADERSHIP.value: Part.LEADERSHIP,
    Category.HYGIENE.value: Part.HYGIENE, Category.IT.value: Part.IT,
    Category.PRAISE.value: None, Category.BANNER.value: None,
}


def unit_points(what: str, rules: AssessmentRules) -> float:
    """What one of `what` is worth; a scored part's entries are points already."""
    if what in (Category.LEADERSHIP.value, Category.HYGIENE.value, Category.IT.value):
        return 1.0
    value: float = getattr(rules, what)
    return value


@dataclass(frozen=True)
class Item:
    what: str  # an Observed or a Category value
    count: float  # how many (points, for a scored part)
    points: float  # off its part (positive), or the reward

    def public(self) -> dict[str, Any]:
        part = PART_OF[self.what]
        return {"what": self.what, "part": part.value if part else "reward", "count": _round(self.count),
                "points": _round(self.points)}


@dataclass(frozen=True)
class Points:
    parts: dict[Part, float]  # points left of each part
    rewards: float
    items: tuple[Item, ...]

    @property
    def total(self) -> float:
        return _round(sum(self.parts.values()) + self.rewards)

    def public(self) -> dict[str, Any]:
        return {"total": self.total, "parts": {p.value: _round(v) for p, v in self.parts.items()},
                "rewards": _round(self.rewards), "items": [i.public() for i in self.items]}


def _round(value: float) -> float:
    return round(value + 0.0, 2)


def observed_counts(attendance: Attendance, late_follow_ups: int) -> dict[str, float]:
    return {Observed.LATE.value: attendance.late, Observed.EARLY_LEAVE.value: attendance.early_leaves,
            Observed.AWAY.value: attendance.away, Observed.HALF_DAY_ABSENT.value: attendance.half_days_absent,
            Observed.LATE_FOLLOW_UP.value: late_follow_ups}


def entered_counts(entries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """The amounts of a window's entries summed per category (corrections included)."""
    counts: dict[str, float] = {}
    for entry in entries:
        counts[entry["category"]] = counts.get(entry["category"], 0.0) + entry["amount"]
    return counts


def score(counts: Mapping[str, float], rules: AssessmentRules) -> Points:
    """A window's points from what was observed and entered."""
    off = dict.fromkeys(PART_POINTS, 0.0)
    rewards, items = 0.0, []
    for what in PART_OF:  # a fixed order: the report lists items alike for every window
        count = counts.get(what, 0)
        if not count:
            continue
        points = count * unit_points(what, rules)
        items.append(Item(what, count, points))
        part = PART_OF[what]
        if part is None:
            rewards += points
        else:
            off[part] += points
    parts = {part: max(0.0, full - off[part]) for part, full in PART_POINTS.items()}
    return Points(parts, rewards, tuple(items))
