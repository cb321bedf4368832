from meetingprep.dashboard import kiosk
from meetingprep.dashboard.models import KioskLink
from meetingprep.extensions import db
from tests.access import Case, check_cases

ENDPOINTS = {"dashboard.index", "dashboard.wall", "dashboard.api", "dashboard.export", "dashboard.kiosk_links",
             "dashboard.kiosk_revoke", "dashboard.kiosk_wall", "dashboard.kiosk_api"}
MANAGERS = frozenset({"admin", "secretariat"})
EVERYONE = frozenset({"admin", "secretariat", "leader", "group_lead", "staff", "member"})
VIEWERS = frozenset({"admin", "secretariat", "leader", "group_lead"})


def test_route_role_table(app, client, login, role_users, monkeypatch):
    link = kiosk.create_link(role_users["secretariat"], role_users["meeting"], "主会场屏")
    spare = kiosk.create_link(role_users["secretariat"], role_users["meeting"], "备用屏")
    db.session.commit()
    token = kiosk.token_for(link)
    # revoking is a one-time act: every allowed role revokes the same (still active) link
    monkeypatch.setattr(KioskLink, "is_active", property(lambda _link: True))
    cases = [
        Case("dashboard.index", "/dashboard", VIEWERS),
        Case("dashboard.wall", "/dashboard/wall", VIEWERS),
        Case("dashboard.api", "/api/dashboard", VIEWERS),
        Case("dashboard.export", "/dashboard/export.xlsx", VIEWERS),
        Case("dashboard.kiosk_links", "/dashboard/kiosk", MANAGERS),
        Case("dashboard.kiosk_links", "/dashboard/kiosk", MANAGERS, method="POST", data={"label": "东侧屏"}),
        Case("dashboard.kiosk_revoke", f"/dashboard/kiosk/{spare.id}/revoke", MANAGERS, method="POST"),
        Case("dashboard.kiosk_wall", f"/wall/{token}", EVERYONE, public=True),
        Case("dashboard.kiosk_api", f"/wall/{token}/figures.json", EVERYONE, public=True),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)


def test_whoever_sees_the_dashboard_may_open_the_attendance_lists_it_links_to():
    """The 报到 and 签到 figures link to the 未报到 / 未签到 lists (drawn once for every viewer of a snapshot, so
    not per viewer): every role that sees the dashboard must be allowed to open them, phone numbers aside."""
    from meetingprep.permissions import can
    from meetingprep.roles import Role

    class Viewer:
        is_authenticated = is_active = True

        def __init__(self, role):
            self.role, self.id = Role(role), 0

    for role in VIEWERS:
        assert can(Viewer(role), "dashboard.view") and can(Viewer(role), "attendance.view"), role
    assert not can(Viewer("leader"), "attendance.member.personal")  # the lists show them without phones
