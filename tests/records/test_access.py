from meetingprep.extensions import db
from tests import factories
from tests.access import MANAGERS, Case, check_cases

ENDPOINTS = {"records.index", "records.member", "records.me", "records.standing", "records.compare",
             "records.export"}
LEADERS_TOO = MANAGERS | {"leader"}


def test_route_role_table(app, client, login, role_users):
    meeting = role_users["meeting"]
    own = factories.make_member(meeting, name="委员甲", member_no="0001", user=role_users["member"])
    db.session.commit()
    cases = [
        Case("records.index", "/records/", LEADERS_TOO),
        # a member's record is personal: the secretariat and the member themself (not leaders, not staff)
        Case("records.member", f"/records/members/{own.id}", MANAGERS | {"member"}),
        Case("records.me", "/records/me", {"member"}),
        Case("records.standing", "/records/standing", LEADERS_TOO),
        Case("records.compare", "/records/compare", LEADERS_TOO),
        Case("records.export", "/records/export.xlsx", LEADERS_TOO),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
