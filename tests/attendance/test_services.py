import datetime as dt

import pytest
from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.attendance import queries, services
from meetingprep.attendance.models import (
    CheckIn,
    CheckInMethod,
    LeaveStatus,
    RollStatus,
    SittingRollEntry,
)
from meetingprep.audit import AuditEntry
from meetingprep.errors import InvalidTransition, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from tests import factories


@pytest.fixture
def setup(role_users):
    meeting = role_users["meeting"]
    group1 = factories.make_discussion_group(meeting, "第一组")
    group2 = factories.make_discussion_group(meeting, "第二组")
    zhang = factories.make_member(meeting, name="张三", member_no="0001", group=group1, is_standing=True,
                                          user=role_users["member"], sector="中共")
    li = factories.make_member(meeting, name="李四", member_no="0002", group=group2, sector="民盟")
    wang = factories.make_member(meeting, name="王五", member_no="0003", group=group1, sector="民盟")
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-5)
    db.session.commit()
    return {"meeting": meeting, "zhang": zhang, "li": li, "wang": wang, "sitting": sitting, "g1": group1,
            "g2": group2, "staff": role_users["secretariat"], "member_user": role_users["member"]}


def check_ins(sitting) -> int:
    return db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.sitting_id == sitting.id))


def test_check_in_twice_is_harmless_and_first_time_stands(setup):
    sitting, zhang, staff = setup["sitting"], setup["zhang"], setup["staff"]
    first = services.check_in(staff, sitting, zhang, method=CheckInMethod.DESK)
    assert first.created and not first.record.is_late
    again = services.check_in(staff, sitting, zhang, method=CheckInMethod.QR)
    assert not again.created
    assert again.record.id == first.record.id and again.record.method == CheckInMethod.DESK
    assert "已于" in again.message and "无需重复签到" in again.message
    assert check_ins(sitting) == 1


def test_check_in_after_grace_period_is_late(setup):
    sitting, li, staff = setup["sitting"], setup["li"], setup["staff"]
    on_time = services.check_in(staff, sitting, setup["zhang"], method=CheckInMethod.DESK,
                                at=sitting.starts_at + dt.timedelta(minutes=10))
    late = services.check_in(staff, sitting, li, method=CheckInMethod.DESK,
                             at=sitting.starts_at + dt.timedelta(minutes=10, seconds=1))
    assert not on_time.record.is_late
    assert late.record.is_late and "迟到" in late.message
    counts = queries.sitting_counts(sitting)
    assert (counts.present, counts.late) == (2, 1)  # late counts as present


def test_unexpected_member_needs_confirmation_then_is_recorded(setup):
    meeting, staff = setup["meeting"], setup["staff"]
    standing = factories.make_sitting(meeting, name="常委会议", expectation="standing", starts_in_minutes=-1)
    refused = services.check_in(staff, standing, setup["li"], method=CheckInMethod.DESK)
    assert refused.needs_confirmation and refused.record is None and "不在" in refused.message
    assert check_ins(standing) == 0
    admitted = services.check_in(staff, standing, setup["li"], method=CheckInMethod.DESK, admit_unexpected=True)
    assert admitted.created and admitted.record.was_expected is False and "列席" in admitted.message
    counts = queries.sitting_counts(standing)
    assert (counts.expected, counts.present, counts.extra) == (1, 0, 1)


def test_expectation_by_groups_and_hand_picked(setup):
    meeting = setup["meeting"]
    by_group = factories.make_sitting(meeting, expectation="groups", groups=[setup["g1"]])
    listed = factories.make_sitting(meeting, expectation="listed", members=[setup["li"]])
    assert queries.is_expected(by_group, setup["zhang"]) and queries.is_expected(by_group, setup["wang"])
    assert not queries.is_expected(by_group, setup["li"])
    assert queries.is_expected(listed, setup["li"]) and not queries.is_expected(listed, setup["zhang"])
    assert queries.sitting_counts(by_group).expected == 2
    assert queries.sitting_counts(listed).expected == 1


