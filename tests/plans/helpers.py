"""Shared set-up for the plans tests: meetings at known openings, staffed groups, .xlsx files."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from meetingprep.extensions import db
from meetingprep.plans.importer import COLUMNS
from meetingprep.tasks.models import Task
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = list(COLUMNS.values())


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def meeting_opening(opens: dt.datetime, *, name: str | None = None, is_current: bool = True):
    meeting = factories.make_meeting(name=name, is_current=is_current)
    meeting.opens_at, meeting.closes_at = opens, opens + dt.timedelta(days=4)
    db.session.flush()
    return meeting


def staffed_group(meeting, name: str, lead_username: str, lead_name: str | None = None):
    """A group of ``meeting`` with an active lead; returns (group, lead)."""
    group = factories.make_group(meeting, name=name)
    lead = factories.make_user("group_lead", username=lead_username, display_name=lead_name or lead_username,
                               group=group, is_lead=True)
    return group, lead


def make_plan_task(meeting=None, group=None, owner=None, **fields) -> Task:
    """``factories.make_task`` titled 计划任务 unless told otherwise."""
    return factories.make_task(meeting, group, owner, **{"title": "计划任务", **fields})


def xlsx(rows: list[list], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务"
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(title="", description="", group="", owner="", coworkers="", phase="", priority="", starts_on="", due="",
        predecessors=""):
    return [title, description, group, owner, coworkers, phase, priority, starts_on, due, predecessors]


def upload(client, data: bytes, meeting_id: int, name: str = "施工图.xlsx"):
    return client.post("/plans/import", data={"meeting_id": str(meeting_id), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
