"""In-process half of the benchmark: which URLs to measure, as whom, and how many SQL queries each runs.

Run as ``python -m benchmarks.probe`` with the benchmark instance's environment (MEETINGPREP_INSTANCE_PATH,
MEETINGPREP_DATABASE_URL). Prints one JSON line:
``{"password": …, "pages": [{name, url, user, method, data, cycle, expect, queries}], "timings": {…}}``.

URLs come from ``url_for`` over the generated data (the largest group, a task with hand-offs, the busiest
reviewer …), so the runner never hard-codes ids. Query counts use the Flask test client against the same
database; ``timings`` are the in-process jobs (reminder scan, 3,000-member roster import), each run inside
a transaction that is rolled back, so the data stays as generated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import time

from flask import Flask, url_for
from sqlalchemy import delete, event, func, select

from meetingprep import create_app
from meetingprep.extensions import db

CHECKINS_PER_RUN = 600  # members offered to the check-in POST (more than warm-up + measured requests)

#: The small demo's largest group (tasks), busiest owner (open tasks), busiest reviewer (documents
#: waiting), overdue tasks and documents. The "like small" pages show about as many rows at every scale,
#: so their large÷small ratio measures what the size of the database costs, not what drawing 150 cards
#: instead of 12 costs.
LIKE_SMALL = {"group_tasks": 12, "open_tasks": 7, "waiting": 4, "overdue": 2, "documents": 15}


@contextlib.contextmanager
def counting(app: Flask):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _nearest(rows, count: int | None):
    """The row with the largest count (``count`` None), or the one nearest ``count`` (the first on a tie)."""
    if count is None:
        return max(rows, key=lambda row: row[-1])
    return min(rows, key=lambda row: abs(row[-1] - count))


def _group(meeting_id: int, tasks: int | None = None):
    """(id, name, tasks) of the largest group, or of the group nearest that many tasks."""
    from meetingprep.groups.models import WorkingGroup
    from meetingprep.tasks.models import Task

    return _nearest(db.session.execute(
        select(WorkingGroup.id, WorkingGroup.name, func.count(Task.id).label("n"))
        .join(Task, Task.group_id == WorkingGroup.id).where(WorkingGroup.meeting_id == meeting_id)
        .group_by(WorkingGroup.id, WorkingGroup.name).order_by(WorkingGroup.id)).all(), tasks)


def _owner(meeting_id: int, open_tasks: int | None = None) -> tuple[str, int]:
    """(username, open tasks) of the user with the most open tasks, or with the number nearest ``open_tasks``:
    the tasks they own or co-work, as 我的任务 lists them (counting owned ones only picked a "7 open" person
    whose page listed 30)."""
    from sqlalchemy import union

    from meetingprep.auth.models import User
    from meetingprep.tasks.models import Task, TaskCoworker
    from meetingprep.tasks.states import OPEN_STATUSES

    open_in_meeting = (Task.meeting_id == meeting_id, Task.status.in_(OPEN_STATUSES))
    involved = union(
        select(Task.owner_id.label("user_id"), Task.id.label("task_id")).where(*open_in_meeting),
        select(TaskCoworker.user_id, TaskCoworker.task_id).join(Task, Task.id == TaskCoworker.task_id)
        .where(*open_in_meeting)).subquery()
    return _nearest(db.session.execute(
        select(User.username, func.count(involved.c.task_id)).join(involved, involved.c.user_id == User.id)
        .group_by(User.username).order_by(User.username)).all(), open_tasks)


def _task_with_handoffs(group_id: int) -> int:
    from meetingprep.tasks.models import HandOff, Task

    return db.session.scalar(
        select(Task.id).join(HandOff, HandOff.successor_id == Task.id)
        .where(Task.group_id == group_id).order_by(Task.id.desc()).limit(1))


def _overdue_owner(meeting_id: int, overdue: int) -> tuple[int, int]:
    """(user id, overdue tasks) of the owner whose number of overdue tasks is nearest ``overdue``."""
    from meetingprep.tasks.models import Task
    from meetingprep.tasks.states import OPEN_STATUSES
    from meetingprep.timeutil import now

    return _nearest(db.session.execute(
        select(Task.owner_id, func.count(Task.id))
        .where(Task.meeting_id == meeting_id, Task.status.in_(OPEN_STATUSES), Task.due_at < now())
        .group_by(Task.owner_id).order_by(Task.owner_id)).all(), overdue)


def _document_filter(meeting_id: int, documents: int) -> tuple[dict, int, str]:
    """(query arguments, documents, description) of the 材料看板 filter whose number of documents is
    nearest ``documents``: by group, or by group and type, or by group and status (at national scale the
    smallest group has 33 documents, so a group alone could not show about as many as the small demo)."""
    from meetingprep.documents.models import Document

    in_meeting = (Document.meeting_id == meeting_id, Document.group_id.is_not(None))
    candidates = []
    for extra, label in ((None, "one group's"), (Document.type_id, "one group's, one type:"),
                         (Document.status, "one group's, one status:")):
        columns = [Document.group_id] + ([extra] if extra is not None else [])
        for *values, count in db.session.execute(select(*columns, func.count(Document.id)).where(*in_meeting)
                                                 .group_by(*columns).order_by(*columns)):
            args = {"group": values[0]}
            if extra is not None:
                args["type" if extra is Document.type_id else "status"] = getattr(values[1], "value", values[1])
            candidates.append((args, label, count))
    args, label, count = _nearest(candidates, documents)
    return args, count, label


def _reviewers() -> list[tuple[str, int]]:
    """(username, documents waiting) of every reviewer, counted once for both reviewer pages."""
    from meetingprep.auth.models import User
    from meetingprep.documents import queries as documents
    from meetingprep.documents.models import DocumentStageReviewer

    candidates = db.session.execute(select(User.id, User.username).where(
        User.id.in_(select(DocumentStageReviewer.user_id).distinct())).order_by(User.username)).all()
    return [(username, documents.review_queue_count(user_id)) for user_id, username in candidates]


def _sittings(meeting_id: int):
    """(the closed sitting with the most check-ins, an open sitting with its members not yet checked in)."""
    from meetingprep.attendance.models import CheckIn, MemberProfile, Sitting

    # a closed sitting: the check-in POSTs of earlier runs add check-ins to open ones, which must not
    # change which page is measured (an open sitting's page counts live, a closed one reads its roll)
    past = db.session.scalar(
        select(Sitting.id).join(CheckIn, CheckIn.sitting_id == Sitting.id)
        .where(Sitting.meeting_id == meeting_id, Sitting.closed_at.is_not(None))
        .group_by(Sitting.id).order_by(func.count(CheckIn.id).desc(), Sitting.id).limit(1))
    open_sittings = db.session.scalars(select(Sitting).where(Sitting.meeting_id == meeting_id,
                                                             Sitting.expectation == "all",
                                                             Sitting.closed_at.is_(None))
                                       .order_by(Sitting.starts_at)).all()
    best, free = None, []
    for sitting in open_sittings:
        members = db.session.scalars(
            select(MemberProfile.id).where(MemberProfile.meeting_id == meeting_id, ~MemberProfile.id.in_(
                select(CheckIn.member_id).where(CheckIn.sitting_id == sitting.id)))
            .order_by(MemberProfile.id).limit(CHECKINS_PER_RUN)).all()
        if len(members) > len(free):
            best, free = sitting.id, members
    return past, best, free


def pages(app: Flask) -> list[dict]:
    from meetingprep.meetings.models import Meeting

    with app.test_request_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
        group_id, group_name, group_tasks = _group(meeting.id)
        like_group, like_group_name, like_group_tasks = _group(meeting.id, LIKE_SMALL["group_tasks"])
        reviewers = _reviewers()
        reviewer, waiting = _nearest(reviewers, None)
        like_reviewer, like_waiting = _nearest(reviewers, LIKE_SMALL["waiting"])
        like_owner, like_owner_tasks = _owner(meeting.id, LIKE_SMALL["open_tasks"])
        owner, owner_tasks = _owner(meeting.id)
        overdue_owner, overdue_tasks = _overdue_owner(meeting.id, LIKE_SMALL["overdue"])
        document_filter, documents, document_label = _document_filter(meeting.id, LIKE_SMALL["documents"])
        past_sitting, open_sitting, free_members = _sittings(meeting.id)
        admin = "mishu"
        largest = f"{group_name} {group_tasks} 项"

        def page(key: str, name: str, url: str, user: str = admin, **extra) -> dict:
            return {"key": key, "name": name, "url": url, "user": user, **extra}

        found = [
            page("ledger", "任务台账 第1页", url_for("tasks.ledger")),
            page("ledger_overdue", "任务台账 逾期筛选", url_for("tasks.ledger", overdue=1)),
            page("mine", "我的任务", url_for("tasks.mine"), owner, note=f"{owner_tasks} open 项"),
            page("board", "工作组看板", url_for("tasks.board", group_id=group_id), note=largest),
            page("task", "任务页（有前后衔接）", url_for("tasks.detail", task_id=_task_with_handoffs(group_id))),
            page("timeline", "时间轴", url_for("plans.timeline", group=group_id), note=largest),
            page("documents", "材料看板", url_for("documents.board")),
            page("review_queue", "待我审核", url_for("documents.queue"), reviewer, note=f"{waiting} 件"),
            # the same pages showing few rows, as at small (LIKE_SMALL): the note says how many
            page("mine_like_small", "我的任务 (like small)", url_for("tasks.mine"), like_owner,
                 note=f"{like_owner_tasks} open 项"),
            page("board_like_small", "工作组看板 (like small)",
                 url_for("tasks.board", group_id=like_group), note=f"{like_group_name} {like_group_tasks} 项"),
            page("timeline_like_small", "时间轴 (like small)", url_for("plans.timeline", group=like_group),
                 note=f"{like_group_name} {like_group_tasks} 项"),
            page("review_queue_like_small", "待我审核 (like small)", url_for("documents.queue"),
                 like_reviewer, note=f"{like_waiting} 件"),
            page("ledger_overdue_like_small", "任务台账 逾期筛选 (like small)",
                 url_for("tasks.ledger", overdue=1, owner=overdue_owner), note=f"one owner's {overdue_tasks} 项"),
            page("documents_like_small", "材料看板 (like small)",
                 url_for("documents.board", **document_filter), note=f"{document_label} {documents} 件"),
            page("sitting", "会次出勤页", url_for("attendance.sitting_detail", sitting_id=past_sitting)),
            page("check_in", "签到 POST", url_for("attendance.desk_check_in", sitting_id=open_sitting), method="POST",
                 forget_check_ins_of=open_sitting,
                 cycle=[{"member_id": str(m)} for m in free_members], headers={"Accept": "application/json"},
                 note="JSON with the live counts, as the desk's script asks"),
            page("dashboard", "驾驶舱", url_for("dashboard.index")),
            page("api_dashboard", "/api/dashboard", url_for("dashboard.api")),
        ]
    return found


def count_queries(app: Flask, found: list[dict], password: str) -> None:
    """Query count of each page's second request (the first warms per-process caches)."""
    clients: dict[str, object] = {}
    for page in found:
        client = clients.get(page["user"])
        if client is None:
            client = clients[page["user"]] = app.test_client()
            response = client.post("/login", data={"username": page["user"], "password": password})
            assert response.status_code == 302, f"login as {page['user']} failed"
        if page.get("method") == "POST":
            cycle = page["cycle"]
            headers = page.get("headers", {})
            client.post(page["url"], data=cycle.pop(), headers=headers)  # the last members: the runner uses the first
            with counting(app) as statements:
                response = client.post(page["url"], data=cycle.pop(), headers=headers)
        else:
            client.get(page["url"])
            with counting(app) as statements:
                response = client.get(page["url"])
        assert response.status_code in page.get("expect", [200]), (page["name"], response.status_code)
        page["queries"] = len(statements)