def test_member_of_another_meeting_is_refused(setup):
    other = factories.make_meeting(is_current=False)
    stranger = factories.make_member(other, name="赵六")
    with pytest.raises(NotFound):
        services.check_in(setup["staff"], setup["sitting"], stranger, method=CheckInMethod.DESK)


def test_correction_with_reason_is_audited(setup):
    sitting, zhang, staff = setup["sitting"], setup["zhang"], setup["staff"]
    with pytest.raises(ValidationFailed):
        services.correct_record(staff, sitting, zhang, RollStatus.PRESENT, "  ")
    services.correct_record(staff, sitting, zhang, RollStatus.LATE, "纸质签到表显示 9:20 到会",
                            at=sitting.starts_at + dt.timedelta(minutes=20))
    record = db.session.scalar(select(CheckIn).where(CheckIn.member_id == zhang.id))
    assert record.is_late and record.method == CheckInMethod.CORRECTION
    services.correct_record(staff, sitting, zhang, RollStatus.ABSENT, "误签，本人未到会")
    assert check_ins(sitting) == 0
    messages = db.session.scalars(select(AuditEntry.message).where(AuditEntry.action == "correct")).all()
    assert any("误签，本人未到会" in m and "迟到 → 缺席" in m for m in messages)
    with pytest.raises(ValidationFailed):
        services.correct_record(staff, sitting, zhang, RollStatus.LEAVE, "请假须审批")


def test_close_freezes_roll_and_later_roster_changes_do_not_alter_it(setup):
    sitting, staff = setup["sitting"], setup["staff"]
    services.check_in(staff, sitting, setup["zhang"], method=CheckInMethod.DESK)
    factories.make_leave(setup["li"], [sitting], status="approved")
    rows = services.close_sitting(staff, sitting)
    db.session.commit()
    assert rows == 3
    before = queries.sitting_counts(sitting)
    assert (before.expected, before.present, before.leave, before.absent) == (3, 1, 1, 1)

    # The roster changes afterwards: a member renamed, one removed, a new one added.
    setup["zhang"].name = "张三丰"
    db.session.delete(setup["wang"])
    factories.make_member(setup["meeting"], name="新委员", member_no="0099")
    db.session.commit()

    after = queries.sitting_counts(sitting)
    assert after == before
    names = [r.name for r in queries.full_roll(sitting)]
    assert names == ["张三", "李四", "王五"]
    with pytest.raises(InvalidTransition):
        services.check_in(staff, sitting, setup["li"], method=CheckInMethod.DESK)
    with pytest.raises(InvalidTransition):
        services.close_sitting(staff, sitting)


def test_correction_after_close_changes_frozen_entry(setup):
    sitting, staff, li = setup["sitting"], setup["staff"], setup["li"]
    services.close_sitting(staff, sitting)
    services.correct_record(staff, sitting, li, RollStatus.LEAVE, "会前已口头请假，补办手续")
    entry = db.session.scalar(select(SittingRollEntry).where(SittingRollEntry.member_id == li.id))
    assert entry.status == RollStatus.LEAVE
    assert queries.sitting_counts(sitting).leave == 1


def test_reopen_discards_frozen_roll(setup):
    sitting, staff = setup["sitting"], setup["staff"]
    services.close_sitting(staff, sitting)
    services.reopen_sitting(staff, sitting)
    assert db.session.scalar(select(func.count(SittingRollEntry.id))) == 0
    assert services.check_in(staff, sitting, setup["li"], method=CheckInMethod.DESK).created


