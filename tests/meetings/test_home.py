"""工作台: each role's home answers "what do I do now", in a number of queries that does not grow with data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from meetingprep.extensions import db
from meetingprep.tasks.states import TaskStatus as S
from meetingprep.timeutil import now
from tests import factories


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _count(html: str, section_id: str) -> int:
    return int(re.search(r'<span class="badge rounded-pill[^"]*">(\d+)</span>', _section(html, section_id)).group(1))


def _seed_follow_ups(meeting, n: int, *, resolved: int = 0) -> list:
    """A closed sitting with n absences to follow up, the first ``resolved`` of them already resolved."""
    from meetingprep.attendance.models import AbsenceFollowUp, FollowUpOutcome

    sitting = factories.make_sitting(meeting, starts_in_minutes=-600 - n)
    items = [AbsenceFollowUp(meeting_id=meeting.id, sitting_id=sitting.id, member_no=f"{n:02d}{i:03d}",
                             name=f"缺席{sitting.id}-{i}", sector="经济界") for i in range(n)]
    for item in items[:resolved]:
        item.outcome, item.note, item.resolved_at = FollowUpOutcome.CONTACTED, "已联系", now()
    db.session.add_all(items)
    db.session.commit()
    return items


def _seed(role_users, n: int) -> None:
    """n tasks of each kind a home lists, for the staff user in the lead's group, plus a late group."""
    group, staff, lead = role_users["group"], role_users["staff"], role_users["group_lead"]
    other = factories.make_group(role_users["meeting"], name=f"后勤组{n}")
    for i in range(n):
        factories.make_group_task(group, staff, title=f"逾期{i}", due_in_days=-1 - i, status=S.IN_PROGRESS)
        factories.make_group_task(group, staff, title=f"将到期{i}", due_in_days=2, status=S.NOT_STARTED)
        factories.make_group_task(group, staff, title=f"退回{i}", due_in_days=20, status=S.RETURNED)
        factories.make_group_task(group, staff, title=f"待验收{i}", due_in_days=20, status=S.SUBMITTED,
                                  submitted_by_id=staff.id)
        before = factories.make_group_task(other, title=f"前置{i}", due_in_days=1)
        after = factories.make_group_task(group, staff, title=f"等待{i}", due_in_days=30)
        factories.make_hand_off(before, after)
        factories.make_group_task(other, title=f"他组逾期{i}", due_in_days=-3)
    db.session.commit()
    assert lead  # leads role_users["group"]


def test_staff_home_lists_their_overdue_due_soon_and_returned_tasks(client, login, role_users):
    _seed(role_users, 2)
    login(role_users["staff"])
    html = client.get("/").get_data(as_text=True)
    assert "逾期0" in _section(html, "mine-overdue") and _count(html, "mine-overdue") == 2
    assert "将到期1" in _section(html, "mine-due-soon") and _count(html, "mine-due-soon") == 2
    assert "退回0" in _section(html, "mine-returned") and _count(html, "mine-returned") == 2
    assert 'id="to-accept"' not in html and 'id="late-by-group"' not in html


def test_group_lead_home_has_acceptance_overdue_and_blocked_of_their_groups(client, login, role_users):
    _seed(role_users, 3)
    login(role_users["group_lead"])
    html = client.get("/").get_data(as_text=True)
    assert _count(html, "to-accept") == 3 and "待验收2" in _section(html, "to-accept")
    assert _count(html, "group-overdue") == 3 and "他组逾期" not in _section(html, "group-overdue")
    assert _count(html, "group-blocked") == 3 and "等待0" in _section(html, "group-blocked")
    mine = client.get("/tasks/mine").get_data(as_text=True)  # 我的任务 has the same 待我验收
    assert "待我验收（3）" in mine and "待验收0" in _section(mine, "to-accept")


def test_group_lists_count_every_row_and_show_the_first_few(role_users):
    from sqlalchemy import func, select

    from meetingprep.tasks import workbench as lists
    from meetingprep.tasks.models import Task
    from meetingprep.tasks.queries import waits_for_predecessor

    _seed(role_users, lists.HOME_ROWS + 2)
    meeting, groups, moment = role_users["meeting"], {role_users["group"].id}, now()
    mine = (Task.meeting_id == meeting.id, Task.group_id.in_(groups))
    direct = {name: db.session.scalar(select(func.count()).select_from(Task).where(*mine, *where)) for name, where in {
        "overdue": (Task.is_overdue_at(moment),), "blocked": (Task.is_open, waits_for_predecessor(Task.id)),
        "to_accept": (Task.status == S.SUBMITTED,)}.items()}
    found = {"overdue": lists.group_overdue(groups, meeting.id, moment),
             "blocked": lists.group_blocked(groups, meeting.id),
             "to_accept": lists.awaiting_acceptance(groups, meeting.id)}
    assert {name: found[name].count for name in found} == direct == dict.fromkeys(direct, lists.HOME_ROWS + 2)
    assert all(len(found[name].rows) == lists.HOME_ROWS for name in found)
    due = [task.due_at for task, _waiting in found["overdue"].rows]
    assert due == sorted(due) and all(waiting for _task, waiting in found["blocked"].rows)
    assert lists.group_overdue(groups, meeting.id, moment - dt.timedelta(days=400)).count == 0  # the moment is bound