def timings(app: Flask) -> dict[str, float]:
    """The in-process jobs, each in a transaction that is rolled back."""
    from meetingprep.attendance import queries as attendance_queries
    from meetingprep.attendance import services as attendance
    from meetingprep.attendance.spreadsheets import roster_workbook
    from meetingprep.auth.models import User
    from meetingprep.meetings.models import Meeting
    from meetingprep.notifications.models import Notification, ReminderLog
    from meetingprep.notifications.scan import scan_reminders

    result = {}
    with app.app_context():
        db.session.execute(delete(Notification))  # as if no scan had ever run: every due item is new
        db.session.execute(delete(ReminderLog))
        started = time.perf_counter()
        outcome = scan_reminders()
        db.session.flush()
        result["reminder scan (every due item new)"] = time.perf_counter() - started
        result["reminder scan items"] = outcome.items
        started = time.perf_counter()
        scan_reminders()
        db.session.flush()
        result["reminder scan (nothing new)"] = time.perf_counter() - started
        db.session.rollback()

        meeting = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
        data = roster_workbook(attendance_queries.all_members(meeting.id))
        actor = db.session.scalar(select(User).where(User.username == "mishu"))
        fresh = Meeting(name="导入测试会议", short_name="导入测试", opens_at=meeting.opens_at,
                        closes_at=meeting.closes_at, venue="", is_current=False, description="")
        db.session.add(fresh)
        db.session.flush()
        started = time.perf_counter()
        created = attendance.import_roster(actor, fresh, data)
        db.session.flush()
        result[f"roster import, {created.created} new members"] = time.perf_counter() - started
        started = time.perf_counter()
        updated = attendance.import_roster(actor, meeting, data)
        db.session.flush()
        result[f"roster import, {updated.updated} existing members"] = time.perf_counter() - started
        db.session.rollback()
    return result