def test_leave_approved_counts_as_leave_and_member_is_told(setup):
    sitting, staff, zhang = setup["sitting"], setup["staff"], setup["zhang"]
    leave = services.request_leave(setup["member_user"], zhang, [sitting.id], "赴省里参加培训")
    assert queries.sitting_counts(sitting).leave == 0  # pending leave is not leave yet
    asked = db.session.scalar(select(Notification).where(Notification.recipient_id == staff.id))
    assert asked.subject == "张三 请假待审批" and "赴省里参加培训" in asked.body
    services.decide_leave(staff, leave, approve=True, note="同意", version_id=leave.version_id)
    counts = queries.sitting_counts(sitting)
    assert (counts.leave, counts.absent, counts.expected) == (1, 2, 3)
    assert counts.rate == 0 / 2
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == setup["member_user"].id))
    assert note.subject == "您的请假申请已批准" and note.link.endswith(f"/leave/{leave.id}")
    with pytest.raises(InvalidTransition):
        services.decide_leave(staff, leave, approve=False, note="x", version_id=leave.version_id)


def test_leave_messages_follow_the_secretariats_wording(setup):
    from meetingprep.notifications.services import save_wording

    sitting, staff, zhang = setup["sitting"], setup["staff"], setup["zhang"]
    save_wording(staff, "attendance.leave_requested", "请假：{委员}", "{会次}｜{事由}", None)
    save_wording(staff, "attendance.leave_decided", "{委员}：请假{结果}", "意见：{意见}", None)
    leave = services.request_leave(setup["member_user"], zhang, [sitting.id], "赴省里参加培训")
    asked = db.session.scalar(select(Notification).where(Notification.recipient_id == staff.id))
    assert (asked.subject, asked.body) == ("请假：张三", f"{sitting.name}｜赴省里参加培训")
    services.decide_leave(staff, leave, approve=True, version_id=leave.version_id)
    told = db.session.scalar(select(Notification).where(Notification.recipient_id == setup["member_user"].id))
    assert (told.subject, told.body) == ("张三：请假已批准", "意见：无")


def test_leave_rejected_needs_a_note_and_counts_as_absent(setup):
    sitting, staff, zhang = setup["sitting"], setup["staff"], setup["zhang"]
    leave = services.request_leave(staff, zhang, [sitting.id], "单位有事")
    with pytest.raises(ValidationFailed):
        services.decide_leave(staff, leave, approve=False, note="", version_id=leave.version_id)
    services.decide_leave(staff, leave, approve=False, note="请安排出席", version_id=leave.version_id)
    assert leave.status == LeaveStatus.REJECTED
    assert queries.sitting_counts(sitting).leave == 0
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == setup["member_user"].id))
    assert "未批准" in note.subject and "请安排出席" in note.body


def test_leave_for_closed_sitting_or_without_reason_is_refused(setup):
    sitting, staff = setup["sitting"], setup["staff"]
    with pytest.raises(ValidationFailed):
        services.request_leave(staff, setup["li"], [sitting.id], " ")
    with pytest.raises(ValidationFailed):
        services.request_leave(staff, setup["li"], [], "出差")
    services.close_sitting(staff, sitting)
    with pytest.raises(ValidationFailed):
        services.request_leave(staff, setup["li"], [sitting.id], "出差")


def test_member_present_despite_leave_counts_present(setup):
    sitting, staff, li = setup["sitting"], setup["staff"], setup["li"]
    factories.make_leave(li, [sitting], status="approved")
    services.check_in(staff, sitting, li, method=CheckInMethod.DESK)
    counts = queries.sitting_counts(sitting)
    assert (counts.present, counts.leave) == (1, 0)


def test_qr_token_tamper_revoke_reissue(setup, app):
    zhang, li = setup["zhang"], setup["li"]
    token = services.qr_token(zhang)
    assert services.member_for_token(token).id == zhang.id
    assert token != services.qr_token(li)
    with pytest.raises(ValidationFailed, match="篡改"):
        services.member_for_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    with pytest.raises(ValidationFailed):
        services.member_for_token("not-a-token")
    # A valid signature over another member's id cannot be forged without the key.
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("wrong-key", salt=services.QR_SALT).dumps([li.id, li.qr_generation])
    with pytest.raises(ValidationFailed):
        services.member_for_token(forged)
    services.reissue_qr(setup["staff"], zhang)
    with pytest.raises(ValidationFailed, match="作废"):
        services.member_for_token(token)
    assert services.member_for_token(services.qr_token(zhang)).id == zhang.id


