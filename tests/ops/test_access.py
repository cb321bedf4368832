from meetingprep.extensions import db
from meetingprep.ops.heartbeat import beat
from tests.access import EVERYONE, Case, check_cases

ENDPOINTS = {"ops.healthz", "ops.readyz"}


def test_route_role_table(app, client, login, role_users):
    beat("scheduler")
    db.session.commit()
    cases = [
        Case("ops.healthz", "/healthz", EVERYONE, public=True),
        Case("ops.readyz", "/readyz", EVERYONE, public=True),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