def test_secretariat_home_shows_lateness_across_groups_reviews_and_attention(client, login, role_users):
    _seed(role_users, 2)
    login(role_users["secretariat"])
    html = client.get("/").get_data(as_text=True)
    late = _section(html, "late-by-group")
    assert "会务组" in late and "后勤组2" in late and "2 项逾期" in late
    assert 'id="review-queue"' in html
    assert "提醒调度进程没有近期心跳" in _section(html, "attention")  # no scheduler ran in this test


def test_secretariat_home_lists_the_newest_open_follow_ups_and_counts_them_all(client, login, role_users):
    from sqlalchemy import func, select

    from meetingprep.attendance import queries as attendance
    from meetingprep.attendance.models import AbsenceFollowUp
    from meetingprep.tasks.workbench import HOME_ROWS

    meeting = role_users["meeting"]
    _seed_follow_ups(meeting, 4, resolved=1)  # the older sitting
    newest = _seed_follow_ups(meeting, 3, resolved=2)  # the newer one: one open item
    other = factories.make_meeting(name="另一次会议", is_current=False)
    _seed_follow_ups(other, 5)
    direct = db.session.scalar(select(func.count()).select_from(AbsenceFollowUp).where(
        AbsenceFollowUp.meeting_id == meeting.id, AbsenceFollowUp.resolved_at.is_(None)))
    rows, total = attendance.latest_open_follow_ups(meeting.id, HOME_ROWS)
    assert total == direct == 4
    listed, listed_total = attendance.follow_ups_page(meeting.id, state="open", per_page=HOME_ROWS)
    assert [row.id for row in rows] == [item.id for item in listed] and total == listed_total  # the list's order
    assert rows[0].id == newest[2].id and all(row.sitting.meeting_id == meeting.id for row in rows)
    assert attendance.latest_open_follow_ups(meeting.id, 2)[1] == 4  # the count is not the page's
    login(role_users["secretariat"])
    html = client.get("/").get_data(as_text=True)
    assert _count(html, "follow-ups") == 4 and newest[2].name in _section(html, "follow-ups")
    assert newest[0].name not in _section(html, "follow-ups")  # resolved
    login(role_users["staff"])
    assert 'id="follow-ups"' not in client.get("/").get_data(as_text=True)


def test_leader_goes_straight_to_the_dashboard(client, login, role_users):
    login(role_users["leader"])
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_member_home_has_sittings_leave_speeches_and_a_fitting_qr_code(client, login, role_users):
    meeting, user = role_users["meeting"], role_users["member"]
    member = factories.make_member(meeting, name="委员甲", user=user)
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=60 * 24)
    factories.make_leave(member, [sitting], reason="出差")
    db.session.commit()
    login(user)
    html = client.get("/").get_data(as_text=True)
    assert "开幕大会" in _section(html, "my-sittings") and "开幕大会" in _section(html, "my-leave")
    assert 'id="my-speeches"' in html
    qr = _section(html, "my-qr")
    assert "<svg" in qr and "viewBox" in qr and not re.search(r'<svg[^>]*\swidth="', qr)  # scales to its box


def test_a_reissued_qr_code_is_drawn_anew_on_the_member_home(client, login, role_users):
    from meetingprep.attendance import services

    user = role_users["member"]
    member = factories.make_member(role_users["meeting"], name="委员甲", user=user)
    db.session.commit()
    login(user)
    first = _section(client.get("/").get_data(as_text=True), "my-qr")
    assert first == _section(client.get("/").get_data(as_text=True), "my-qr")  # the same code, drawn once
    services.reissue_qr(role_users["secretariat"], member)
    db.session.commit()
    again = _section(client.get("/").get_data(as_text=True), "my-qr")
    assert "<svg" in again and again != first


@pytest.mark.parametrize("role", ["staff", "group_lead", "secretariat", "member"])
def test_home_queries_do_not_grow_with_data(client, login, role_users, count_queries, role):
    meeting = role_users["meeting"]
    member = factories.make_member(meeting, user=role_users["member"])
    factories.make_leave(member, [factories.make_sitting(meeting, starts_in_minutes=600)])
    db.session.commit()

    def measure() -> list[str]:
        client.get("/")  # warm the kept values (navigation, counts)
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.statements

    login(role_users[role])
    _seed(role_users, 1)
    _seed_follow_ups(meeting, 1)
    small = measure()
    _seed(role_users, 12)
    _seed_follow_ups(meeting, 12)
    for _ in range(12):
        factories.make_leave(member, [factories.make_sitting(meeting, starts_in_minutes=600)])
    db.session.commit()
    large = measure()
    assert len(large) == len(small), [" ".join(s.split())[:60] + " … " + " ".join(s.split())[-90:] for s in large]


def test_secretariat_home_lists_a_document_waiting_on_their_review(client, login, role_users):
    """The 待我审核 table is drawn by documents/_macros.html outside the documents pages (it was a 500 there)."""
    secretariat = role_users["secretariat"]
    template = factories.make_pipeline_template([[secretariat]], actor=secretariat)
    document = factories.make_document(role_users["meeting"], template=template, drafters=[role_users["staff"]],
                                       actor=secretariat, title="大会议程（草案）")
    factories.add_text_version(document, role_users["staff"], "一、开幕")
    db.session.commit()
    login(secretariat)
    response = client.get("/")
    assert response.status_code == 200
    queue = _section(response.get_data(as_text=True), "review-queue")
    assert "大会议程（草案）" in queue and "第1审" in queue
