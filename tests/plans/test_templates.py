import datetime as dt

import pytest
from sqlalchemy import func, select

from meetingprep.audit import AuditEntry
from meetingprep.errors import Conflict, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.plans import services
from meetingprep.plans.models import PlanTemplate, PlanTemplateItem
from meetingprep.tasks.models import HandOff, Task, TaskPriority
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import to_local
from tests import factories
from tests.plans.helpers import local, make_plan_task, meeting_opening, staffed_group


@pytest.fixture
def this_year(app, time_machine):
    """2026's plan: three live tasks (one hand-off) and a cancelled one, around a 12-20 09:00 opening."""
    time_machine.move_to(local(2026, 11, 1, 10), tick=False)
    meeting = meeting_opening(local(2026, 12, 20, 9), name="政协第十届攀枝花市委员会第四次会议")
    hui, hui_lead = staffed_group(meeting, "会务组", "hw_lead")
    cai, cai_lead = staffed_group(meeting, "材料组", "cl_lead")
    badges = make_plan_task(meeting, hui, hui_lead, title="印制证件", due_at=local(2026, 12, 13, 17),
                                 starts_on=dt.date(2026, 12, 1), priority=TaskPriority.HIGH)
    seats = make_plan_task(meeting, hui, hui_lead, title="排定座次", due_at=local(2026, 12, 19, 10),
                                due_offset_days=-1, due_offset_time=dt.time(10, 0))
    # 00:30 local on 12-13 is still 12-12 in UTC: the offset must follow the local date.
    report = make_plan_task(meeting, cai, cai_lead, title="印制工作报告", due_at=local(2026, 12, 13, 0, 30))
    make_plan_task(meeting, cai, cai_lead, title="已取消的任务", due_at=local(2026, 12, 10, 17),
                        status=TaskStatus.CANCELLED)
    db.session.add(HandOff(predecessor_id=badges.id, successor_id=seats.id))
    db.session.add(HandOff(predecessor_id=report.id, successor_id=seats.id))
    secretary = factories.make_user("secretariat", username="mishu")
    db.session.commit()
    return meeting, secretary


def test_save_template_keeps_offsets_groups_and_hand_offs(this_year):
    meeting, secretary = this_year
    template = services.save_template(secretary, meeting, name="标准施工图")
    db.session.commit()

    items = {i.title: i for i in db.session.scalars(select(PlanTemplateItem))}
    assert set(items) == {"印制证件", "排定座次", "印制工作报告"}  # the cancelled task is left out
    assert template.item_count == 3
    assert (items["印制证件"].due_offset_days, items["印制证件"].due_time) == (-7, dt.time(17, 0))
    assert items["印制证件"].start_offset_days == -19
    assert items["印制证件"].group_name == "会务组"
    assert items["印制证件"].priority == TaskPriority.HIGH
    assert (items["印制工作报告"].due_offset_days, items["印制工作报告"].due_time) == (-7, dt.time(0, 30))
    assert (items["排定座次"].due_offset_days, items["排定座次"].due_time) == (-1, dt.time(10, 0))
    assert sorted(items["排定座次"].predecessor_keys) == sorted([items["印制证件"].key, items["印制工作报告"].key])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "PlanTemplate"))
    assert entry is not None and entry.actor_id == secretary.id


def test_apply_template_shifts_dates_to_the_new_opening_and_recreates_dependencies(this_year):
    meeting, secretary = this_year
    template = services.save_template(secretary, meeting, name="标准施工图")
    next_year = meeting_opening(local(2027, 12, 18, 9), name="政协第十届攀枝花市委员会第五次会议")
    hui, hui_lead = staffed_group(next_year, "会务组", "hw_lead_2027")
    documents, documents_lead = staffed_group(next_year, "文稿组", "wg_lead_2027")  # 材料组 was renamed
    db.session.commit()

    created = services.apply_template(secretary, template, next_year, {"会务组": hui.id, "材料组": documents.id})
    db.session.commit()

    assert len(created) == 3
    tasks = {t.title: t for t in db.session.scalars(select(Task).where(Task.meeting_id == next_year.id))}
    badges, seats, report = tasks["印制证件"], tasks["排定座次"], tasks["印制工作报告"]
    assert to_local(badges.due_at) == local(2027, 12, 11, 17)
    assert to_local(seats.due_at) == local(2027, 12, 17, 10)
    assert to_local(report.due_at) == local(2027, 12, 11, 0, 30)
    assert badges.starts_on == dt.date(2027, 11, 29)
    assert (badges.due_offset_days, badges.due_offset_time) == (-7, dt.time(17, 0))
    assert badges.owner_id == hui_lead.id and report.owner_id == documents_lead.id
    assert report.group_id == documents.id
    assert all(t.status == TaskStatus.NOT_STARTED and t.created_by_id == secretary.id for t in tasks.values())
    links = set(db.session.execute(select(HandOff.predecessor_id, HandOff.successor_id)
                                   .where(HandOff.successor_id.in_([t.id for t in tasks.values()]))).all())
    assert links == {(badges.id, seats.id), (report.id, seats.id)}
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "Task", AuditEntry.action == "create", AuditEntry.object_id.in_(
            [t.id for t in tasks.values()])))
    assert audited == 3
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == hui_lead.id))
    assert note.subject == "您有 2 项新任务（按模板「标准施工图」生成）" and note.link == "/tasks/mine"
    assert "印制证件（截止 2027年12月11日 周六 17:00）" in note.body


