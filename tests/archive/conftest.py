import datetime as dt
import io
import zipfile
from types import SimpleNamespace

import pytest

from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import CheckInMethod
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories


@pytest.fixture
def world(app, role_users):
    """The role_users' meeting with one of everything the summary counts and the archive holds: tasks done
    on time, done late, open and cancelled; a report returned once then finalized; a sitting held and closed
    (3 of 5 members came, one late; one on leave, one absent: 75.0%) and one still to come; and an earlier
    meeting to compare with (1 of 4: 25.0%)."""
    meeting, group = role_users["meeting"], role_users["group"]
    staff, lead, secretariat = role_users["staff"], role_users["group_lead"], role_users["secretariat"]
    due = (now() - dt.timedelta(days=2)).replace(microsecond=0)
    tasks = SimpleNamespace(
        on_time=factories.make_task(meeting, group, staff, title="按时完成的任务", status=TaskStatus.DONE, due_at=due,
                                    submitted_at=due - dt.timedelta(hours=3), accepted_at=due, progress=100),
        late=factories.make_task(meeting, group, staff, title="逾期完成的任务", status=TaskStatus.DONE, due_at=due,
                                 submitted_at=due + dt.timedelta(days=1), accepted_at=due + dt.timedelta(days=1),
                                 progress=100),
        open=factories.make_task(meeting, group, staff, title="仍在办理的任务", status=TaskStatus.IN_PROGRESS,
                                 due_at=now() + dt.timedelta(days=3)),
        cancelled=factories.make_task(meeting, group, staff, title="取消的任务", status=TaskStatus.CANCELLED),
    )
    template = factories.make_pipeline_template([[lead]], actor=secretariat, name="组长审核")
    document = factories.make_document(meeting, template=template, drafters=[staff], group=group, actor=secretariat,
                                       title="常委会工作报告")
    document = factories.add_text_version(document, staff, "一、第一稿。")
    document_services.decide(lead, document, Decision.RETURN, comment="请补充数据", version_number=1)
    db.session.expire_all()
    document = factories.add_text_version(document_queries.document_for_action(document.id), staff,
                                          "一、总体情况。今年共召开会议十二次。\n二、主要工作。", note="补充数据")
    document_services.decide(lead, document, Decision.APPROVE, version_number=2)
    draft = factories.make_document(meeting, template=template, drafters=[staff], group=group, actor=secretariat,
                                    title="提案工作情况报告")
    members = [factories.make_member(meeting, name=name) for name in ("张一", "李二", "王三", "赵四", "钱五")]
    held = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-180)
    coming = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=3 * 24 * 60)
    factories.make_leave(members[3], [held], status="approved")
    for member in members[:2]:
        attendance_services.check_in(secretariat, held, member, method=CheckInMethod.DESK,
                                     at=held.starts_at - dt.timedelta(minutes=5))
    attendance_services.check_in(secretariat, held, members[2], method=CheckInMethod.DESK,
                                 at=held.starts_at + dt.timedelta(minutes=30))
    attendance_services.close_sitting(secretariat, held)
    earlier = factories.make_meeting(name="政协第十届测试市委员会上次会议", opens_in_days=-300, is_current=False)
    earlier_member = [factories.make_member(earlier, name=f"往届委员{i}") for i in range(4)]
    earlier_sitting = factories.make_sitting(earlier, name="往届开幕大会", starts_in_minutes=-300 * 24 * 60)
    attendance_services.check_in(secretariat, earlier_sitting, earlier_member[0], method=CheckInMethod.DESK,
                                 at=earlier_sitting.starts_at)
    attendance_services.close_sitting(secretariat, earlier_sitting)
    db.session.commit()
    return SimpleNamespace(meeting=meeting, group=group, tasks=tasks, document=document, draft=draft, members=members,
                           held=held, coming=coming, earlier=earlier, **{k: role_users[k] for k in (
                               "admin", "secretariat", "group_lead", "staff", "leader", "member")})


def read_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


@pytest.fixture
def speeches(world, role_users):
    """Four 大会发言 by the role_users' member: three reach 定稿 — two in the 大会发言 order (one oral, one
    written), one not placed — and one still waits for its pipeline."""
    from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
    from tests.agenda.conftest import finalized_speech

    oral, written, _unplaced = (finalized_speech(role_users, title) for title in
                                ("关于康养产业的发言", "关于职业教育的书面发言", "关于城市更新的发言"))
    document_services.submit_speech(role_users["member"], world.meeting, title="关于乡村振兴的发言",
                                    text="关于乡村振兴的发言正文")
    item = AgendaItem(meeting_id=world.meeting.id, sitting_id=world.coming.id, position=1,
                      starts_at=world.coming.starts_at, kind=AgendaItemKind.SPEECHES, title="大会发言", slots=[])
    db.session.add(item)
    db.session.flush()
    for position, (speech, mode) in enumerate(((oral, SpeechMode.ORAL), (written, SpeechMode.WRITTEN)), start=1):
        db.session.add(SpeechSlot(meeting_id=world.meeting.id, item_id=item.id, document_id=speech.id, mode=mode,
                                  position=position, minutes=8 if mode == SpeechMode.ORAL else None))
    db.session.commit()
    return world
