"""The dashboard over HTTP: page, wall screen, JSON, export, scoping and a fixed query count."""

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import bindparam, delete, insert, update

from meetingprep import timeutil
from meetingprep.attendance.models import CheckIn, CheckInMethod, LeaveRequest, MemberProfile, Registration
from meetingprep.dashboard import sections as registry
from meetingprep.dashboard.models import DashboardSnapshot
from meetingprep.documents.models import Document, DocumentStage, DocumentStageReviewer
from meetingprep.documents.services import ensure_default_types
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.tasks.models import HandOff, Task
from meetingprep.tasks.states import TaskStatus as S
from meetingprep.timeutil import now
from tests import factories


@pytest.fixture
def meeting(role_users):
    return role_users["meeting"]


def seed(meeting, groups, owner, size):
    """``size`` tasks per group in every status, a third overdue, chained in pairs; bulk-inserted."""
    moment = now()
    statuses = list(S)
    rows = []
    for group in groups:
        for n in range(size):
            status = statuses[n % len(statuses)]
            rows.append({
                "meeting_id": meeting.id, "group_id": group.id, "owner_id": owner.id, "title": f"{group.name}任务{n}",
                "status": status, "due_at": moment + dt.timedelta(hours=(n % 3 - 1) * 40 + n),
                "accepted_at": moment - dt.timedelta(days=n % 5) if status == S.DONE else None,
                "created_at": moment - dt.timedelta(days=10),
            })
    before = db.session.scalar(db.select(db.func.max(Task.id))) or 0
    db.session.execute(insert(Task), rows)
    ids = db.session.scalars(db.select(Task.id).where(Task.id > before).order_by(Task.id)).all()
    db.session.execute(insert(HandOff),
                       [{"predecessor_id": a, "successor_id": b} for a, b in zip(ids[::2], ids[1::2], strict=False)])
    db.session.commit()


def seed_documents(meeting, groups, reviewer, size):
    """``size`` documents per group, in review at the first of two stages, waiting for ``reviewer``."""
    moment = now()
    types = list(ensure_default_types().values())
    before = db.session.scalar(db.select(db.func.max(Document.id))) or 0
    db.session.execute(insert(Document), [
        {"meeting_id": meeting.id, "type_id": types[n % len(types)].id, "title": f"{group.name}材料{n}",
         "group_id": group.id, "status": DocumentStatus.IN_REVIEW, "waiting_since": moment - dt.timedelta(hours=n),
         "created_at": moment} for group in groups for n in range(size)])
    ids = db.session.scalars(db.select(Document.id).where(Document.id > before).order_by(Document.id)).all()
    db.session.execute(insert(DocumentStage), [
        {"document_id": doc_id, "name": name, "position": position, "round": 1,
         "started_at": moment - dt.timedelta(hours=n) if position == 0 else None,
         "due_at": moment + dt.timedelta(hours=24 - n) if position == 0 else None}
        for n, doc_id in enumerate(ids) for position, name in enumerate(("初审", "审定"))])
    first = dict(db.session.execute(db.select(DocumentStage.document_id, DocumentStage.id)
                                    .where(DocumentStage.document_id.in_(ids), DocumentStage.position == 0)).all())
    table = Document.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("doc_id"))
                       .values(current_stage_id=bindparam("stage_id")),
                       [{"doc_id": doc_id, "stage_id": stage_id} for doc_id, stage_id in first.items()])
    db.session.execute(insert(DocumentStageReviewer),
                       [{"stage_id": stage_id, "user_id": reviewer.id} for stage_id in first.values()])
    db.session.commit()


def seed_attendance(meeting, size):
    """``size`` members (half registered), two begun sittings and one to come, check-ins, pending leave."""
    moment = now()
    first = (db.session.scalar(db.select(db.func.max(MemberProfile.id))) or 0) + 1
    db.session.execute(insert(MemberProfile), [
        {"meeting_id": meeting.id, "member_no": f"{first + n:06d}", "name": f"委员{first + n}"} for n in range(size)])
    ids = db.session.scalars(db.select(MemberProfile.id).where(MemberProfile.id >= first)).all()
    db.session.execute(insert(Registration), [
        {"meeting_id": meeting.id, "member_id": member_id, "registered_at": moment, "method": CheckInMethod.DESK}
        for member_id in ids[::2]])
    sittings = [factories.make_sitting(meeting, starts_in_minutes=minutes) for minutes in (-600, -60, 600)]
    db.session.execute(insert(CheckIn), [
        {"sitting_id": sitting.id, "member_id": member_id, "checked_in_at": sitting.starts_at,
         "method": CheckInMethod.DESK} for sitting in sittings[:2] for member_id in ids[::3]])
    for member_id in ids[:3]:
        db.session.add(LeaveRequest(meeting_id=meeting.id, member_id=member_id, reason="出差",
                                    sittings=[sittings[2]]))
    db.session.commit()


