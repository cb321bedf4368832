"""批示 and 督办 rules: who may write, acknowledge and answer; who is told; what lands in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetingprep.audit import AuditEntry
from meetingprep.errors import InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.instructions import queries, services
from meetingprep.instructions.models import Instruction, InstructionReceipt, RecipientRole, Supervision
from meetingprep.notifications.models import Notification
from meetingprep.tasks import services as task_services
from meetingprep.tasks.states import TaskAction, TaskStatus
from tests import factories


def messages(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def trail(obj_type: str, obj_id: int) -> list[tuple[str, str]]:
    return [(e.action, e.message) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == obj_type, AuditEntry.object_id == obj_id)
        .order_by(AuditEntry.id))]


def reload(instruction_id: int) -> Instruction:
    db.session.expire_all()
    return queries.instruction_for_action(instruction_id)


def test_a_leader_instructs_the_owner_and_the_group_lead_who_are_told(world):
    task, leader, staff, lead = world["task"], world["leader"], world["staff"], world["group_lead"]
    instruction = services.write_instruction(leader, task, "  请务必在开幕前两天完成，确保万无一失。 ")
    db.session.commit()
    assert instruction.body == "请务必在开幕前两天完成，确保万无一失。"
    receipts = {r.user_id: r.role for r in reload(instruction.id).receipts}
    assert receipts == {staff.id: RecipientRole.OWNER, lead.id: RecipientRole.LEAD}
    told = messages("instruction.new")
    assert {n.recipient_id for n in told} == {staff.id, lead.id}
    assert "领导甲" in told[0].subject and "布置主会场" in told[0].subject
    assert "确保万无一失" in told[0].body and told[0].link == f"/tasks/{task.id}#instruction-{instruction.id}"
    assert ("领导批示", "领导甲批示：请务必在开幕前两天完成，确保万无一失。") in trail("Task", task.id)
    assert [a for a, _m in trail("Instruction", instruction.id)] == ["create"]


@pytest.mark.parametrize("role", ["staff", "group_lead", "member"])
def test_only_leaders_and_the_secretariat_write_instructions(world, role):
    with pytest.raises(NotAllowed):
        services.write_instruction(world[role], world["task"], "请抓紧")
    services.write_instruction(world["secretariat"], world["task"], "转达主席批示：请抓紧")
    services.write_instruction(world["admin"], world["task"], "请抓紧")


def test_empty_or_overlong_instructions_are_refused_kindly(world):
    with pytest.raises(ValidationFailed, match="请填写批示内容"):
        services.write_instruction(world["leader"], world["task"], "   ")
    with pytest.raises(ValidationFailed, match="不能超过 2000 字"):
        services.write_instruction(world["leader"], world["task"], "批" * 2001)


def test_only_the_addressees_acknowledge_and_answer_and_the_leader_is_told(world):
    task, leader, staff, lead = world["task"], world["leader"], world["staff"], world["group_lead"]
    instruction = services.write_instruction(leader, task, "请报告进展")
    db.session.commit()
    instruction = reload(instruction.id)
    for outsider in (world["secretariat"], world["leader2"], leader, world["admin"], world["member"]):
        with pytest.raises(NotAllowed):
            services.acknowledge(outsider, instruction, task)
        with pytest.raises(NotAllowed):
            services.reply(outsider, instruction, task, "我来说")
    services.acknowledge(staff, instruction, task)
    services.acknowledge(staff, instruction, task)  # a second click changes nothing
    db.session.commit()
    instruction = reload(instruction.id)
    assert instruction.receipt_of(staff.id).read_at is not None and instruction.receipt_of(lead.id).read_at is None
    assert instruction.state_label == "待阅"
    assert [a for a, _m in trail("Task", task.id)].count("已阅批示") == 1
    mine = [n for n in messages("instruction.new") if n.recipient_id == staff.id]
    assert mine[0].read_at is not None  # settled: nothing waits unread in the inbox once read

    services.reply(lead, instruction, task, "已安排专人负责，明天完成。")
    db.session.commit()
    instruction = reload(instruction.id)
    assert instruction.receipt_of(lead.id).read_at is not None  # reporting back is reading it too
    assert instruction.state_label == "已反馈" and instruction.replies[0].body == "已安排专人负责，明天完成。"
    answered = messages("instruction.reply")
    assert [n.recipient_id for n in answered] == [leader.id]
    assert "组长甲" in answered[0].subject and "已安排专人负责" in answered[0].body
    assert any(a == "报告办理情况" and "已安排专人负责" in m for a, m in trail("Task", task.id))
    with pytest.raises(ValidationFailed):
        services.reply(staff, instruction, task, "")


def test_a_document_instruction_goes_to_its_drafters_and_group_leads(world):
    document = factories.make_document(world["meeting"], drafters=[world["staff"]], title="常委会工作报告",
                                       group=world["group"])
    db.session.commit()
    instruction = services.write_instruction(world["leader"], document, "数据要核准")
    db.session.commit()
    roles = {r.user_id: r.role for r in reload(instruction.id).receipts}
    assert roles == {world["staff"].id: RecipientRole.DRAFTER, world["group_lead"].id: RecipientRole.LEAD}
    assert messages("instruction.new")[0].link == f"/documents/{document.id}#instruction-{instruction.id}"
    assert any(a == "领导批示" for a, _m in trail("Document", document.id))


def test_an_instruction_with_nobody_to_answer_it_is_refused(world):
    world["staff"].is_active_account = False
    world["group_lead"].is_active_account = False
    db.session.commit()
    with pytest.raises(ValidationFailed, match="没有可以承办"):
        services.write_instruction(world["leader"], world["task"], "请抓紧")


# ── 督办 ─────────────────────────────────────────────────────────────────────────────────────────
def test_leaders_and_the_secretariat_mark_and_unmark_supervision(world):
    task = world["task"]
    for role in ("staff", "group_lead", "member"):
        with pytest.raises(NotAllowed):
            services.supervise(world[role], task)
    supervision = services.supervise(world["leader"], task, note="每天报告进度")
    db.session.commit()
    assert supervision.leader_id == world["leader"].id
    told = messages("task.supervised")
    assert {n.recipient_id for n in told} == {world["staff"].id, world["group_lead"].id}
    with pytest.raises(ValidationFailed, match="督办领导"):
        services.supervise(world["secretariat"], task)  # the secretariat names the leader
    services.supervise(world["secretariat"], task, leader_id=world["leader2"].id)
    db.session.commit()
    assert db.session.scalar(select(Supervision.leader_id)) == world["leader2"].id
    with pytest.raises(NotAllowed):
        services.unsupervise(world["staff"], task)
    services.unsupervise(world["secretariat"], task)
    services.unsupervise(world["secretariat"], task)  # already not: nothing to do
    db.session.commit()
    assert db.session.scalar(select(Supervision.id)) is None
    actions = [a for a, _m in trail("Task", task.id)]
    assert actions.count("督办") == 2 and actions.count("取消督办") == 1


def test_a_closed_task_is_not_supervised_and_a_non_leader_cannot_follow_one(world):
    task = world["task"]
    with pytest.raises(ValidationFailed):
        services.supervise(world["secretariat"], task, leader_id=world["staff"].id)
    task.status = TaskStatus.DONE
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.supervise(world["leader"], task)


def test_the_closure_of_a_supervised_task_is_reported_to_its_leader(world):
    task, staff, lead, leader = world["task"], world["staff"], world["group_lead"], world["leader"]
    services.supervise(world["secretariat"], task, leader_id=leader.id)
    db.session.commit()
    task_services.transition(staff, task, TaskAction.SUBMIT, note="主会场布置完毕，已彩排")
    db.session.commit()
    assert messages("task.supervised.closed") == []  # submitted is not closed
    task_services.transition(lead, task, TaskAction.ACCEPT)
    db.session.commit()
    reported = messages("task.supervised.closed")
    assert [n.recipient_id for n in reported] == [leader.id]
    assert "已验收办结" in reported[0].subject and "主会场布置完毕" in reported[0].body and "组长甲" in reported[0].body
    assert any(a == "督办办结报告" for a, _m in trail("Task", task.id))


def test_an_unsupervised_task_closes_without_a_report(world):
    task = world["task"]
    task_services.transition(world["staff"], task, TaskAction.SUBMIT, note="完成")
    task_services.transition(world["group_lead"], task, TaskAction.ACCEPT)
    db.session.commit()
    assert messages("task.supervised.closed") == []


def test_receipts_are_unique_per_person(world):
    instruction = services.write_instruction(world["leader"], world["task"], "请抓紧")
    db.session.commit()
    db.session.add(InstructionReceipt(instruction_id=instruction.id, user_id=world["staff"].id,
                                      role=RecipientRole.OWNER))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
