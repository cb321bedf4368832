"""Two desks check in the same member at the same moment: exactly one CheckIn row.

The race itself needs PostgreSQL (two sessions on two connections); the fallback path the loser takes
(unique violation inside a savepoint → the existing record, no error) is also exercised on SQLite.
"""

import os
import threading

import pytest
from sqlalchemy import func, select

from meetingprep.attendance import services
from meetingprep.attendance.models import CheckIn, CheckInMethod, MemberProfile, Registration, Sitting
from meetingprep.auth.models import User
from meetingprep.extensions import db
from tests import factories

needs_postgres = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                    reason="needs PostgreSQL (TEST_DATABASE_URL) for two racing sessions")


@pytest.fixture
def scene(role_users):
    meeting = role_users["meeting"]
    member = factories.make_member(meeting, name="张三")
    sitting = factories.make_sitting(meeting, starts_in_minutes=-5)
    db.session.commit()
    return {"sitting_id": sitting.id, "member_id": member.id, "actor_id": role_users["secretariat"].id}


def blind_pre_check(monkeypatch):
    """Each caller's first look for an existing check-in sees nothing, as if both desks looked at once."""
    seen = threading.local()
    original = services._existing_check_in

    def first_look_blind(sitting, member):
        if not getattr(seen, "looked", False):
            seen.looked = True
            return None
        return original(sitting, member)

    monkeypatch.setattr(services, "_existing_check_in", first_look_blind)


def desk_check_in(app, scene, barrier: threading.Barrier, results: list, errors: list) -> None:
    """One desk: its own app context, hence its own Flask-SQLAlchemy session and connection."""
    with app.app_context():
        try:
            sitting = db.session.get(Sitting, scene["sitting_id"])
            member = db.session.get(MemberProfile, scene["member_id"])
            actor = db.session.get(User, scene["actor_id"])
            barrier.wait(timeout=10)
            outcome = services.check_in(actor, sitting, member, method=CheckInMethod.DESK)
            db.session.commit()
            results.append(outcome.created)
        except Exception as error:  # collected and asserted: a desk must never see an error
            errors.append(error)
        finally:
            db.session.remove()


def run_two_desks(app, scene) -> tuple[list, list]:
    barrier = threading.Barrier(2)
    results, errors = [], []
    threads = [threading.Thread(target=desk_check_in, args=(app, scene, barrier, results, errors))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def check_in_rows(scene) -> int:
    return db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.sitting_id == scene["sitting_id"]))


@needs_postgres
@pytest.mark.parametrize("blind", [False, True], ids=["plain", "both-past-the-pre-check"])
def test_two_desks_at_once_leave_exactly_one_check_in(app, scene, monkeypatch, blind):
    if blind:
        blind_pre_check(monkeypatch)  # its memory is per thread, and each round runs new threads
    for _round in range(3):
        db.session.execute(CheckIn.__table__.delete())
        db.session.commit()
        results, errors = run_two_desks(app, scene)
        assert not errors, errors
        assert sorted(results) == [False, True]
        db.session.expire_all()
        assert check_in_rows(scene) == 1


def test_duplicate_insert_returns_the_existing_record(app, scene, monkeypatch):
    """The loser's path on any database: the unique constraint fires in a savepoint, no 500."""
    sitting = db.session.get(Sitting, scene["sitting_id"])
    member = db.session.get(MemberProfile, scene["member_id"])
    actor = db.session.get(User, scene["actor_id"])
    first = services.check_in(actor, sitting, member, method=CheckInMethod.DESK)
    db.session.commit()
    blind_pre_check(monkeypatch)
    second = services.check_in(actor, sitting, member, method=CheckInMethod.QR)
    db.session.commit()
    assert not second.created and second.record.id == first.record.id and "已于" in second.message
    assert check_in_rows(scene) == 1
    # Registration is guarded the same way.
    assert services.register(actor, member, method=CheckInMethod.DESK).created
    db.session.commit()
    assert db.session.scalar(select(func.count(Registration.id))) == 1
