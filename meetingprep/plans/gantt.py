"""Geometry of the server-rendered timeline (SVG): bars from start to deadline, hand-off arrows,
month ticks, the today and opening lines. Pure computation, no queries.

The header has two rows of labels: 开幕 and 今天 above, the month and week ticks below. A label that would
run into one already placed is left out (its grid line stays), months first, so "30" never runs into "12月".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from meetingprep.bounds import clamp_date, clamp_moment
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import to_local

LABEL_WIDTH = 260
ROW_HEIGHT = 26
HEADER_HEIGHT = 44
MARKER_BASELINE = 13  # 开幕 / 今天
TICK_BASELINE = HEADER_HEIGHT - 12  # months and weeks, a line height below the markers
AXIS_FONT_SIZE = 11
LABEL_GAP = 4  # px kept free between two labels of a row
MIN_CHART_WIDTH = 900
MIN_DAY_WIDTH = 6
PAGE_SIZE = 100

STATUS_COLOURS = {
    TaskStatus.NOT_STARTED: "#8fb8f7",
    TaskStatus.IN_PROGRESS: "#0d6efd",
    TaskStatus.SUBMITTED: "#fd7e14",
    TaskStatus.RETURNED: "#ffc107",
    TaskStatus.DONE: "#adb5bd",
    TaskStatus.CANCELLED: "#dee2e6",
}
OVERDUE_COLOUR = "#dc3545"


@dataclass
class Bar:
    task: object
    x: float
    width: float
    y: float
    colour: str
    overdue: bool


@dataclass
class Chart:
    width: float
    height: float
    bars: list[Bar]
    arrows: list[str]  # SVG path data
    ticks: list[tuple[float, str]]  # (x, label); a label that would overlap another is "" (the line stays)
    today_x: float | None
    opening_x: float | None
    today_anchor: str = "start"  # SVG text-anchor: "end" draws the label left of its line, clear of the other
    opening_anchor: str = "start"
    label_width: int = LABEL_WIDTH
    row_height: int = ROW_HEIGHT
    header_height: int = HEADER_HEIGHT
    marker_baseline: int = MARKER_BASELINE
    tick_baseline: int = TICK_BASELINE
    outside: dict[int, list] = field(default_factory=dict)  # task id → hand-offs not drawn


def label_width(text: str) -> float:
    """A generous estimate of a label's drawn width: CJK characters a full em, others (digits) two thirds."""
    return sum(AXIS_FONT_SIZE if ord(char) >= 0x2E80 else AXIS_FONT_SIZE * 0.67 for char in text)


def _spaced(candidates: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Ticks in the given order of preference, each label drawn from x + 2; a label that would come within
    LABEL_GAP of one already kept is blanked. Sorted by x."""
    kept: list[tuple[float, float]] = []
    ticks = []
    for x, label in candidates:
        left, right = x + 2, x + 2 + label_width(label)
        if any(left < other_right + LABEL_GAP and other_left < right + LABEL_GAP for other_left, other_right in kept):
            label = ""
        else:
            kept.append((left, right))
        ticks.append((x, label))
    return sorted(ticks, key=lambda tick: tick[0])


def _marker_anchors(today_x: float, opening_x: float) -> tuple[str, str]:
    """开幕 and 今天 share the top row: when their labels (3 px right of each line) would meet, the left one is
    drawn to the left of its line instead."""
    width = label_width("今天") + LABEL_GAP + 3
    if abs(today_x - opening_x) >= width:
        return "start", "start"
    return ("end", "start") if today_x <= opening_x else ("start", "end")


def _due(task) -> dt.datetime:
    """The deadline as drawn: within the dates a form accepts (rows written before the bounds may lie at the
    edge of Python's range, where a day more or less overflows, and would stretch the chart over millennia)."""
    return clamp_moment(to_local(task.due_at))


def _start_day(task) -> dt.date:
    start = clamp_date(task.starts_on or to_local(task.created_at).date())
    return min(start, _due(task).date())


def layout(tasks: list, hand_offs: list, moment: dt.datetime, opens_at: dt.datetime) -> Chart:
    today, opening = clamp_moment(to_local(moment)), clamp_moment(to_local(opens_at))
    first = min([_start_day(t) for t in tasks] + [today.date(), opening.date()]) - dt.timedelta(days=1)
    last = max([_due(t).date() for t in tasks] + [today.date(), opening.date()]) + dt.timedelta(days=2)
    span = (last - first).days
    day_width = max(MIN_CHART_WIDTH / span, MIN_DAY_WIDTH)
    origin = dt.datetime.combine(first, dt.time(), tzinfo=today.tzinfo)

    def x_of(moment_local: dt.datetime) -> float:
        return LABEL_WIDTH + (moment_local - origin).total_seconds() / 86400 * day_width

    bars, rows = [], {}
    for index, task in enumerate(tasks):
        start = x_of(dt.datetime.combine(_start_day(task), dt.time(), tzinfo=today.tzinfo))
        end = max(x_of(_due(task)), start + 4)
        overdue = task.is_overdue_at(moment)
        y = HEADER_HEIGHT + index * ROW_HEIGHT
        bars.append(Bar(task, start, end - start, y, OVERDUE_COLOUR if overdue else STATUS_COLOURS[task.status],
                        overdue))
        rows[task.id] = bars[-1]

    arrows, outside = [], {}
    for link in hand_offs:
        pred, succ = rows.get(link.predecessor_id), rows.get(link.successor_id)
        if pred and succ:
            x1, y1 = pred.x + pred.width, pred.y + ROW_HEIGHT / 2
            x2, y2 = succ.x, succ.y + ROW_HEIGHT / 2
            bend = max(x1, x2 - 8) + 6 if x2 - x1 < 12 else x1 + 6
            arrows.append(f"M{x1:.1f},{y1:.1f} H{bend:.1f} V{y2:.1f} H{x2:.1f}")
        else:
            for end in (pred, succ):
                if end is not None:
                    outside.setdefault(end.task.id, []).append(link)

    ticks = []
    day = first.replace(day=1)
    while day <= last:
        if day >= first:
            ticks.append((x_of(dt.datetime.combine(day, dt.time(), tzinfo=today.tzinfo)), f"{day.month}月"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    if span <= 120:
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        while monday <= last:
            if monday.day != 1:
                ticks.append((x_of(dt.datetime.combine(monday, dt.time(), tzinfo=today.tzinfo)), f"{monday.day}"))
            monday += dt.timedelta(days=7)
    today_anchor, opening_anchor = _marker_anchors(x_of(today), x_of(opening))
    return Chart(width=LABEL_WIDTH + span * day_width + 10, height=HEADER_HEIGHT + len(tasks) * ROW_HEIGHT + 10,
                 bars=bars, arrows=arrows, ticks=_spaced(ticks), today_x=x_of(today), opening_x=x_of(opening),
                 today_anchor=today_anchor, opening_anchor=opening_anchor, outside=outside)
