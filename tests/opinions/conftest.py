"""A discussion world: the role_users' meeting with two discussion groups, a member of each (the role_users'
member is in 第一组), and the work report in review with its first draft
(the staff user drafts; the group lead reviews in one stage); 记录员甲 records for 第一组."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.opinions import services
from meetingprep.permissions import Role
from tests import factories

REPORT_LINES = [
    "各位委员：",
    "现在，我代表常务委员会向大会报告工作。",
    "全年共收到委员提案486件，经审查立案421件。",
    "组织视察调研38次，报送社情民意信息215篇。",
    "今年要加强委员队伍建设。",
]


@dataclass
class World:
    users: dict
    meeting: object
    first_group: object
    second_group: object
    member: object          # 张委员 (the role_users' member account), 第一组
    second_member: object   # 李委员, 第二组 (no account)
    other_member_user: object
    other_member: object    # 王委员 (an account), 第一组
    report: object
    recorder: object        # 记录员甲 (staff, not in any working group) records for 第一组


def reload(document_id: int):
    db.session.expire_all()
    return document_queries.document_for_action(document_id)


def add_version(world: World, lines: list[str], note: str = "修改稿"):
    """The report returned by the group lead, then the drafter's next version (back in review)."""
    report = reload(world.report.id)
    document_services.decide(world.users["group_lead"], report, Decision.RETURN, comment="请按讨论意见修改")
    report = factories.add_text_version(reload(world.report.id), world.users["staff"], "\n".join(lines), note)
    db.session.commit()
    world.report = report
    return report


@pytest.fixture
def world(app, role_users) -> World:
    meeting = role_users["meeting"]
    first = factories.make_discussion_group(meeting, "第一组")
    second = factories.make_discussion_group(meeting, "第二组")
    member = factories.make_member(meeting, name="张委员", member_no="0001", group=first, user=role_users["member"],
                                   is_standing=True, sector="经济界")
    second_member = factories.make_member(meeting, name="李委员", member_no="0002", group=second, sector="教育界")
    other_user = factories.make_user(Role.MEMBER, username="wang", display_name="王委员")
    other_member = factories.make_member(meeting, name="王委员", member_no="0003", group=first, user=other_user,
                                         sector="经济界")
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"],
                                                name="一级审核")
    report = factories.make_document(meeting, template=template, drafters=[role_users["staff"]],
                                     actor=role_users["secretariat"], title="常务委员会工作报告")
    report = factories.add_text_version(report, role_users["staff"], "\n".join(REPORT_LINES), "初稿")
    recorder = factories.make_user(Role.STAFF, username="jilu", display_name="记录员甲")
    services.add_recorder(role_users["secretariat"], meeting.id, group_id=first.id, user_id=recorder.id)
    db.session.commit()
    return World(role_users, meeting, first, second, member, second_member, other_user, other_member, report,
                 recorder)


def record(world: World, body: str, *, paragraph: int | None = 3, member=None, group=None, actor=None):
    opinion = services.record_opinion(actor or world.recorder, reload(world.report.id),
                                      group_id=(group or world.first_group).id,
                                      member_id=(member or world.member).id, paragraph_number=paragraph, body=body)
    db.session.commit()
    return opinion
