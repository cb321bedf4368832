"""Review reminders under a controlled clock: told when the stage starts, reminded once when its time
runs out — the right people at the right moment, exactly once; the digest's 待审材料."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from meetingprep.documents import queries
from meetingprep.documents.services import StageData, decide
from meetingprep.documents.states import ApprovalRule, Decision
from meetingprep.extensions import db
from meetingprep.notifications import digest, wording
from meetingprep.notifications.models import Notification
from meetingprep.notifications.rules import RULES
from meetingprep.notifications.scan import scan_reminders
from meetingprep.notifications.services import save_wording
from meetingprep.permissions import Role
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)  # a Monday morning
D, H, M = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.fixture
def clock(time_machine):
    def move(moment):
        time_machine.move_to(moment, tick=False)
    move(START - D)
    return move


@pytest.fixture
def cast(app, clock):
    people = {name: factories.make_user(role, display_name=name) for name, role in (
        ("秘书长", Role.SECRETARIAT), ("赵审", Role.STAFF), ("钱审", Role.STAFF), ("李主席", Role.LEADER),
        ("孙起草", Role.STAFF))}
    meeting = factories.make_meeting(opens_in_days=20)
    template = factories.make_pipeline_template([
        StageData(name="会签", reviewer_ids=[people["赵审"].id, people["钱审"].id], rule=ApprovalRule.ALL,
                  is_sequential=True, allowance_days=2),
        StageData(name="领导审定", reviewer_ids=[people["李主席"].id], allowance_days=1),
    ], actor=people["秘书长"], name="会签审定")
    document = factories.make_document(meeting, template=template, drafters=[people["孙起草"]],
                                       title="常委会工作报告", actor=people["秘书长"])
    db.session.commit()
    return {"meeting": meeting, "document": document, **people}


def new_since(before: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))


def last_id() -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


def scan() -> list[Notification]:
    before = last_id()
    scan_reminders()
    db.session.commit()
    return new_since(before)


def submit(cast):
    document = queries.document_for_action(cast["document"].id)
    factories.add_text_version(document, cast["孙起草"], "报告正文")
    db.session.commit()


def sent(notifications, kind=None):
    return sorted((n.recipient_id, n.kind) for n in notifications if kind is None or n.kind == kind)


def test_the_reviewer_is_told_at_the_start_and_reminded_once_when_the_allowance_runs_out(cast, clock):
    zhao, qian, li = cast["赵审"].id, cast["钱审"].id, cast["李主席"].id
    clock(START)
    before = last_id()
    submit(cast)
    started = new_since(before)
    assert sent(started, "document.review") == [(zhao, "document.review")]  # in order: only the first
    assert started[0].subject == "待您审核：常委会工作报告（会签）"
    assert "2天内（2027年1月6日 周三 09:00前）" in started[0].body
    assert scan() == []  # the scan does not repeat the start message

    clock(START + 2 * D)
    assert scan() == []  # due at this moment: not yet past it
    clock(START + 2 * D + M)  # the allowance has run out
    reminded = scan()
    assert sent(reminded) == [(zhao, "document.review.overdue")]
    assert "已超出办理时限" in reminded[0].subject and reminded[0].link == f"/documents/{cast['document'].id}"
    clock(START + 2 * D + 3 * H)
    assert scan() == []  # once per stage, reviewer and due moment

    before = last_id()
    decide(cast["赵审"], queries.document_for_action(cast["document"].id), Decision.APPROVE)
    db.session.commit()
    assert sent(new_since(before)) == [(qian, "document.review")]  # the next in order, told by the service
    assert sent(scan()) == [(qian, "document.review.overdue")]  # … and the stage is already late
    assert scan() == []

    clock(START + 2 * D + 4 * H)
    before = last_id()
    decide(cast["钱审"], queries.document_for_action(cast["document"].id), Decision.APPROVE)
    db.session.commit()
    assert sent(new_since(before)) == [(li, "document.review")]  # 领导审定 starts: one day
    clock(START + 3 * D + 4 * H)
    assert scan() == []
    clock(START + 3 * D + 4 * H + M)
    assert sent(scan()) == [(li, "document.review.overdue")]
    assert scan() == []


def test_a_stage_started_over_on_a_new_version_is_reminded_again(cast, clock):
    clock(START)
    submit(cast)
    clock(START + 2 * D + M)
    assert len(scan()) == 1
    decide(cast["赵审"], queries.document_for_action(cast["document"].id), Decision.RETURN, comment="请补充数据")
    db.session.commit()
    clock(START + 3 * D)
    submit(cast)  # back to 会签, a new round with a new allowance
    assert scan() == []
    clock(START + 5 * D + M)
    assert sent(scan()) == [(cast["赵审"].id, "document.review.overdue")]


def test_inactive_reviewers_and_finished_stages_are_not_reminded(cast, clock):
    clock(START)
    submit(cast)
    cast["赵审"].is_active_account = False
    db.session.commit()
    clock(START + 5 * D)
    assert scan() == []


def test_both_wordings_are_registered_and_editable(cast, clock):
    assert {"document.review", "document.review.overdue"} <= set(wording.KINDS)
    assert RULES["document.review.overdue"].kind == "document.review.overdue"
    save_wording(cast["秘书长"], "document.review", "请审核《{材料}》", "{阶段}，截止{截止时间}。{链接}", None)
    save_wording(cast["秘书长"], "document.review.overdue", "《{材料}》审核已超时{超时}", "{链接}", None)
    db.session.commit()
    clock(START)
    before = last_id()
    submit(cast)
    assert [n.subject for n in new_since(before)] == ["请审核《常委会工作报告》"]
    clock(START + 2 * D + 90 * M)
    assert [n.subject for n in scan()] == ["《常委会工作报告》审核已超时1小时30分钟"]


def test_every_pipeline_message_has_an_editable_wording(cast, clock):
    assert {"document.draft", "document.returned", "document.finalized", "document.reopened",
            "speech.submitted"} <= set(wording.KINDS)
    save_wording(cast["秘书长"], "document.returned", "《{材料}》请修改", "{阶段}意见：{意见}", None)
    db.session.commit()
    clock(START)
    submit(cast)
    before = last_id()
    decide(cast["赵审"], queries.document_for_action(cast["document"].id), Decision.RETURN, comment="请补充数据")
    db.session.commit()
    [returned] = new_since(before)
    assert (returned.recipient_id, returned.kind) == (cast["孙起草"].id, "document.returned")
    assert (returned.subject, returned.body) == ("《常委会工作报告》请修改", "会签意见：请补充数据")


def test_digest_lists_reviews_waiting_and_overdue_stages(cast, clock):
    clock(START)
    submit(cast)
    clock(START + 3 * D)
    text = digest.digest_text(cast["meeting"], START + 3 * D)
    assert "【待审材料（审核中 1 份，超出办理时限 1 份）】" in text
    assert "· 审核中：会签 1 份" in text
    assert "· 《常委会工作报告》会签：已超时1天，待赵审审核" in text


def test_no_digest_section_without_reviews(cast, clock):
    from meetingprep.documents.digest import reviews_waiting

    assert reviews_waiting(cast["meeting"], START) is None