def test_self_check_in_registers_and_checks_into_sitting_under_way(setup):
    outcomes = services.self_check_in(setup["zhang"])
    assert [o.created for o in outcomes] == [True, True]
    assert "报到成功" in outcomes[0].message and "签到成功" in outcomes[1].message
    again = services.self_check_in(setup["zhang"])
    assert [o.created for o in again] == [False]
    assert check_ins(setup["sitting"]) == 1


def test_self_check_in_of_unexpected_member_is_sent_to_the_desk(setup):
    sitting = setup["sitting"]
    sitting.expectation = "standing"
    db.session.flush()
    outcomes = services.self_check_in(setup["li"])
    assert outcomes[-1].needs_confirmation and "签到台" in outcomes[-1].message
    assert check_ins(sitting) == 0


def test_pinyin_initials_search_finds_zhang_san(setup):
    rows = queries.search_members(setup["meeting"].id, "zs", sitting=setup["sitting"])
    assert [r.name for r in rows] == ["张三"]
    assert [r.name for r in queries.search_members(setup["meeting"].id, "zhangs")] == ["张三"]
    assert [r.name for r in queries.search_members(setup["meeting"].id, "0002")] == ["李四"]
    assert [r.name for r in queries.search_members(setup["meeting"].id, "王")] == ["王五"]
    assert queries.search_members(setup["meeting"].id, "%") == []
    assert services.pinyin_keys("张三") == ("zhangsan", "zs")


@pytest.mark.parametrize(("name", "as_surname", "as_character"), [
    ("曾芳峰", "zff", "cff"), ("单雄", "sx", "dx"), ("仇英", "qy", "cy"), ("解缙", "xj", "jj"),
    ("区志强", "ozq", "qzq"),
    ("查良镛", "zly", "cly"), ("朴树", "ps", None), ("尉迟恭", "ycg", None)])
def test_polyphonic_surnames_are_found_by_either_reading(setup, name, as_surname, as_character):
    """曾芳峰 is Zēng Fāngfēng: found by "zff" (and by "cff", which people type too)."""
    meeting = setup["meeting"]
    factories.make_member(meeting, name=name)
    db.session.commit()
    assert [r.name for r in queries.search_members(meeting.id, as_surname)] == [name]
    if as_character:
        assert [r.name for r in queries.search_members(meeting.id, as_character)] == [name]
    full = services.pinyin_keys(name)[0].split()[0]
    assert [r.name for r in queries.search_members(meeting.id, full[:5])] == [name]
    assert [m.name for m in queries.roster_page(meeting.id, q=as_surname).items] == [name]


def test_figures_formula_and_grouping(setup):
    sitting, staff = setup["sitting"], setup["staff"]
    services.check_in(staff, sitting, setup["zhang"], method=CheckInMethod.DESK)
    factories.make_leave(setup["li"], [sitting], status="approved")
    counts = queries.sitting_counts(sitting)
    # 出席率 = 实到 ÷ (应到 − 请假) = 1 ÷ (3 − 1)
    assert counts.rate == pytest.approx(0.5) and counts.rate_text == "50.0%"
    moment = sitting.starts_at + dt.timedelta(minutes=1)
    by_sector = dict(queries.counts_by(setup["meeting"].id, "sector", moment))
    assert (by_sector["民盟"].expected, by_sector["民盟"].leave, by_sector["民盟"].absent) == (2, 1, 1)
    assert by_sector["中共"].rate == 1
    by_group = dict(queries.counts_by(setup["meeting"].id, "group_name", moment))
    assert by_group["第一组"].present == 1 and by_group["第二组"].leave == 1
    members, total = queries.counts_by_member(setup["meeting"].id, moment)
    assert total == 3 and [row.name for row, _c in members] == ["张三", "李四", "王五"]
    # A sitting that has not begun is left out of the meeting-wide figures.
    factories.make_sitting(setup["meeting"], starts_in_minutes=600)
    assert queries.meeting_counts(setup["meeting"].id, moment).expected == 3