@pytest.mark.parametrize("url", ["/dashboard", "/api/dashboard", "/dashboard/wall"])
def test_query_count_does_not_grow_with_the_data(app, client, login, role_users, meeting, count_queries, url):
    groups = [role_users["group"], *(factories.make_group(meeting) for _ in range(3))]
    leader = login(role_users["leader"])
    seed(meeting, groups, leader, 10)
    seed_documents(meeting, groups, leader, 10)
    seed_attendance(meeting, 10)
    client.get(url)  # warm caches (section registry, templates)

    def measure():
        """A request that computes the figures (no snapshot yet), then one served the stored ones."""
        db.session.execute(delete(DashboardSnapshot))
        db.session.commit()  # a new transaction, nothing loaded, like a request in production
        with count_queries() as computing:
            assert client.get(url).status_code == 200
        with count_queries() as served:
            response = client.get(url)
        assert response.status_code == 200
        return computing, served, response

    small, small_served, _response = measure()
    seed(meeting, groups, leader, 250)
    seed_documents(meeting, groups, leader, 250)
    seed_attendance(meeting, 250)
    large, large_served, response = measure()
    if url == "/api/dashboard":  # the documents and attendance sections counted the seeded rows
        data = response.get_json()
        assert data["documents"]["in_review"] == len(groups) * 260
        assert data["attendance"]["registration"]["expected"] == 260
        assert data["attendance"]["pending_leave"]["count"] == 6 and len(data["attendance"]["sittings"]) == 4
    else:
        assert "doc-track-stage is-current" in response.get_data(as_text=True)
    assert large.count == small.count, "\n\n".join(small.statements) + "\n=====\n" + "\n\n".join(large.statements)
    # computing (once per refresh interval for everyone): 12 for the sections (督办 among them), 6 for the comparison
    # of meetings, and reading and storing the snapshot (on SQLite the store is a transaction of its own, with its
    # own BEGIN IMMEDIATE)
    assert large.count <= 26, "\n\n".join(s[:120] for s in large.statements)
    assert large_served.count == small_served.count <= 6, "\n\n".join(large_served.statements)  # every other view
    assert not any("FROM tasks" in statement for statement in large_served.statements)


