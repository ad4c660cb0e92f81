"""How a printed ticket words the hall's places: floors, runs of windows, notices."""
from __future__ import annotations

from collections.abc import Iterable

# A line under the number for tickets that are not plain walk-ins, by priority.
NOTICES = {"green": "绿色通道 优先办理", "appointment": "预约号 请按预约时段到场"}


def floor_label(floor: int) -> str:
    if floor == 0:
        return "首层"
    return f"{floor}楼" if floor > 0 else f"地下{-floor}层"


def window_label(numbers: Iterable[int]) -> str | None:
    """(1, 2, 3, 7) -> "1-3、7号窗口"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    if not runs:
        return None
    return "、".join(str(a) if a == b else f"{a}-{b}" for a, b in runs) + "号窗口"
