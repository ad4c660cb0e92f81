"""How a printed ticket words the hall's places: floors, runs of windows, notices."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

# A line under the number for tickets that are not plain walk-ins, by priority.
NOTICES = {"green": "绿色通道 优先办理", "appointment": "预约号 请按预约时段到场"}


def floor_label(floor: int) -> str:
    if floor == 0:
        return "首层"
    return f"{floor}楼" if floor > 0 else f"地下{-floor}层"


class WindowGroup(Protocol):
    """Windows on one floor in one zone (server.hall.WindowGroup)."""

    @property
    def floor(self) -> int: ...
    @property
    def zone(self) -> str | None: ...  # None: the floor's universal windows
    @property
    def numbers(self) -> tuple[int, ...]: ...


def windows_summary(groups: Iterable[WindowGroup]) -> str | None:
    """Where the ticket may be called to, floor by floor: "1楼 B区 8个窗口、1楼 综合窗口 8个"."""
    return "、".join(map(_group_text, groups)) or None


def _group_text(group: WindowGroup) -> str:
    floor, count = floor_label(group.floor), len(group.numbers)
    if group.zone is None:
        return f"{floor} {group.numbers[0]}号综合窗口" if count == 1 else f"{floor} 综合窗口 {count}个"
    return f"{floor} {group.zone}区 " + (f"{group.numbers[0]}号窗口" if count == 1 else f"{count}个窗口")
