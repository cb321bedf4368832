"""The next meeting starts from this one in one step: groups, members and leads, the plan's tasks with their
deadlines moved to the new opening, the installation's review pipelines usable at once."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.archive import carry_over, services
from meetingprep.audit import AuditEntry
from meetingprep.documents import services as document_services
from meetingprep.documents.models import Document, PipelineTemplate
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import Task
from tests import factories


def _form(**changes) -> dict:
    data = {"name": "政协第十届测试市委员会下次会议", "short_name": "下次会议", "opens_at": "2031-01-10T09:00",
            "closes_at": "2031-01-14T12:00", "venue": "市会议中心", "copy_groups": "y", "plan": "this",
            "make_current": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_next_meeting_from_an_archived_one_with_groups_members_plan_and_pipelines(client, login, world):
    inactive = factories.make_user("staff", display_name="已调离的同志", group=world.group, is_active=False)
    second = factories.make_group(world.meeting, name="宣传组", duties="新闻发布")
    factories.make_membership(second, world.staff)
    db.session.commit()
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), confirmation="测试会议")
    db.session.commit()
    login(world.secretariat)
    page = client.get(f"/meetings/{world.meeting.id}/next")
    assert page.status_code == 200 and "个审核流程" in page.get_data(as_text=True)
    response = client.post(f"/meetings/{world.meeting.id}/next", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    new = db.session.scalar(select(Meeting).where(Meeting.short_name == "下次会议"))
    assert new.is_current and not new.is_closed and response.headers["Location"].endswith(f"/meetings/{new.id}")
    groups = {g.name: g for g in db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == new.id))}
    assert set(groups) == {world.group.name, "宣传组"} and groups["宣传组"].duties == "新闻发布"
    members = db.session.execute(select(GroupMembership.user_id, GroupMembership.is_lead)
                                 .where(GroupMembership.group_id == groups[world.group.name].id)).all()
    assert set(members) == {(world.group_lead.id, True), (world.staff.id, False)}  # the inactive one left behind
    assert inactive.id not in {user_id for user_id, _ in members}
    # the plan: this meeting's tasks but the cancelled one, deadlines as far from the new opening as before
    tasks = db.session.scalars(select(Task).where(Task.meeting_id == new.id)).all()
    assert sorted(t.title for t in tasks) == sorted(["按时完成的任务", "逾期完成的任务", "仍在办理的任务"])
    old = {t.title: t for t in db.session.scalars(select(Task).where(Task.meeting_id == world.meeting.id))}
    for task in tasks:
        before = timeutil.to_local(old[task.title].due_at).date() - timeutil.to_local(world.meeting.opens_at).date()
        after = timeutil.to_local(task.due_at).date() - timeutil.to_local(new.opens_at).date()
        assert before == after, task.title
        assert task.owner_id == world.group_lead.id and task.group_id == groups[world.group.name].id
    # the pipeline of the archived meeting's report serves the new meeting's documents
    assert db.session.scalar(select(Document.template_name).where(Document.id == world.document.id)) == "组长审核"
    template = db.session.scalar(select(PipelineTemplate).where(PipelineTemplate.name == "组长审核"))
    document = document_services.create_document(world.secretariat, new, document_services.DocumentData(
        title="新一年的工作报告", type_id=factories.make_document_type().id, drafter_ids=[world.staff.id],
        group_id=groups[world.group.name].id, template_id=template.id))
    db.session.commit()
    assert document.meeting_id == new.id
    message = db.session.scalar(select(AuditEntry.message).where(AuditEntry.meeting_id == new.id,
                                                                 AuditEntry.action == "接续创建"))
    assert "工作组 2 个、成员 3 人（1 个已停用账号未沿用）" in message and "生成任务 3 项" in message
    assert db.session.get(Meeting, world.meeting.id).is_closed  # the source stays archived


def test_bad_input_is_refused_in_chinese_with_the_input_kept(client, login, world):
    login(world.secretariat)
    url = f"/meetings/{world.meeting.id}/next"
    count = db.session.scalar(select(func.count(Meeting.id)))
    backwards = client.post(url, data=_form(closes_at="2031-01-09T09:00"))
    body = backwards.get_data(as_text=True)
    assert backwards.status_code == 400 and "闭幕时间必须晚于开幕时间" in body
    assert "政协第十届测试市委员会下次会议" in body  # the input kept
    nameless = client.post(url, data=_form(name=""))
    assert nameless.status_code == 400 and "请输入会议名称" in nameless.get_data(as_text=True)
    no_groups = client.post(url, data=_form(copy_groups=None))
    assert no_groups.status_code == 400 and "按施工图生成任务需要工作组" in no_groups.get_data(as_text=True)
    unknown = client.post(url, data=_form(plan="999999"))
    assert unknown.status_code == 400
    assert db.session.scalar(select(func.count(Meeting.id))) == count


def test_a_template_with_groups_the_meeting_lacks_is_refused_naming_them(world):
    template = factories.make_plan_template(factories.make_meeting(is_current=False), name="别处的模板")
    db.session.commit()
    with pytest.raises(ValidationFailed, match="请为这些模板工作组选择本次会议的对应工作组"):
        carry_over.start_next_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), name="下次",
                                      short_name="", opens_at=timeutil.now() + dt.timedelta(days=300),
                                      closes_at=timeutil.now() + dt.timedelta(days=304), venue="",
                                      plan=str(template.id))
    db.session.rollback()


def test_only_the_secretariat_starts_the_next_meeting(client, login, world):
    for role in ("leader", "group_lead", "staff", "member"):
        login(getattr(world, role))
        assert client.get(f"/meetings/{world.meeting.id}/next").status_code == 403
        assert client.post(f"/meetings/{world.meeting.id}/next", data=_form()).status_code == 403