def forget_check_ins(app: Flask, sitting_id: int, since: dt.datetime) -> int:
    """Delete the check-ins this run's POSTs made (``since`` its start; the generated ones are older), so that
    every run checks the same members in to the same sitting: before, each run used up to 216 of the small
    demo's 300 members, the next measured another sitting, and then members already checked in."""
    from meetingprep.attendance.models import CheckIn

    with app.app_context():
        deleted = db.session.execute(delete(CheckIn).where(CheckIn.sitting_id == sitting_id,
                                                           CheckIn.checked_in_at >= since)).rowcount
        db.session.commit()
    return deleted


def main() -> None:
    app = create_app({"WTF_CSRF_ENABLED": False})
    if "--forget-check-ins" in sys.argv:
        sitting_id, since = sys.argv[sys.argv.index("--forget-check-ins") + 1:][:2]
        print(f"[probe] forgot {forget_check_ins(app, int(sitting_id), dt.datetime.fromisoformat(since))} "
              f"check-ins of sitting {sitting_id} made by this run")
        return
    password = app.config["DEMO_PASSWORD"]
    found = pages(app)
    count_queries(app, found, password)
    measured = timings(app) if "--no-timings" not in sys.argv else {}
    print(json.dumps({"password": password, "pages": found, "timings": measured}, ensure_ascii=False))


if __name__ == "__main__":
    main()
