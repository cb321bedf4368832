from meetingprep.extensions import db
from meetingprep.ops.heartbeat import beat
from meetingprep.ops.views import migration_heads
from tests.access import EVERYONE, Case, check_cases
from tests.ops.test_health import stamp

ENDPOINTS = {"ops.healthz", "ops.readyz"}


def test_route_role_table(app, client, login, role_users):
    beat("scheduler")
    db.session.commit()
    stamp(*migration_heads())
    cases = [
        Case("ops.healthz", "/healthz", EVERYONE, public=True),
        Case("ops.readyz", "/readyz", EVERYONE, public=True),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
