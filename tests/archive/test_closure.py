"""An archived meeting is read-only: every write refused in one place (meetings/closure.py), with a clear
Chinese message — a task edit, a check-in, a document upload — never a 500; the meeting's own row only
reopens (an administrator) or loses the current flag."""

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from meetingprep import timeutil, uploads
from meetingprep.archive import services
from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import CheckIn, CheckInMethod, SittingRollEntry
from meetingprep.db import Base
from meetingprep.documents.models import DocumentVersion
from meetingprep.extensions import db
from meetingprep.meetings import closure
from meetingprep.meetings.closure import MeetingClosed
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.scan import scan_reminders
from meetingprep.tasks import queries as task_queries
from meetingprep.tasks import services as task_services
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskAction

CLOSED = "已归档，会议资料只读"


def archive(world) -> None:
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id),
                             confirmation=world.meeting.name)
    db.session.commit()


def _reaches_meetings(table, tables, seen=()) -> bool:
    for fk in table.foreign_keys:
        target = fk.column.table.name
        if target == "meetings" or (target not in seen and target in tables
                                    and _reaches_meetings(tables[target], tables, (*seen, table.name))):
            return True
    return False


def test_every_table_of_a_meeting_is_guarded_unless_named_as_not_its_record(app):
    tables = Base.metadata.tables
    owned = closure.owned_tables()
    exempt = set(closure.NOT_THE_RECORD)
    reaching = {name for name, table in tables.items() if name != "meetings" and _reaches_meetings(table, tables)}
    # every table reaching a meeting is either the meeting's record or named (with its reason) as not,
    # or reaches it only through a table named so (a delivery of a notification, a template's items)
    unaccounted = {name for name in reaching - set(owned) - exempt
                   if not all(fk.column.table.name in exempt or fk.column.table.name not in reaching | {"meetings"}
                              for fk in tables[name].foreign_keys)}
    assert not unaccounted
    assert {"tasks", "task_events", "task_comments", "task_attachments", "task_coworkers", "task_dependencies",
            "documents", "document_versions", "document_stages", "review_decisions", "document_comments",
            "working_groups", "group_memberships", "member_profiles", "sittings", "check_ins", "registrations",
            "leave_requests", "leave_request_sittings", "sitting_roll_entries", "sitting_tallies", "checkin_duties",
            "agenda_items", "speech_slots"} <= set(owned)
    assert not exempt & set(owned) and "users" not in owned and "document_types" not in owned
    # through the member or the sitting to its meeting
    assert set(owned["check_ins"]) == {("member_id", "member_profiles"), ("sitting_id", "sittings")}
    assert owned["tasks"][0] == ("meeting_id", None)


def test_task_edit_is_refused_with_the_input_kept(client, login, world):
    archive(world)
    task = world.tasks.open
    login(world.secretariat)
    response = client.post(f"/tasks/{task.id}/edit", data={
        "title": "归档后想改的标题", "group_id": world.group.id, "owner_id": world.staff.id, "due_mode": "relative",
        "offset_direction": "before", "offset_days": "3", "offset_time": "17:00", "phase": "before",
        "priority": "normal", "version_id": task.version_id})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and CLOSED in body and "归档后想改的标题" in body
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "仍在办理的任务"


def test_every_kind_of_task_write_is_refused(world):
    archive(world)
    attempts = (lambda task: task_services.add_comment(world.staff, task, "归档后的留言", []),
                lambda task: task_services.update_progress(world.staff, task, 90),
                lambda task: task_services.transition(world.secretariat, task, TaskAction.CANCEL, note="不办了"))
    for attempt in attempts:
        with pytest.raises(MeetingClosed):
            attempt(task_queries.task_for_update(world.tasks.open.id))
            db.session.flush()
        db.session.rollback()


def test_a_check_in_is_refused_at_the_desk_and_in_json(client, login, world):
    archive(world)
    login(world.secretariat)
    url = f"/attendance/sittings/{world.coming.id}/desk/check-in"
    page = client.post(url, data={"member_id": world.members[0].id})
    assert page.status_code == 409 and CLOSED in page.get_data(as_text=True)
    answer = client.post(url, data={"member_id": world.members[1].id}, headers={"Accept": "application/json"})
    assert answer.status_code == 409 and CLOSED in answer.get_json()["message"]
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.sitting_id == world.coming.id)) == 0


