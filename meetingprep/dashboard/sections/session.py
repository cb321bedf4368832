"""会中: while the meeting sits (from its opening to its closing) the dashboard opens on this section.

Today's sittings with 报到 and live 签到 against 应到; the 大会发言 order with who is speaking now (planned from
the agenda's order and each speech's time limit, read against the clock); the materials' and notices' read
rates (from their domains, when installed); the 会中 tasks. Hidden before the opening and after the closing.

What depends only on the clock — which sitting is under way, who speaks now — is set by ``at_moment()`` when the
figures are served (``queries.current_figures``), from the stored figures and the moment: the snapshot keeps
figures, the speaker changes with the clock.
"""

from __future__ import annotations

import copy
import datetime as dt

from flask import url_for
from sqlalchemy import case, func, select

from meetingprep import timeutil
from meetingprep.agenda import queries as agenda_queries
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance.models import Sitting
from meetingprep.auth.models import User
from meetingprep.dashboard.core import DashboardContext, Section, Sheet, percent, task_url
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Phase
from meetingprep.notifications.rules import optional_module
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import OPEN_IN_ORDER, TaskStatus

TASK_ROWS = 10

#: Read rates other domains provide: (key, label, module, placeholder). The module exposes
#: ``read_rate(meeting_id: int) -> tuple[int, int]`` = (reads so far, reads expected), e.g. for materials the
#: (member, material) pairs opened ÷ those handed out. While the module is not installed the dashboard says so
#: and shows no figure: nothing is estimated in its place.
READ_RATES = (
    ("materials", "材料阅读率", "meetingprep.materials.dashboard", "（会议材料模块接入后显示）"),
    ("notices", "通知阅读率", "meetingprep.notices.dashboard", "（会议通知模块接入后显示）"),
)


def _link(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=False, **values)


def compute(ctx: DashboardContext) -> dict:
    meeting, moment = ctx.meeting, ctx.moment
    figures = {"in_session": meeting.opens_at <= moment <= meeting.closes_at, "opens_at": meeting.opens_at,
               "closes_at": meeting.closes_at}
    if not figures["in_session"]:
        return figures  # hidden: nothing is asked of the database
    day_start = timeutil.local_midnight(timeutil.to_local(moment).date())
    sittings = list(db.session.scalars(
        select(Sitting).where(Sitting.meeting_id == meeting.id, Sitting.starts_at >= day_start,
                              Sitting.starts_at < day_start + dt.timedelta(days=1))
        .order_by(Sitting.starts_at, Sitting.id)))
    counts = attendance_queries.counts_of(sittings)
    summary = attendance_queries.summary_counts(meeting.id)
    figures.update(
        day=_day_of_meeting(meeting.opens_at, moment), today=timeutil.format_date(moment),
        registration={"expected": summary["expected"], "registered": summary["registered"],
                      "percent": percent(summary["registered"], summary["expected"]),
                      "url": _link("attendance.unregistered")},  # who is missing, not the whole roster
        sittings=[_sitting(sitting, counts[sitting.id]) for sitting in sittings],
        speeches=[_speeches(item, {s.id: s for s in sittings}[item.sitting_id])
                  for item in agenda_queries.speech_items_of(s.id for s in sittings)],
        read_rates=[_read_rate(key, label, module, message, meeting.id)
                    for key, label, module, message in READ_RATES],
        tasks=_tasks(ctx),
    )
    return figures


def _day_of_meeting(opens_at: dt.datetime, moment: dt.datetime) -> int:
    return (timeutil.to_local(moment).date() - timeutil.to_local(opens_at).date()).days + 1


def _sitting(sitting: Sitting, counts) -> dict:
    return {"id": sitting.id, "name": sitting.name, "kind": sitting.kind.label, "venue": sitting.venue,
            "starts_at": sitting.starts_at, "ends_at": sitting.ends_at,
            "time": f"{timeutil.format_time(sitting.starts_at)}–{timeutil.format_time(sitting.ends_at)}",
            "expected": counts.expected, "present": counts.present, "late": counts.late, "leave": counts.leave,
            "absent": counts.absent, "rate": counts.rate_text, "closed": sitting.is_closed,
            "url": _link("attendance.sitting_detail", sitting_id=sitting.id),
            "missing_url": _link("attendance.absent", sitting_id=sitting.id)}


def _speeches(item, sitting: Sitting) -> dict:
    order = agenda_queries.speech_order(item)
    rows = [{"id": oral.slot.id, "number": oral.number, "speaker": oral.slot.speaker_label,
             "title": oral.slot.document.title, "minutes": oral.slot.minutes or 0, "starts_at": oral.planned_at,
             "ends_at": oral.planned_at + dt.timedelta(minutes=oral.slot.minutes or 0),
             "start_label": timeutil.format_time(oral.planned_at)} for oral in order.oral]
    return {"id": item.id, "title": item.title, "sitting": sitting.name, "sitting_id": sitting.id,
            "sitting_starts_at": sitting.starts_at, "sitting_ends_at": sitting.ends_at,
            "starts_label": timeutil.format_time(item.starts_at), "rows": rows,
            "written": [slot.speaker_label for slot in order.written],
            "url": _link("agenda.speeches", item_id=item.id)}