def test_bulk_check_in_uses_entered_time_and_keeps_existing(setup):
    sitting, staff = setup["sitting"], setup["staff"]
    first = services.check_in(staff, sitting, setup["zhang"], method=CheckInMethod.DESK).record
    at = sitting.starts_at + dt.timedelta(minutes=25)
    created = services.bulk_check_in(staff, sitting, [setup["zhang"].id, setup["li"].id, setup["wang"].id], at)
    assert created == 2
    li_record = db.session.scalar(select(CheckIn).where(CheckIn.member_id == setup["li"].id))
    assert li_record.checked_in_at == at and li_record.is_late and li_record.method == CheckInMethod.BULK
    assert db.session.get(CheckIn, first.id).method == CheckInMethod.DESK


def test_registration_once(setup):
    first = services.register(setup["staff"], setup["li"], method=CheckInMethod.DESK)
    again = services.register(setup["staff"], setup["li"], method=CheckInMethod.DESK)
    assert first.created and not again.created and "已于" in again.message
    assert queries.registration_counts(setup["meeting"].id) == {"expected": 3, "registered": 1, "missing": 2}


def test_duty_grants_desk_for_its_scope_only(setup, role_users):
    from meetingprep.permissions import can

    staff_user = role_users["staff"]
    other = factories.make_sitting(setup["meeting"], name="闭幕大会")
    services.assign_duty(setup["staff"], setup["meeting"], staff_user, setup["sitting"])
    with pytest.raises(ValidationFailed):
        services.assign_duty(setup["staff"], setup["meeting"], staff_user, setup["sitting"])
    with pytest.raises(ValidationFailed):
        services.assign_duty(setup["staff"], setup["meeting"], role_users["member"], None)
    assert can(staff_user, "attendance.check_in", setup["sitting"])
    assert not can(staff_user, "attendance.check_in", other)
    assert not can(staff_user, "attendance.check_in", setup["meeting"])


def test_upcoming_sittings_list_expected_users(setup):
    meeting = setup["meeting"]
    soon = factories.make_sitting(meeting, name="常委会", expectation="standing", starts_in_minutes=120)
    result = queries.upcoming_sittings_with_expected_users(
        meeting.id, soon.starts_at - dt.timedelta(hours=1), soon.starts_at + dt.timedelta(hours=1))
    assert [(s.id, users) for s, users in result] == [(soon.id, [setup["member_user"].id])]


def test_demo_seed_builds_roster_sittings_and_past_figures(app, role_users):
    import random

    from meetingprep.attendance import demo
    from meetingprep.demo.context import DemoContext
    from meetingprep.timeutil import now

    meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
    members = [factories.make_user("member", display_name=f"委员{i}") for i in range(5)]
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now(),
                      secretariat=[role_users["secretariat"]], member_users=members,
                      staff_by_group={"会务组": [role_users["staff"]]})
    demo.seed(ctx)
    db.session.commit()
    sittings = queries.sittings_of(meeting.id)
    assert len(sittings) == 8 and sum(s.is_closed for s in sittings) == 2
    # the plenary itself: five sittings over three days, each saying what to bring; seated by area in the hall
    from meetingprep.timeutil import to_local

    plenary = [s for s in sittings if to_local(s.starts_at).date() >= to_local(meeting.opens_at).date()]
    assert len(plenary) == 5 and len({to_local(s.starts_at).date() for s in plenary}) == 3
    assert all(s.bring_note for s in plenary) and sum(s.seated for s in plenary) == 3
    # the absences without leave at the sittings held stand as follow-ups, the first three resolved
    items = queries.follow_ups_page(meeting.id, state="all", per_page=1000)[0]
    assert len(items) > 5 and sum(not item.is_open for item in items) == 3
    assert queries.profile_of_user(meeting.id, members[0].id).seat_area.startswith("一楼 A 区")
    overall = queries.meeting_counts(meeting.id, now())
    assert overall.expected > 300 and 0.8 < overall.rate < 1 and overall.late > 0 and overall.leave > 0
    assert len({name for name, _c in queries.counts_by(meeting.id, "sector", now())}) > 15
    assert queries.profile_of_user(meeting.id, members[0].id).name == "委员0"