def test_apply_refuses_unmapped_or_leaderless_groups_and_creates_nothing(this_year):
    meeting, secretary = this_year
    template = services.save_template(secretary, meeting, name="标准施工图")
    next_year = meeting_opening(local(2027, 12, 18, 9))
    hui, _lead = staffed_group(next_year, "会务组", "hw2")
    empty = factories.make_group(next_year, name="材料组")
    db.session.commit()

    with pytest.raises(ValidationFailed, match="材料组"):
        services.apply_template(secretary, template, next_year, {"会务组": hui.id})
    with pytest.raises(ValidationFailed, match="还没有组长"):
        services.apply_template(secretary, template, next_year, {"会务组": hui.id, "材料组": empty.id})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Task.id)).where(Task.meeting_id == next_year.id)) == 0


def test_template_names_are_unique_and_delete_removes_items(this_year):
    meeting, secretary = this_year
    template = services.save_template(secretary, meeting, name="标准施工图")
    db.session.commit()
    with pytest.raises(Conflict, match="已有名为"):
        services.save_template(secretary, meeting, name="标准施工图")
    services.delete_template(secretary, template)
    db.session.commit()
    assert db.session.scalar(select(func.count(PlanTemplateItem.id))) == 0
    assert db.session.scalar(select(func.count(PlanTemplate.id))) == 0


def test_staff_cannot_save_templates(this_year):
    meeting, _secretary = this_year
    staff = factories.make_user("staff")
    with pytest.raises(Exception, match="权限"):
        services.save_template(staff, meeting, name="x")


def test_template_pages_save_apply_and_delete(this_year, client, login):
    meeting, secretary = this_year
    login(secretary)
    response = client.post("/plans/templates/new", data={"meeting_id": meeting.id, "name": "标准施工图",
                                                         "description": "2026 年版"})
    assert response.status_code == 302
    template = db.session.scalar(select(PlanTemplate))
    page = client.get(f"/plans/templates/{template.id}").get_data(as_text=True)
    assert "开幕前7天 17:00" in page and "印制证件" in page and "变更记录" in page

    again = client.post("/plans/templates/new", data={"meeting_id": meeting.id, "name": "标准施工图"})
    assert again.status_code == 409 and "已有名为" in again.get_data(as_text=True)

    next_year = meeting_opening(local(2027, 12, 18, 9), name="第五次会议", is_current=False)
    hui, _ = staffed_group(next_year, "会务组", "hw3")
    db.session.commit()
    form = client.get(f"/plans/templates/{template.id}/apply?meeting_id={next_year.id}").get_data(as_text=True)
    assert 'aria-label="材料组"' in form and '<option selected value="' in form
    missing = client.post(f"/plans/templates/{template.id}/apply",
                          data={"meeting_id": next_year.id, "group_0": 0, "group_1": hui.id})  # 材料组, 会务组
    assert missing.status_code == 400 and "请为「材料组」选择" in missing.get_data(as_text=True)
    done = client.post(f"/plans/templates/{template.id}/apply",
                       data={"meeting_id": next_year.id, "group_0": hui.id, "group_1": hui.id})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/plans/timeline?meeting={next_year.id}")
    timeline = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"group={hui.id}&amp;meeting={next_year.id}" in timeline and "排定座次" in timeline
    assert db.session.scalar(select(func.count(Task.id)).where(Task.meeting_id == next_year.id)) == 3

    assert client.post(f"/plans/templates/{template.id}/delete").status_code == 302
    assert client.get(f"/plans/templates/{template.id}").status_code == 404
    assert client.get("/plans/templates/99999999999999999999").status_code == 404


def test_relative_deadline_words_round_trip():
    from meetingprep.plans import deadlines

    for days, at in ((-7, dt.time(17)), (0, dt.time(8, 5)), (1, dt.time(9))):
        assert deadlines.parse_relative(deadlines.describe(days, at)) == deadlines.Relative(days, at)
    assert deadlines.parse_relative("开幕前7天 25:00") is None
    assert deadlines.parse_relative("开幕前 7 天 17：00") == deadlines.Relative(-7, dt.time(17))


@pytest.mark.parametrize(("role", "visible"), [("secretariat", True), ("staff", True), ("member", False)])
def test_navigation_shows_plans_by_role(app, client, login_as, role, visible):
    factories.make_meeting()
    login_as(role)
    page = client.get("/").get_data(as_text=True)
    assert ("施工图" in page) is visible
    assert ("从表格导入" in page) is (role == "secretariat")


def test_a_name_taken_between_check_and_insert_is_a_conflict(this_year, monkeypatch):
    """The unique index decides a race; the loser gets the same kind message, not a 500."""
    meeting, secretary = this_year
    db.session.add(PlanTemplate(name="抢先保存"))
    db.session.commit()
    real_scalar = db.session.scalar
    monkeypatch.setattr(db.session, "scalar", lambda stmt, *a, **k: None if "plan_templates" in str(stmt)
                        else real_scalar(stmt, *a, **k))
    with pytest.raises(Conflict, match="已有名为「抢先保存」"):
        services.save_template(secretary, meeting, name="抢先保存")
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.scalar(select(func.count(PlanTemplate.id))) == 1
