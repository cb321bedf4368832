"""A member opening a material on two devices at the same moment: one receipt, both openings counted."""

import os
import threading

import pytest
from sqlalchemy import select

from meetingprep.attendance.models import MemberProfile
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.materials import queries, services
from meetingprep.materials.models import MaterialReceipt
from tests.materials.conftest import finalized_document, publish_document

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL) for two truly concurrent sessions")


def test_two_openings_at_once_leave_one_receipt(app, role_users, roster):
    material_id = publish_document(role_users, finalized_document(role_users)).id
    member_id, user_id = roster.member_profile.id, roster.member.id
    ready = threading.Barrier(2)
    errors: list[str] = []

    def open_it() -> None:
        with app.app_context():
            try:
                material = queries.material(material_id)
                member, user = db.session.get(MemberProfile, member_id), db.session.get(User, user_id)
                ready.wait(timeout=10)
                services.record_reading(material, member, user)
                db.session.commit()
            except Exception as error:  # reported below rather than lost in the thread
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    receipts = db.session.scalars(select(MaterialReceipt)).all()
    assert len(receipts) == 1 and receipts[0].open_count == 2