def test_self_check_in_picks_the_parallel_sitting_of_the_members_group(setup):
    meeting = setup["meeting"]
    setup["sitting"].ends_at = setup["sitting"].starts_at  # the plenary is over
    first = factories.make_sitting(meeting, name="第一组讨论", expectation="groups", groups=[setup["g1"]],
                                   starts_in_minutes=-2)
    second = factories.make_sitting(meeting, name="第二组讨论", expectation="groups", groups=[setup["g2"]],
                                    starts_in_minutes=-2)
    outcomes = services.self_check_in(setup["li"])  # 李四 is in the second group
    assert outcomes[-1].created and outcomes[-1].record.sitting_id == second.id
    assert services.self_check_in(setup["zhang"])[-1].record.sitting_id == first.id


def test_a_second_leave_request_for_the_same_sitting_is_refused(setup):
    meeting = setup["meeting"]
    sitting = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=3000)
    other = factories.make_sitting(meeting, name="分组讨论", starts_in_minutes=4000)
    staff = setup["staff"]
    db.session.commit()
    first = services.request_leave(staff, setup["zhang"], [sitting.id], "出差")
    with pytest.raises(ValidationFailed, match=r"已有这些会次的请假申请.*闭幕大会"):
        services.request_leave(staff, setup["zhang"], [other.id, sitting.id], "出差")
    services.request_leave(staff, setup["li"], [sitting.id], "出差")  # another member: fine
    services.decide_leave(staff, first, approve=False, note="会议重要，请尽量出席", version_id=first.version_id)
    services.request_leave(staff, setup["zhang"], [sitting.id], "确实无法出席")  # after a refusal: may ask again


def test_a_check_in_long_before_the_sitting_is_flagged(setup):
    meeting, staff = setup["meeting"], setup["staff"]
    weeks_ahead = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=60 * 24 * 14)
    soon = factories.make_sitting(meeting, name="分组讨论", starts_in_minutes=30)
    db.session.commit()
    early = services.check_in(staff, weeks_ahead, setup["zhang"], method=CheckInMethod.DESK)
    assert early.created and early.early and "请确认签到的会次无误" in early.message
    on_time = services.check_in(staff, soon, setup["zhang"], method=CheckInMethod.DESK)
    assert on_time.created and not on_time.early and "请确认" not in on_time.message


def test_a_wrong_check_in_is_undone_and_the_undo_is_audited(setup, time_machine):
    sitting, zhang, staff = setup["sitting"], setup["zhang"], setup["staff"]
    services.check_in(staff, sitting, zhang, method=CheckInMethod.DESK)
    db.session.commit()
    assert services.undo_check_in(staff, sitting, zhang) == "已撤销 张三 的签到。"
    db.session.commit()
    assert check_ins(sitting) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "undo_check_in"))
    assert entry.object_id == sitting.id and "张三" in entry.message and entry.actor_id == staff.id
    with pytest.raises(NotFound):
        services.undo_check_in(staff, sitting, zhang)  # nothing left to undo
    services.check_in(staff, sitting, zhang, method=CheckInMethod.DESK)
    db.session.commit()
    time_machine.move_to(timeutil.now() + services.UNDO_WINDOW + dt.timedelta(minutes=1))
    with pytest.raises(InvalidTransition, match="更正"):
        services.undo_check_in(staff, sitting, zhang)  # too late for the desk: a correction with a reason
    assert check_ins(sitting) == 1
