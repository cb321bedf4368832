"""Leave decided by a designated leader (#20): the secretariat names the leaders who may decide the meeting's
leave besides itself; a named leader sees what waits on their home page (the dashboard), reads the reason and
decides; any other leader is refused. The rule lives in permissions.py (attendance.leave.decide)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetingprep.attendance.models import LeaveApprover, LeaveRequest, LeaveStatus
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.permissions import can
from tests import factories


@pytest.fixture
def world(role_users):
    meeting = role_users["meeting"]
    zhang = factories.make_member(meeting, name="张三", member_no="0001", user=role_users["member"])
    sitting = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=3000)
    other_leader = factories.make_user("leader", display_name="李副主席")
    db.session.commit()
    return {**role_users, "zhang": zhang, "sitting": sitting, "other_leader": other_leader}


def _request_leave(client, login, world, reason="赴省里参加专题培训（住院复查另附）"):
    login(world["member"])
    response = client.post("/attendance/leave/new",
                           data={"member_no": "0001", "sitting_ids": [str(world["sitting"].id)], "reason": reason})
    assert response.status_code == 302
    return db.session.scalar(select(LeaveRequest).where(LeaveRequest.member_id == world["zhang"].id))


def test_a_leader_decides_leave_only_once_named(client, login, world):
    leader, other = world["leader"], world["other_leader"]
    leave = _request_leave(client, login, world)
    decide = f"/attendance/leave/{leave.id}/decide"
    approve = {"decision": "approve", "note": "同意", "version_id": str(leave.version_id)}

    login(leader)  # not named yet: reads 请假, neither the reason nor a form; the decision is refused
    page = client.get(f"/attendance/leave/{leave.id}").get_data(as_text=True)
    assert "住院复查" not in page and "提交审批" not in page
    assert client.post(decide, data=approve).status_code == 403
    assert "待您审批的请假" not in client.get("/dashboard").get_data(as_text=True)

    login(world["secretariat"])
    response = client.post("/attendance/leave/approvers", data={"user_ids": [str(leader.id)]})
    assert response.status_code == 302
    assert db.session.scalars(select(LeaveApprover.user_id)).all() == [leader.id]
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "LeaveApprover"))
    assert created.action == "create" and created.actor_id == world["secretariat"].id

    login(leader)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)  # a leader's home is the dashboard
    assert "待您审批的请假" in home and "张三" in home and "闭幕大会" in home
    page = client.get(f"/attendance/leave/{leave.id}").get_data(as_text=True)
    assert "住院复查" in page and "提交审批" in page  # a decision needs its reason
    login(other)
    assert client.post(decide, data=approve).status_code == 403
    assert "待您审批的请假" not in client.get("/dashboard").get_data(as_text=True)

    login(leader)
    assert client.post(decide, data=approve).status_code == 302
    db.session.expire_all()
    leave = db.session.get(LeaveRequest, leave.id)
    assert leave.status == LeaveStatus.APPROVED and leave.decided_by_id == leader.id
    told = db.session.scalar(select(Notification).where(Notification.kind == "attendance.leave_decided"))
    assert told.recipient_id == world["member"].id
    assert "没有等待审批的请假申请" in client.get("/dashboard").get_data(as_text=True)


def test_named_leaders_are_told_of_each_request_and_it_settles_once_decided(client, login, world):
    login(world["secretariat"])
    client.post("/attendance/leave/approvers", data={"user_ids": [str(world["leader"].id)]})
    leave = _request_leave(client, login, world)
    asked = db.session.scalars(select(Notification).where(Notification.kind == "attendance.leave_requested")).all()
    assert {n.recipient_id for n in asked} == {world["secretariat"].id, world["leader"].id}
    login(world["secretariat"])
    client.post(f"/attendance/leave/{leave.id}/decide",
                data={"decision": "reject", "note": "会议重要，请尽量出席", "version_id": str(leave.version_id)})
    db.session.expire_all()
    waiting = db.session.scalar(select(Notification).where(Notification.kind == "attendance.leave_requested",
                                                           Notification.recipient_id == world["leader"].id))
    assert waiting.read_at is not None  # decided: no longer waits unread in the leader's inbox


def test_only_active_leaders_can_be_named_and_bad_input_is_answered_in_chinese(client, login, world):
    login(world["secretariat"])
    staff = world["staff"]
    refused = client.post("/attendance/leave/approvers", data={"user_ids": [str(staff.id), str(world["leader"].id)]})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "只能指定在岗的“领导”角色账号审批请假" in text and staff.display_name in text
    assert client.post("/attendance/leave/approvers", data={"user_ids": ["99999"]}).status_code == 400
    for hostile in (["abc"], ["-1"], ["9" * 30], ["\x00"]):
        assert client.post("/attendance/leave/approvers", data={"user_ids": hostile}).status_code == 400, hostile
    assert db.session.scalars(select(LeaveApprover)).all() == []
    client.post("/attendance/leave/approvers", data={"user_ids": [str(world["leader"].id)]})
    assert "领导甲" in client.get("/attendance/leave/approvers").get_data(as_text=True)
    assert client.post("/attendance/leave/approvers", data={}).status_code == 302  # none: the secretariat alone
    assert db.session.scalars(select(LeaveApprover)).all() == []
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "LeaveApprover")
                             .order_by(AuditEntry.id.desc()).limit(1)) == "delete"
    for role in ("leader", "group_lead", "staff", "member"):
        login(world[role])
        assert client.post("/attendance/leave/approvers", data={"user_ids": [str(world["leader"].id)]}) \
            .status_code == 403, role


def test_the_rule_follows_the_meeting_and_the_role(world):
    leader, meeting = world["leader"], world["meeting"]
    db.session.add(LeaveApprover(meeting_id=meeting.id, user_id=leader.id))
    other_meeting = factories.make_meeting(is_current=False)
    db.session.commit()
    mine = factories.make_leave(world["zhang"], [world["sitting"]])
    elsewhere = factories.make_leave(factories.make_member(other_meeting), None)
    assert can(leader, "attendance.leave.decide", mine) and can(leader, "attendance.leave.decide", meeting)
    assert not can(leader, "attendance.leave.decide", elsewhere)
    assert not can(leader, "attendance.leave.decide", other_meeting)
    assert not can(world["other_leader"], "attendance.leave.decide", mine)
    assert can(world["secretariat"], "attendance.leave.decide", elsewhere)
    leader.role = "staff"  # no longer a leader: the naming no longer counts
    assert not can(leader, "attendance.leave.decide", mine)