def _read_rate(key: str, label: str, module_name: str, message: str, meeting_id: int) -> dict:
    module = optional_module(module_name)
    provider = getattr(module, "read_rate", None) if module is not None else None
    if provider is None:
        return {"id": key, "label": label, "available": False, "message": message}
    read, total = provider(meeting_id)
    return {"id": key, "label": label, "available": True, "read": read, "total": total,
            "percent": percent(read, total)}


def _tasks(ctx: DashboardContext) -> dict:
    """The 会中 tasks: counts per status (overdue among them) in one GROUP BY, the open ones most urgent first."""
    during = (*ctx.task_filters(Task), Task.phase == Phase.DURING)
    counts = {TaskStatus(status): (n, late or 0) for status, n, late in db.session.execute(
        select(Task.status, func.count(), func.sum(case((Task.is_overdue_at(ctx.moment), 1), else_=0)))
        .where(*during).group_by(Task.status))}
    rows = db.session.execute(
        select(Task.id, Task.title, Task.status, Task.due_at, WorkingGroup.name.label("group"),
               User.display_name.label("owner"))
        .join(WorkingGroup, WorkingGroup.id == Task.group_id).join(User, User.id == Task.owner_id)
        .where(*during, Task.status.in_(OPEN_IN_ORDER))
        .order_by((Task.due_at < ctx.moment).desc(), Task.due_at, Task.id).limit(TASK_ROWS)).all()
    total = sum(n for status, (n, _late) in counts.items() if status != TaskStatus.CANCELLED)
    done = counts.get(TaskStatus.DONE, (0, 0))[0]
    open_count = sum(counts.get(status, (0, 0))[0] for status in OPEN_IN_ORDER)
    return {"total": total, "done": done, "open": open_count, "percent": percent(done, total),
            "overdue": sum(late for _n, late in counts.values()),
            "url": ctx.ledger_url(phase=Phase.DURING.value),
            "open_url": ctx.ledger_url(phase=Phase.DURING.value, open=1),
            "overdue_url": ctx.ledger_url(phase=Phase.DURING.value, overdue=1),
            "rows": [{"id": row.id, "title": row.title, "status_label": row.status.label, "group": row.group,
                      "owner": row.owner, "due": timeutil.format_short(row.due_at), "url": task_url(row.id),
                      "is_overdue": row.due_at < ctx.moment} for row in rows]}


def at_moment(stored: dict, moment: dt.datetime) -> dict:
    """What the clock alone decides, on figures computed up to a minute ago (see the module's docstring). A copy:
    the stored figures are decoded once per process and shared by every request (``snapshots._DECODED``)."""
    figures = copy.deepcopy(stored)
    opens_at, closes_at = figures.get("opens_at"), figures.get("closes_at")
    in_session = opens_at is not None and opens_at <= moment <= closes_at and "sittings" in figures
    figures["in_session"] = in_session
    if not in_session:
        return figures
    for sitting in figures["sittings"]:
        sitting["state"] = ("已结束" if moment > sitting["ends_at"] else
                            "进行中" if moment >= sitting["starts_at"] else "未开始")
        sitting["is_under_way"] = sitting["state"] == "进行中"
    for item in figures["speeches"]:
        item["is_under_way"] = item["sitting_starts_at"] <= moment <= item["sitting_ends_at"]
        now = None
        for row in item["rows"]:
            row["is_now"] = row["starts_at"] <= moment < row["ends_at"]
            row["is_done"] = row["ends_at"] <= moment
            if row["is_now"]:
                now = row
        item["now_label"] = _now_label(item["rows"], now, moment)
    figures["wall_speeches"] = [item for item in figures["speeches"] if item["is_under_way"]]
    return figures


def _now_label(rows: list[dict], now: dict | None, moment: dt.datetime) -> str:
    if now is not None:
        return f"正在发言：第 {now['number']} 位 {now['speaker']}《{now['title']}》"
    if not rows:
        return "没有口头发言"
    if moment < rows[0]["starts_at"]:
        return f"{rows[0]['start_label']} 开始，第 1 位 {rows[0]['speaker']}"
    return "口头发言已结束"


def visible(figures: dict) -> bool:
    return bool(figures.get("in_session"))


def sheets(figures: dict) -> list[Sheet]:
    if not figures.get("in_session"):
        return []
    header = ["会次", "时间", "应到", "实到", "迟到", "请假", "缺席", "出席率"]
    rows = [[s["name"], s["time"], s["expected"], s["present"], s["late"], s["leave"], s["absent"], s["rate"]]
            for s in figures["sittings"]]
    speeches = [[f"{item['sitting']} · {item['title']}", row["number"], row["speaker"], row["title"],
                 row["start_label"], row["minutes"]] for item in figures["speeches"] for row in item["rows"]]
    return [("今日会次", header, rows),
            ("大会发言", ["议程", "序号", "发言人", "题目", "计划开始", "限时（分钟）"], speeches)]


SECTION = Section(key="session", title="会中", template="dashboard/_session.html", compute=compute, sheets=sheets,
                  wide=True, wall_columns="col-12", at_moment=at_moment, visible=visible)