def test_page_shows_countdown_groups_critical_path_and_links(client, login, role_users, meeting):
    group = role_users["group"]
    factories.make_task(meeting, group, title="编印会议指南", due_at=now() - dt.timedelta(days=2))
    db.session.commit()
    login(role_users["leader"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "距开幕还有" in html and "会务组" in html
    assert f'href="/tasks/?group={group.id}&amp;overdue=1"' in html
    assert "关键路径按时间节点倒排" in html and "编印会议指南" in html
    assert "（材料审核模块接入后显示）" not in html and 'id="section-documents"' in html
    assert "（报到考勤模块接入后显示）" not in html and "报到与出席" in html and "出席率 = 实到" in html
    assert "<svg" in html and "http://" not in html and "https://" not in html
    assert "<script>" not in html
    assert "/static/css/dashboard.css" in html


def test_print_stylesheet_sets_a4_landscape(app):
    css = (Path(app.static_folder) / "css" / "dashboard.css").read_text(encoding="utf-8")
    assert "@page { size: A4 landscape;" in css


def test_nav_links_to_the_dashboard_for_those_who_may_see_it(client, login, role_users):
    login(role_users["leader"])
    assert "领导驾驶舱" in client.get("/", follow_redirects=True).get_data(as_text=True)
    login(role_users["staff"])
    assert "领导驾驶舱" not in client.get("/").get_data(as_text=True)


def test_wall_screen_has_no_chrome_and_takes_the_refresh_interval(client, login, role_users):
    login(role_users["secretariat"])
    html = client.get("/dashboard/wall?refresh=1").get_data(as_text=True)
    assert 'data-refresh="1"' in html and 'data-dashboard-api="/api/dashboard"' in html
    assert "dashboard-wall" in html and "app-navbar" not in html
    assert 'data-refresh="60"' in client.get("/dashboard/wall").get_data(as_text=True)
    assert 'data-refresh="1"' in client.get("/dashboard/wall?refresh=-5").get_data(as_text=True)
    assert client.get("/dashboard/wall?refresh=abc").status_code == 200


def test_api_returns_every_section(client, login, role_users, meeting):
    group = role_users["group"]
    factories.make_task(meeting, group, status=S.DONE, accepted_at=now())
    factories.make_task(meeting, group, due_at=now() - dt.timedelta(hours=5))
    db.session.commit()
    login(role_users["admin"])
    data = client.get("/api/dashboard").get_json()
    assert data["sections"] == ["session", "overview", "groups", "risk", "critical_path", "documents", "attendance",
                                "burndown", "activity", "comparison"]
    assert set(data["sections"]) <= set(data)
    assert data["meeting"]["id"] == meeting.id and data["scope"] == {"group_ids": None}
    assert data["overview"]["completion"] == {"accepted": 1, "total": 2, "percent": 50.0, "url": "/tasks/",
                                              "accepted_url": "/tasks/?status=done"}
    row = data["groups"]["rows"][0]
    assert (row["id"], row["done"], row["overdue"]) == (group.id, 1, 1)
    assert data["risk"]["overdue"]["rows"][0]["due_at"].endswith("+00:00")
    assert isinstance(data["critical_path"]["chains"][0]["slack"], float)
    assert data["documents"]["total"] == 0 and data["documents"]["url"] == "/documents/"


def test_group_lead_sees_the_same_page_scoped_to_their_group(client, login, role_users, meeting):
    other = factories.make_group(meeting, name="宣传组")
    factories.make_task(meeting, other, title="宣传稿逾期", due_at=now() - dt.timedelta(days=1))
    factories.make_task(meeting, role_users["group"], title="会务逾期", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    login(role_users["group_lead"])
    data = client.get("/api/dashboard").get_json()
    assert data["scope"] == {"group_ids": [role_users["group"].id]}
    assert [row["name"] for row in data["groups"]["rows"]] == ["会务组"]
    assert [row["title"] for row in data["risk"]["overdue"]["rows"]] == ["会务逾期"]
    html = client.get("/dashboard").get_data(as_text=True)
    assert "仅显示本人负责的工作组" in html and "宣传稿逾期" not in html and "会务逾期" in html
    login(role_users["leader"])
    assert "宣传稿逾期" in client.get("/dashboard").get_data(as_text=True)


def test_export_has_the_daily_report_sheets(client, login, role_users, meeting):
    group = role_users["group"]
    late = factories.make_task(meeting, group, title="布置会场", due_at=now() - dt.timedelta(days=3))
    factories.make_task(meeting, group, title="检查音响", due_at=now() + dt.timedelta(days=2))
    db.session.add(HandOff(predecessor_id=late.id,
                                  successor_id=factories.make_task(meeting, group, title="彩排").id))
    db.session.commit()
    login(role_users["leader"])
    response = client.get("/dashboard/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["概览", "各组进度", "逾期任务", "督办任务", "关键路径", "材料审核", "主要材料进度",
                               "待审材料", "出席", "历次会议对比"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["任务完成（已验收/全部）"] == "0/3" and overview["当前阶段"] == "会前"
    groups = list(book["各组进度"].iter_rows(values_only=True))
    assert groups[0][:3] == ("工作组", "任务总数", "已完成") and groups[1][:2] == ("会务组", 3)
    overdue = list(book["逾期任务"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[4], row[5]) for row in overdue] == [("布置会场", "会务组", 3, 1)]
    path = list(book["关键路径"].iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in path[:2]] == ["布置会场", "彩排"] and path[0][7] == "是"


def test_without_a_meeting_the_dashboard_says_so(client, login, role_users, meeting):
    db.session.delete(meeting)
    db.session.commit()
    login(role_users["leader"])
    response = client.get("/dashboard")
    assert response.status_code == 404 and "还没有会议" in response.get_data(as_text=True)
    assert client.get("/api/dashboard").get_json()["message"].startswith("还没有会议")


def test_a_present_domain_without_its_section_module_fails_loudly(monkeypatch):
    """A domain package that is installed but whose section module is missing must not pass silently."""
    monkeypatch.setattr(registry, "ORDER", (*registry.ORDER, "minutes"))
    monkeypatch.setitem(registry.OPTIONAL, "minutes", ("meetingprep.documents", "会议纪要", "（纪要模块接入后显示）"))
    registry.sections.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"sections/minutes\.py"):
            registry.sections()
    finally:
        registry.sections.cache_clear()


def test_group_lead_of_no_group_sees_an_empty_dashboard(client, login, role_users, meeting):
    factories.make_task(meeting, role_users["group"], due_at=now() - dt.timedelta(days=1))
    lead = factories.make_user("group_lead")
    db.session.commit()
    login(lead)
    data = client.get("/api/dashboard").get_json()
    assert data["scope"] == {"group_ids": []}
    assert data["groups"]["rows"] == [] and data["risk"]["overdue"]["total"] == 0
    assert data["overview"]["completion"]["total"] == 0


def test_the_page_follows_the_meeting_through_its_days_and_after_it(client, login, role_users, meeting,
                                                                    time_machine):
    # noon of the meeting's second day in Shanghai (the opening is at the test's time of day: one hour after
    # it, late in the evening, would already be the third day)
    second_day = timeutil.to_local(meeting.opens_at).date() + dt.timedelta(days=1)
    time_machine.move_to(timeutil.from_local(dt.datetime.combine(second_day, dt.time(12, 0))), tick=False)
    login(role_users["leader"])  # logged in at that moment: a login ends after SESSION_ABSOLUTE_HOURS
    html = client.get("/dashboard").get_data(as_text=True)
    assert "大会进行中 · 第 2 天" in html and "距开幕还有" not in html
    time_machine.move_to(meeting.closes_at + dt.timedelta(hours=1), tick=False)
    login(role_users["leader"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "大会已闭幕" in html and "大会进行中" not in html and "大会已开幕" not in html