def test_a_document_upload_is_refused_and_leaves_no_file(client, login, world):
    archive(world)
    root = uploads.upload_root()

    def files() -> list:
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    before = files()
    login(world.staff)
    response = client.post(f"/documents/{world.draft.id}/versions/new", content_type="multipart/form-data", data={
        "file": FileStorage(io.BytesIO("归档后的稿子".encode()), filename="稿子.txt"), "note": "归档后上传"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and CLOSED in body and "归档后上传" in body
    assert files() == before
    assert db.session.scalar(select(func.count(DocumentVersion.id))
                             .where(DocumentVersion.document_id == world.draft.id)) == 0


def test_closing_a_sitting_bulk_writes_are_refused_with_its_own_change(world):
    """close_sitting freezes the roll with Core statements; the sitting's own change refuses the whole."""
    archive(world)
    sitting = db.session.get(type(world.coming), world.coming.id)
    with pytest.raises(MeetingClosed):
        attendance_services.close_sitting(world.secretariat, sitting)
    db.session.rollback()
    assert not db.session.scalar(select(func.count(SittingRollEntry.id))
                                 .where(SittingRollEntry.sitting_id == world.coming.id))


def test_the_meeting_row_reopens_and_moves_the_current_flag_but_is_otherwise_read_only(client, login, world):
    archive(world)
    login(world.secretariat)
    meeting = db.session.get(Meeting, world.meeting.id)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 409  # the friendly check: no form to fill
    edit = client.post(f"/meetings/{meeting.id}/edit", data={
        "name": "改名", "opens_at": timeutil.input_value(meeting.opens_at),
        "closes_at": timeutil.input_value(meeting.closes_at), "version_id": meeting.version_id})
    assert edit.status_code == 409 and CLOSED in edit.get_data(as_text=True)
    assert client.post(f"/meetings/{world.earlier.id}/current").status_code == 302  # the flag moves away …
    db.session.expire_all()
    assert db.session.get(Meeting, world.earlier.id).is_current
    assert client.post(f"/meetings/{world.meeting.id}/current").status_code == 302  # … and back
    db.session.expire_all()
    assert db.session.get(Meeting, world.meeting.id).is_current


def test_other_meetings_stay_writable(world):
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.earlier.id),
                             confirmation=world.earlier.name)
    db.session.commit()
    task_services.add_comment(world.staff, task_queries.task_for_update(world.tasks.open.id), "本次会议照常办理", [])
    db.session.commit()


def test_a_write_to_the_loaded_current_meeting_asks_nothing_more(world, count_queries):
    """The meeting a request writes to is loaded with its login: its closed_at is read from that object."""
    meeting = db.session.get(Meeting, world.meeting.id)
    assert not meeting.is_closed
    task = db.session.get(Task, world.tasks.open.id)
    task.progress = 50
    with count_queries() as counter:
        db.session.flush()
    assert not [s for s in counter.statements if "FROM meetings" in s], counter.statements
    db.session.rollback()


def test_reminders_stop_for_an_archived_meeting_and_resume_when_reopened(world):
    from meetingprep.notifications.models import ReminderLog

    overdue = db.session.get(Task, world.tasks.open.id)
    overdue.created_at = timeutil.now() - dt.timedelta(days=10)
    overdue.due_at = timeutil.now() - dt.timedelta(days=3)
    db.session.commit()
    archive(world)

    def logged() -> int:
        return db.session.scalar(select(func.count(ReminderLog.id)).where(ReminderLog.object_type == "task",
                                                                           ReminderLog.object_id == overdue.id))

    scan_reminders()
    db.session.commit()
    assert logged() == 0
    services.reopen_meeting(world.admin, db.session.get(Meeting, world.meeting.id), "补录遗漏的材料")
    db.session.commit()
    scan_reminders()
    db.session.commit()
    assert logged() > 0


def test_check_in_service_refuses_too(world):
    archive(world)
    sitting = db.session.get(type(world.coming), world.coming.id)
    with pytest.raises(MeetingClosed) as refused:
        attendance_services.check_in(world.secretariat, sitting, world.members[0], method=CheckInMethod.DESK)
    assert "测试会议" in refused.value.message
    db.session.rollback()


def test_ensure_open_is_the_friendly_check(world):
    meeting = db.session.get(Meeting, world.meeting.id)
    closure.ensure_open(meeting)
    archive(world)
    with pytest.raises(MeetingClosed):
        closure.ensure_open(db.session.get(Meeting, world.meeting.id))


def test_an_archived_meetings_scheduled_notice_waits_instead_of_failing_every_tick(world):
    from meetingprep.notices import services as notice_services
    from meetingprep.notices.models import Notice, NoticeCategory, NoticeStatus

    notice = Notice(meeting_id=world.meeting.id, category=NoticeCategory.GENERAL, title="会后座谈", body="请参加",
                    status=NoticeStatus.SCHEDULED, send_at=timeutil.now() - dt.timedelta(minutes=1))
    db.session.add(notice)
    db.session.commit()
    assert notice.id in notice_services.due_to_send(timeutil.now())
    archive(world)
    assert notice.id not in notice_services.due_to_send(timeutil.now())
