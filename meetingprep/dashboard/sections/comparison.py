"""历次会议对比: this meeting beside the earlier ones held in the installation, a line per meeting
(出席率, 按时完成率, 审核轮次; ``records.comparison`` defines them). Meeting-wide figures for every viewer:
a group lead's scope names groups of this meeting only, which earlier meetings do not have."""

from __future__ import annotations

from flask import url_for

from meetingprep.dashboard.core import DashboardContext, Section, Sheet
from meetingprep.records.comparison import METHOD, compare_meetings

SHOWN = 6  # the dashboard shows the newest few; the records page lists them all


def compute(ctx: DashboardContext) -> dict:
    lines = compare_meetings(ctx.moment, limit=SHOWN)
    return {
        "method": METHOD,
        "url": url_for("records.compare", _external=False),
        "rows": [{"id": line.meeting_id, "name": line.name, "opens_at": line.opens_at, "is_current": line.is_current,
                  "attendance_rate": line.attendance.rate_text, "attendance_percent": line.attendance_percent,
                  "expected": line.attendance.expected, "present": line.attendance.present,
                  "leave": line.attendance.leave, "tasks_due": line.tasks_due, "tasks_on_time": line.tasks_on_time,
                  "on_time_percent": line.on_time_percent, "documents": line.documents_reviewed,
                  "average_rounds": line.average_rounds, "returns": line.returns} for line in lines],
    }


def sheets(figures: dict) -> list[Sheet]:
    header = ["会议", "开幕时间", "出席率（%）", "应到", "实到", "请假", "按时完成率（%）", "到期任务", "按时验收",
              "进入审核的材料", "平均审核轮次", "退回修改"]
    rows = [[r["name"], r["opens_at"], "—" if r["attendance_percent"] is None else r["attendance_percent"],
             r["expected"], r["present"], r["leave"], "—" if r["on_time_percent"] is None else r["on_time_percent"],
             r["tasks_due"], r["tasks_on_time"], r["documents"],
             "—" if r["average_rounds"] is None else r["average_rounds"], r["returns"]] for r in figures["rows"]]
    rows.append([figures["method"]])
    return [("历次会议对比", header, rows)]


SECTION = Section(key="comparison", title="历次会议对比", template="dashboard/_comparison.html", compute=compute,
                  sheets=sheets, wide=True, on_wall=False)
