"""Sitting reminders under a controlled clock (members expected and duty staff, N hours before, once)
and the digest's 昨日出勤."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from meetingprep.attendance import services
from meetingprep.attendance.models import CheckInMethod, MemberProfile
from meetingprep.extensions import db
from meetingprep.notifications import digest, wording
from meetingprep.notifications.models import Notification
from meetingprep.notifications.scan import scan_reminders
from meetingprep.permissions import Role
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENING = dt.datetime(2027, 1, 12, 9, 0, tzinfo=SHANGHAI)
H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.fixture
def clock(time_machine):
    def move(moment):
        time_machine.move_to(moment, tick=False)
    move(OPENING - 3 * 24 * H)
    return move


@pytest.fixture
def cast(app, clock):
    meeting = factories.make_meeting(opens_in_days=3)
    secretariat = factories.make_user(Role.SECRETARIAT, display_name="秘书处")
    accounts = {name: factories.make_user(Role.MEMBER, display_name=name) for name in ("张委员", "李委员", "王委员",
                                                                                          "赵委员")}
    members = {name: factories.make_member(meeting, name=name, user=user) for name, user in accounts.items()}
    factories.make_member(meeting, name="无账号委员")  # expected, but no account to remind
    opening = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=3 * 24 * 60)
    group_meeting = factories.make_sitting(meeting, name="第一组讨论", starts_in_minutes=3 * 24 * 60 + 300,
                                           expectation="listed", members=[members["张委员"]])
    desk = factories.make_user(Role.STAFF, display_name="签到员小刘")
    all_days = factories.make_user(Role.STAFF, display_name="值守老陈")
    services.assign_duty(secretariat, meeting, desk, opening)
    services.assign_duty(secretariat, meeting, all_days, None)  # the whole meeting
    leave = services.request_leave(secretariat, members["李委员"], [opening.id], "赴省里参加培训")
    services.decide_leave(secretariat, leave, approve=True, note="同意", version_id=leave.version_id)
    accounts["赵委员"].is_active_account = False
    db.session.commit()
    return {"meeting": meeting, "opening": opening, "group_meeting": group_meeting, "desk": desk,
            "all_days": all_days, **accounts}


def scan() -> list[Notification]:
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    scan_reminders()
    db.session.commit()
    return list(db.session.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))


def who(notifications) -> set[tuple[int, str]]:
    return {(n.recipient_id, n.kind) for n in notifications}


def test_expected_members_and_duty_staff_are_reminded_once_two_hours_before(cast, clock):
    clock(OPENING - 2 * H - M)
    assert scan() == []
    clock(OPENING - 2 * H)
    sent = scan()
    assert who(sent) == {(cast["张委员"].id, "attendance.sitting"), (cast["王委员"].id, "attendance.sitting"),
                         (cast["desk"].id, "attendance.sitting.duty"), (cast["all_days"].id, "attendance.sitting.duty")}
    # not 李委员 (approved leave), not 赵委员 (account disabled); 无账号委员 has no account
    zhang = next(n for n in sent if n.recipient_id == cast["张委员"].id)
    assert zhang.subject == "【会议提醒】开幕大会将于2027年1月12日 周二 09:00开始"
    assert "还有2小时" in zhang.body and zhang.link == "/attendance/me"
    desk = next(n for n in sent if n.recipient_id == cast["desk"].id)
    assert desk.link == f"/attendance/sittings/{cast['opening'].id}/desk"
    clock(OPENING - H)
    assert scan() == []  # once per sitting and person

    clock(OPENING + 5 * H - 2 * H)  # the group discussion: only the listed member and the meeting-wide duty
    assert who(scan()) == {(cast["张委员"].id, "attendance.sitting"), (cast["all_days"].id, "attendance.sitting.duty")}


def test_a_moved_sitting_is_reminded_again_and_a_begun_one_never(cast, clock):
    clock(OPENING - 2 * H)
    assert len(scan()) == 4
    cast["opening"].starts_at = OPENING + H  # postponed by an hour
    cast["opening"].ends_at = OPENING + 4 * H
    db.session.commit()
    clock(OPENING - H)
    assert len(scan()) == 4
    clock(OPENING + 2 * H)  # the scheduler was down until after the start: nothing late and useless
    cast["opening"].starts_at = OPENING + H + M
    db.session.commit()
    assert scan() == []


def test_the_setting_changes_the_lead_time_and_zero_turns_it_off(app, cast, clock):
    app.config["SITTING_REMINDER_HOURS"] = 0
    clock(OPENING - H)
    assert scan() == []
    app.config["SITTING_REMINDER_HOURS"] = 0.5
    assert scan() == []
    clock(OPENING - 30 * M)
    assert len(scan()) == 4


def test_wordings_are_registered_and_editable(cast, clock):
    from meetingprep.notifications.services import save_wording

    assert {"attendance.sitting", "attendance.sitting.duty"} <= set(wording.KINDS)
    save_wording(cast["desk"], "attendance.sitting", "{会次}·{开始时间}", "{地点}", None)
    db.session.commit()
    clock(OPENING - 2 * H)
    zhang = next(n for n in scan() if n.recipient_id == cast["张委员"].id)
    assert (zhang.subject, zhang.body) == ("开幕大会·2027年1月12日 周二 09:00", "市会议中心大礼堂")


def test_digest_reports_yesterdays_attendance_by_sitting(cast, clock):
    opening = cast["opening"]
    clock(OPENING + 20 * M)
    for name, late in (("张委员", M), ("王委员", 15 * M)):  # 王委员 after the 10-minute grace: late
        member = db.session.scalar(select(MemberProfile).where(MemberProfile.name == name))
        services.check_in(cast["desk"], opening, member, method=CheckInMethod.DESK, at=OPENING + late)
    db.session.commit()
    today = digest.digest_text(cast["meeting"], OPENING + 2 * H) or ""
    assert "昨日出勤" not in today  # nothing sat yesterday
    text = digest.digest_text(cast["meeting"], OPENING + 24 * H)
    assert "【昨日出勤（2027年1月12日 周二）】" in text
    # expected 5 (one without an account, one disabled), 李委员 on approved leave
    assert "· 09:00 开幕大会：应到 5，实到 2（迟到 1），请假 1，缺席 2，出席率 50.0%" in text
    assert "· 14:00 第一组讨论：应到 1，实到 0（迟到 0），请假 0，缺席 1，出席率 0.0%" in text
    assert "出席率 = 实到 ÷ (应到 − 请假)" in text
