"""The daily digest, and the secretariat's editable wording."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from meetingprep.auth.models import User
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications import digest, services, wording
from meetingprep.notifications.models import Notification
from meetingprep.notifications.scan import scan_reminders
from meetingprep.tasks.states import TaskStatus
from tests.notifications.conftest import build_task, local


@pytest.fixture
def opening_on_14_jan(cast):
    meeting = db.session.get(Meeting, cast.meeting)
    meeting.opens_at = local(2027, 1, 14, 9, 0).astimezone(dt.UTC)
    meeting.closes_at = local(2027, 1, 18, 12, 0).astimezone(dt.UTC)
    db.session.commit()


def digests() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "digest.daily")
                                   .order_by(Notification.recipient_id)))


def test_digest_lists_overdue_by_group_and_due_today_to_secretariat_and_leaders(app, cast, clock, opening_on_14_jan):
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 6, 17, 0), title="逾期甲")
    build_task(cast, local(2027, 1, 7, 12, 0), title="逾期乙")
    build_task(cast, local(2027, 1, 8, 15, 0), title="今日到期的议程")
    build_task(cast, local(2027, 1, 8, 16, 0), title="已办结", status=TaskStatus.DONE)
    db.session.commit()
    clock(2027, 1, 8, 8, 30)
    assert digest.send_daily_digest() == 2
    db.session.commit()
    sent = digests()
    assert [n.recipient_id for n in sent] == sorted([cast.secretary, cast.leader])
    body = sent[0].body
    assert "【逾期任务（共 2 项）】" in body and "秘书组：2 项" in body
    assert "【今日到期（1 项）】" in body and "15:00 今日到期的议程（张明）" in body
    assert "已办结" not in body
    assert "距开幕还有 6 天" in body
    assert "2027年1月8日" in sent[0].subject
    assert digest.send_daily_digest() == 0  # once per day, whoever runs it again


def test_empty_digest_is_not_sent(app, cast, clock, opening_on_14_jan):
    clock(2027, 1, 8, 8, 30)
    assert digest.send_daily_digest() == 0
    assert digests() == []


def test_digest_sections_of_missing_domains_are_skipped(app, cast, clock, opening_on_14_jan, monkeypatch):
    monkeypatch.setattr(digest, "SECTIONS", [*digest.SECTIONS, "meetingprep.not_installed.digest:anything"])
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 15, 0))
    db.session.commit()
    clock(2027, 1, 8, 8, 30)
    assert digest.send_daily_digest() == 2


def test_unknown_placeholders_are_refused_and_rendering_never_fails():
    spec = wording.KINDS["task.due"]
    with pytest.raises(ValidationFailed, match=r"未知的占位符：\{任务名\}"):
        wording.check_wording(spec, "{任务名} 到期", "{任务}")
    with pytest.raises(ValidationFailed, match="花括号不成对"):
        wording.check_wording(spec, "{任务", "x")
    with pytest.raises(ValidationFailed, match="未知的占位符"):
        wording.check_wording(spec, "{任务.__class__}", "x")
    assert wording.render("{任务}（{未知}）{{原样}}", {"任务": "印制证件"}) == "印制证件（{未知}）{原样}"
    assert wording.render("{坏", {}) == "{坏"


def test_edited_wording_is_used_by_the_scan_and_reset_restores_it(app, cast, clock):
    secretary = db.session.get(User, cast.secretary)
    services.save_wording(secretary, "task.due", "请注意：{任务}", "{责任人}，{任务}还剩{剩余}。{链接}", "")
    db.session.commit()
    assert services.preview_wording("task.due", "请注意：{任务}", "{责任人}") == \
        ("请注意：起草大会主席团第一次会议议程", "张明")
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 17, 0), title="印制证件")
    db.session.commit()
    clock(2027, 1, 5, 17, 0)
    scan_reminders()
    db.session.commit()
    notification = db.session.scalar(select(Notification).where(Notification.recipient_id == cast.owner))
    assert notification.subject == "请注意：印制证件"
    assert notification.body.startswith("张明，印制证件还剩3天。http")
    services.reset_wording(secretary, "task.due")
    db.session.commit()
    assert wording.wordings(["task.due"])["task.due"].is_default


def test_stale_wording_edit_is_a_conflict(app, cast):
    from meetingprep.errors import Conflict

    secretary = db.session.get(User, cast.secretary)
    services.save_wording(secretary, "task.overdue", "甲{任务}", "乙", "")
    db.session.commit()
    with pytest.raises(Conflict):
        services.save_wording(secretary, "task.overdue", "丙{任务}", "丁", "")
    with pytest.raises(Conflict):
        services.save_wording(secretary, "task.overdue", "丙{任务}", "丁", "99")


def test_quiet_hours_parsing_and_window():
    assert services.parse_clock("7:05", "x") == dt.time(7, 5)
    assert services.parse_clock("22：00", "x") == dt.time(22, 0)
    for bad in ("25:00", "abc", "", "7", "07:60"):
        with pytest.raises(ValidationFailed, match="格式不正确"):
            services.parse_clock(bad, "免打扰开始时间")
    start, end = dt.time(22, 0), dt.time(7, 0)
    assert services.quiet_hours_end(local(2027, 1, 5, 23, 0), start, end) == local(2027, 1, 6, 7, 0)
    assert services.quiet_hours_end(local(2027, 1, 5, 6, 59), start, end) == local(2027, 1, 5, 7, 0)
    assert services.quiet_hours_end(local(2027, 1, 5, 7, 0), start, end) is None
    assert services.quiet_hours_end(local(2027, 1, 5, 13, 0), dt.time(12, 0), dt.time(14, 0)) == \
        local(2027, 1, 5, 14, 0)
    assert services.quiet_hours_end(local(2027, 1, 5, 13, 0), start, start) is None


def test_hourly_scans_over_twelve_days_send_exactly_the_ladder(app, cast, clock):
    """A coarse simulation: hourly scans over 12 days produce exactly the ladder, no more."""
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 17, 0), coworkers=[cast.coworker])
    db.session.commit()
    start = local(2027, 1, 1, 9, 0)
    for hour in range(12 * 24):
        moment = start + dt.timedelta(hours=hour)
        clock(*moment.timetuple()[:5])
        scan_reminders()
        db.session.commit()
    counts = dict(db.session.execute(select(Notification.recipient_id, func.count(Notification.id))
                                     .group_by(Notification.recipient_id)).all())
    # owner: 3d, 1d, morning + overdue days 0..4 (13 Jan 09:00 is day 4); co-worker: the 3 due stages;
    # lead: overdue days 1..4; secretariat: once.
    assert counts == {cast.owner: 3 + 5, cast.coworker: 3, cast.lead: 4, cast.secretary: 1}
