"""Notice rules: scopes into people, sending now and at a set time (exactly once), receipts, the unread
reminder on a controlled clock, the audit trail, and statements that do not grow with recipients."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetingprep.attendance.models import DiscussionGroup, LeaveStatus, MemberProfile
from meetingprep.audit import AuditEntry
from meetingprep.auth.models import User
from meetingprep.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.notices import jobs, services
from meetingprep.notices.models import Notice, NoticeRecipient, NoticeStatus, ScopeKind
from meetingprep.notifications.models import Channel, Delivery, Notification
from meetingprep.notifications.outbox import deliver_due
from tests import factories
from tests.notices.conftest import data, everyone, local

S = services.ScopeChoice


def _actor(world) -> User:
    return db.session.get(User, world.secretariat)


def _meeting(world) -> Meeting:
    return db.session.get(Meeting, world.meeting)


def _people(world, *scopes) -> dict[str, services.Person]:
    meeting = _meeting(world)
    return {p.name: p for p in services.resolve_people(meeting.id, services.scope_rows(meeting, list(scopes)))}


def _receipts(notice_id: int) -> dict[str, NoticeRecipient]:
    db.session.expire_all()
    rows = db.session.scalars(select(NoticeRecipient).where(NoticeRecipient.notice_id == notice_id))
    return {r.name: r for r in rows}


# ── scopes ─────────────────────────────────────────────────────────────────────────────────────
def test_each_scope_names_the_right_people(world):
    assert set(_people(world, S(ScopeKind.ALL_MEMBERS))) == {"王芳", "李强", "赵敏", "孙丽", "钱伟", "周杰"}
    assert set(_people(world, S(ScopeKind.STANDING))) == {"王芳"}
    assert set(_people(world, S(ScopeKind.SECTOR, ref_text="教育界"))) == {"李强", "孙丽", "周杰"}
    assert set(_people(world, S(ScopeKind.DISCUSSION_GROUP, ref_id=world.group_two))) == {"赵敏", "孙丽", "钱伟"}
    assert set(_people(world, S(ScopeKind.WORKING_GROUP, ref_id=world.huiwu))) == {"会务组长", "会务小王"}
    assert set(_people(world, S(ScopeKind.ALL_STAFF))) == {"秘书处刘", "会务组长", "会务小王", "材料小李"}


def test_a_sittings_expected_members_without_those_on_approved_leave(world):
    meeting = _meeting(world)
    group_one = db.session.get(DiscussionGroup, world.group_one)
    sitting = factories.make_sitting(meeting, name="分组讨论（一）", expectation="groups", groups=[group_one],
                                     starts_in_minutes=600)
    factories.make_leave(db.session.get(MemberProfile, world.li), [sitting], status=LeaveStatus.APPROVED)
    factories.make_leave(db.session.get(MemberProfile, world.wang), [sitting], status=LeaveStatus.PENDING)
    assert set(_people(world, S(ScopeKind.SITTING, ref_id=sitting.id))) == {"王芳", "周杰"}


def test_a_person_named_by_several_scopes_is_told_once_and_accounts_decide_the_channels(world):
    people = _people(world, S(ScopeKind.ALL_MEMBERS), S(ScopeKind.STANDING), S(ScopeKind.SECTOR, ref_text="经济界"),
                     S(ScopeKind.ALL_STAFF), S(ScopeKind.WORKING_GROUP, ref_id=world.huiwu))
    assert len(people) == 10
    assert people["王芳"].key == f"u{world.wang_user}" and people["王芳"].mobile == "13800000001"
    assert people["王芳"].email == "wangfang@example.org"
    assert people["孙丽"].key == f"m{world.sun}" and people["孙丽"].mobile == "13800000004"
    assert people["钱伟"].mobile == "" and people["钱伟"].contact_phone == "0812-3334444"
    assert people["周杰"].user_id is None  # a switched-off account cannot read anything here
    assert people["会务小王"].affiliation == "会务组" and people["会务小王"].mobile == "13800000011"


def test_scopes_of_another_meeting_are_refused(world):
    other = factories.make_meeting(is_current=False)
    stranger = factories.make_group(other, name="外会议组")
    with pytest.raises(ValidationFailed, match="不属于本次会议"):
        services.scope_rows(_meeting(world), [S(ScopeKind.WORKING_GROUP, ref_id=stranger.id)])
    with pytest.raises(ValidationFailed, match="不属于本次会议"):
        services.scope_rows(_meeting(world), [S(ScopeKind.SECTOR, ref_text="不存在界")])


# ── sending now ────────────────────────────────────────────────────────────────────────────────
def test_sending_now_writes_receipts_inbox_messages_and_deliveries(world):
    notice = services.create_notice(_actor(world), _meeting(world), data(*everyone(), send_sms=True, send_email=True))
    db.session.commit()
    assert notice.status == NoticeStatus.SENT and notice.recipient_count == 10 and notice.sent_at is not None
    receipts = _receipts(notice.id)
    assert receipts["王芳"].phone == "13800000001" and receipts["王芳"].email == "wangfang@example.org"
    assert receipts["孙丽"].phone == "13800000004" and receipts["孙丽"].user_id is None
    assert receipts["钱伟"].phone == "" and receipts["钱伟"].notification_id is None
    inbox = dict(db.session.execute(select(Notification.recipient_id, Notification.subject)
                                    .where(Notification.kind == "notice",
                                           Notification.recipient_id.is_not(None))).all())
    assert inbox[world.wang_user] == "【报到须知】大会报到须知"
    assert world.zhao_user in inbox and world.secretariat in inbox
    deliveries = {(d.channel, d.target) for d in db.session.scalars(select(Delivery))}
    assert (Channel.SMS, "13800000001") in deliveries and (Channel.SMS, "13800000004") in deliveries
    assert (Channel.SMS, "13800000006") in deliveries  # 周杰: no usable account, told by SMS
    assert (Channel.EMAIL, "wangfang@example.org") in deliveries
    assert (Channel.EMAIL, "mishu@zx.example.cn") in deliveries
    assert not any(target.startswith("0812") for _channel, target in deliveries)


def test_the_sms_reaches_the_gateway_signed_and_an_account_less_member_gets_no_login_link(world, sms_gateway):
    notice = services.create_notice(_actor(world), _meeting(world),
                                    data(S(ScopeKind.DISCUSSION_GROUP, ref_id=world.group_two), send_sms=True))
    db.session.commit()
    assert deliver_due().sent == 1  # 孙丽 only: 赵敏 has no phone, 钱伟 a desk phone
    [(phone, text)] = sms_gateway.texts
    assert phone == "13800000004"
    assert text.startswith("【大会秘书处】【报到须知】大会报到须知：请于开幕前一日") and "/notices/" not in text
    [request] = sms_gateway.received
    assert request.signature_ok and request.json["msgid"].startswith("meetingprep-")
    assert notice.id


def test_a_notice_to_nobody_and_bad_input_are_refused_in_chinese(world, app):
    actor, meeting = _actor(world), _meeting(world)
    empty = factories.make_discussion_group(meeting, "第三组")
    cases = [
        (data(S(ScopeKind.DISCUSSION_GROUP, ref_id=empty.id)), "没有任何人员"),
        (services.NoticeData(category=data().category, title="", body="x", scopes=everyone()), "请填写标题"),
        (data(title="标" * 101), "不能超过 100 字"),
        (data(body="  "), "请填写正文"),
        (services.NoticeData(category=data().category, title="t", body="b", scopes=[]), "至少选择一个发送范围"),
        (data(send_at=local(2000, 1, 1, 9, 0)), "已经过去"),
        (data(send_at=local(2100, 1, 1, 9, 0)), "不能晚于"),
        (data(remind_after_hours=1000), "未读提醒"),
    ]
    for notice_data, message in cases:
        with pytest.raises(ValidationFailed, match=message):
            services.create_notice(actor, meeting, notice_data)
    app.config["SMS_GATEWAY_URL"] = ""
    with pytest.raises(ValidationFailed, match="短信网关尚未配置"):
        services.create_notice(actor, meeting, data(send_sms=True))
    app.config["MAIL_HOST"] = ""
    with pytest.raises(ValidationFailed, match="邮件服务器尚未配置"):
        services.create_notice(actor, meeting, data(send_email=True))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_only_the_secretariat_sends(world):
    staff = db.session.get(User, world.huiwu_lead)
    with pytest.raises(NotAllowed):
        services.create_notice(staff, _meeting(world), data())


def test_sending_is_audited(world):
    notice = services.create_notice(_actor(world), _meeting(world), data(*everyone(), send_sms=True))
    db.session.commit()
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.message, AuditEntry.actor_id).where(
        AuditEntry.object_type == "Notice", AuditEntry.object_id == notice.id).order_by(AuditEntry.id)).all()
    actions = [entry.action for entry in entries]
    assert "create" in actions and "send" in actions
    send = next(entry for entry in entries if entry.action == "send")
    assert send.actor_id == world.secretariat and "10 人" in send.message and "短信 5 条" in send.message


def test_statements_do_not_grow_with_recipients(world, count_queries):
    meeting, actor = _meeting(world), _actor(world)

    def measure() -> list[str]:
        _loaded = (actor.role, actor.is_active_account, meeting.id)  # refreshed outside the count
        with count_queries() as counter:
            services.create_notice(actor, meeting, data(*everyone(), send_sms=True, send_email=True))
        db.session.commit()
        return [" ".join(statement.split())[:70] for statement in counter.statements]

    small = measure()
    for n in range(40):
        user = factories.make_user("member", email=f"m{n}@example.org")
        member = factories.make_member(meeting, user=user, sector="经济界")
        member.phone = f"1390000{n:04d}"
        factories.make_user("staff", group=db.session.get(WorkingGroup, world.huiwu), email=f"s{n}@x.cn")
    db.session.commit()
    assert measure() == small


# ── at a set time ──────────────────────────────────────────────────────────────────────────────
def test_a_scheduled_notice_goes_out_once_at_its_time(world, clock):
    clock(2027, 1, 10, 8, 0)
    notice = services.create_notice(_actor(world), _meeting(world),
                                    data(S(ScopeKind.STANDING), send_at=local(2027, 1, 10, 9, 30), send_sms=True))
    db.session.commit()
    assert notice.status == NoticeStatus.SCHEDULED and _receipts(notice.id) == {}
    clock(2027, 1, 10, 9, 29)
    assert jobs.tick().startswith("发送通知公告 0 条")
    clock(2027, 1, 10, 9, 31)
    assert jobs.tick().startswith("发送通知公告 1 条")
    assert jobs.tick().startswith("发送通知公告 0 条")
    assert set(_receipts(notice.id)) == {"王芳"}
    notice = db.session.get(Notice, notice.id)
    assert notice.status == NoticeStatus.SENT and notice.sent_at == local(2027, 1, 10, 9, 31)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "notice")) == 1
    assert services.send_scheduled(notice.id, local(2027, 1, 10, 9, 32)) is None  # a second runner: nothing
    entries = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Notice")).all()
    assert "schedule" in entries and "send" in entries


def test_the_scope_is_resolved_when_it_goes_out(world, clock):
    clock(2027, 1, 10, 8, 0)
    notice = services.create_notice(_actor(world), _meeting(world),
                                    data(S(ScopeKind.SECTOR, ref_text="经济界"), send_at=local(2027, 1, 10, 9, 0)))
    factories.make_member(_meeting(world), name="新委员", sector="经济界")
    db.session.commit()
    clock(2027, 1, 10, 9, 0)
    jobs.tick()
    assert "新委员" in _receipts(notice.id)


def test_a_scheduled_notice_can_be_cancelled_until_it_goes(world, clock):
    clock(2027, 1, 10, 8, 0)
    actor = _actor(world)
    notice = services.create_notice(actor, _meeting(world), data(send_at=local(2027, 1, 10, 9, 0)))
    db.session.commit()
    with pytest.raises(Conflict):
        services.cancel_notice(actor, notice, version_id=notice.version_id + 1)
    services.cancel_notice(actor, notice, version_id=notice.version_id)
    db.session.commit()
    clock(2027, 1, 10, 9, 5)
    jobs.tick()
    assert db.session.get(Notice, notice.id).status == NoticeStatus.CANCELLED and _receipts(notice.id) == {}
    sent = services.create_notice(actor, _meeting(world), data())
    db.session.commit()
    with pytest.raises(InvalidTransition, match="只有定时待发"):
        services.cancel_notice(actor, sent, version_id=sent.version_id)


# ── receipts and the unread reminder ───────────────────────────────────────────────────────────
def test_opening_is_the_receipt_once_and_reads_the_inbox_message(world, clock):
    clock(2027, 1, 10, 9, 0)
    notice = services.create_notice(_actor(world), _meeting(world), data())
    db.session.commit()
    wang = db.session.get(User, world.wang_user)
    receipt = db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == wang.id))
    clock(2027, 1, 10, 9, 20)
    assert services.open_notice(wang, receipt) is True
    db.session.commit()
    clock(2027, 1, 10, 11, 0)
    assert services.open_notice(wang, receipt) is False
    db.session.commit()
    assert _receipts(notice.id)["王芳"].read_at == local(2027, 1, 10, 9, 20)
    assert db.session.scalar(select(Notification.read_at).where(Notification.recipient_id == wang.id)) \
        == local(2027, 1, 10, 9, 20)
    li = db.session.get(User, world.li_user)
    with pytest.raises(NotAllowed):
        services.open_notice(li, receipt)  # not li's receipt


def test_the_unread_are_reminded_once_after_the_set_time(world, clock, sms_gateway):
    clock(2027, 1, 10, 9, 0)
    notice = services.create_notice(_actor(world), _meeting(world),
                                    data(S(ScopeKind.DISCUSSION_GROUP, ref_id=world.group_one),
                                         S(ScopeKind.DISCUSSION_GROUP, ref_id=world.group_two),
                                         send_sms=True, remind_after_hours=24))
    db.session.commit()
    deliver_due()
    wang = db.session.get(User, world.wang_user)
    services.open_notice(wang, db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == wang.id)))
    db.session.commit()
    clock(2027, 1, 11, 8, 59)
    assert jobs.tick().endswith("未读提醒 0 人")
    clock(2027, 1, 11, 9, 1)
    # unread: 李强 (inbox + SMS), 赵敏 (inbox), 孙丽 and 周杰 (SMS only); 钱伟 has no channel at all
    assert jobs.tick().endswith("未读提醒 4 人")
    assert jobs.tick().endswith("未读提醒 0 人")
    receipts = _receipts(notice.id)
    assert receipts["王芳"].reminded_at is None and receipts["钱伟"].reminded_at is None
    assert receipts["李强"].reminded_at == local(2027, 1, 11, 9, 1)
    reminders = db.session.scalars(select(Notification).where(Notification.kind == "notice.unread")).all()
    assert len(reminders) == 4
    li = next(n for n in reminders if n.recipient_id == world.li_user)
    assert li.subject == "【请阅读】大会报到须知" and "李强：" in li.body and f"/notices/{notice.id}" in li.body
    sms_before = len(sms_gateway.texts)
    deliver_due()
    new_texts = sms_gateway.texts[sms_before:]
    assert sorted(phone for phone, _text in new_texts) == ["13800000002", "13800000004", "13800000006"]
    assert all("【请阅读】" in text for _phone, text in new_texts)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "remind")) == 1
    # the reminder is read with the notice
    li_user = db.session.get(User, world.li_user)
    services.open_notice(li_user, db.session.scalar(select(NoticeRecipient).where(
        NoticeRecipient.user_id == li_user.id)))
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_id == li_user.id, Notification.read_at.is_(None))) == 0


def test_no_reminder_when_none_was_asked(world, clock):
    clock(2027, 1, 10, 9, 0)
    services.create_notice(_actor(world), _meeting(world), data())
    db.session.commit()
    clock(2027, 3, 1, 9, 0)
    assert jobs.tick() == "发送通知公告 0 条，未读提醒 0 人"


def test_a_broken_notice_does_not_hold_back_the_others(world, clock, monkeypatch):
    clock(2027, 1, 10, 8, 0)
    actor, meeting = _actor(world), _meeting(world)
    first = services.create_notice(actor, meeting, data(send_at=local(2027, 1, 10, 9, 0), title="第一条"))
    second = services.create_notice(actor, meeting, data(send_at=local(2027, 1, 10, 9, 0), title="第二条"))
    db.session.commit()
    real = services.resolve_people

    def broken(meeting_id, scopes):
        if scopes and scopes[0].notice_id == first.id:
            raise RuntimeError("名册读取失败")
        return real(meeting_id, scopes)

    monkeypatch.setattr(services, "resolve_people", broken)
    clock(2027, 1, 10, 9, 1)
    with pytest.raises(RuntimeError, match="1 条出错"):
        jobs.tick()
    assert db.session.get(Notice, first.id).status == NoticeStatus.SCHEDULED  # tried again next tick
    assert db.session.get(Notice, second.id).status == NoticeStatus.SENT


def test_an_archived_meetings_notices_neither_go_out_nor_remind(world, clock):
    clock(2027, 1, 10, 8, 0)
    actor, meeting = _actor(world), _meeting(world)
    scheduled = services.create_notice(actor, meeting, data(send_at=local(2027, 1, 10, 9, 0)))
    sent = services.create_notice(actor, meeting, data(remind_after_hours=1))
    db.session.commit()
    meeting.closed_at = local(2027, 1, 10, 8, 30)  # archived (归档): read-only from now on
    db.session.commit()
    clock(2027, 1, 10, 10, 0)
    assert jobs.tick() == "发送通知公告 0 条，未读提醒 0 人"
    assert db.session.get(Notice, scheduled.id).status == NoticeStatus.SCHEDULED
    assert db.session.get(Notice, sent.id).reminded_at is None
