import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from meetingprep import signals
from meetingprep.errors import Conflict, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings import services
from meetingprep.meetings.models import Meeting, Phase
from meetingprep.timeutil import now
from tests import factories

OPENS = dt.datetime(2026, 1, 10, 1, 0, tzinfo=dt.UTC)


def _create(actor, **overrides):
    values = {"name": "政协第十届攀枝花市委员会第五次会议", "opens_at": OPENS,
              "closes_at": OPENS + dt.timedelta(days=4)}
    return services.create_meeting(actor, **{**values, **overrides})


def test_first_meeting_becomes_current_and_only_one_stays_current(app):
    secretariat = factories.make_user("secretariat")
    first = _create(secretariat)
    second = _create(secretariat, name="第二个")
    assert first.is_current and not second.is_current
    third = _create(secretariat, name="第三个", make_current=True)
    services.set_current_meeting(secretariat, second)
    db.session.commit()
    assert [m.id for m in db.session.query(Meeting).filter_by(is_current=True)] == [second.id]
    assert not third.is_current


def test_closing_must_follow_opening(app):
    with pytest.raises(ValidationFailed, match="闭幕时间必须晚于开幕时间"):
        _create(factories.make_user("admin"), closes_at=OPENS)


def test_only_managers_create_meetings(app):
    with pytest.raises(NotAllowed):
        _create(factories.make_user("group_lead"))


def test_phase_is_derived_from_the_dates(app):
    meeting = _create(None)
    assert meeting.phase_at(OPENS - dt.timedelta(minutes=1)) == Phase.BEFORE
    assert meeting.phase_at(OPENS) == Phase.DURING
    assert meeting.phase_at(meeting.closes_at + dt.timedelta(seconds=1)) == Phase.AFTER


def test_rescheduling_sends_the_signal_once_with_the_old_opening(app):
    admin = factories.make_user("admin")
    meeting = _create(admin)
    db.session.commit()
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    signals.meeting_rescheduled.connect(receiver)
    try:
        fields = {"name": meeting.name, "short_name": "", "closes_at": meeting.closes_at + dt.timedelta(days=1),
                  "venue": "新会场", "description": ""}
        services.update_meeting(admin, meeting, version_id=meeting.version_id, opens_at=OPENS, **fields)
        assert received == []  # same opening: nobody needs to move
        services.update_meeting(admin, meeting, version_id=meeting.version_id, opens_at=OPENS + dt.timedelta(days=1),
                                **fields)
    finally:
        signals.meeting_rescheduled.disconnect(receiver)
    assert len(received) == 1
    sender, kwargs = received[0]
    assert sender is meeting and kwargs["old_opens_at"] == OPENS and kwargs["actor"] is admin


def test_stale_version_is_a_conflict(app):
    admin = factories.make_user("admin")
    meeting = factories.make_meeting()
    with pytest.raises(Conflict):
        services.update_meeting(admin, meeting, version_id=meeting.version_id + 1, name="x", short_name="",
                                opens_at=now(), closes_at=now() + dt.timedelta(days=1), venue="", description="")


def test_the_database_refuses_a_second_current_meeting(app):
    factories.make_meeting(is_current=True)
    db.session.add(Meeting(name="并发插入", opens_at=OPENS, closes_at=OPENS + dt.timedelta(days=1), is_current=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
