from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notifications.models import GroupWebhook
from tests import factories
from tests.access import EVERYONE, MANAGERS, Case, check_cases

ENDPOINTS = {
    "notifications.inbox", "notifications.read", "notifications.read_all", "notifications.settings",
    "notifications.webhooks", "notifications.webhook_edit", "notifications.admin", "notifications.job_action",
    "notifications.resend", "notifications.wording_list", "notifications.wording_edit",
    "notifications.wording_reset",
}


def test_route_role_table(app, client, login, role_users):
    staff_note = factories.make_notification(role_users["staff"], link="/notifications/")
    delivery = factories.make_delivery(factories.make_notification(role_users["member"]), status="dead")
    db.session.commit()
    group = role_users["group"]
    cases = [
        Case("notifications.inbox", "/notifications/?status=unread&kind=task.due", EVERYONE),
        Case("notifications.read", f"/notifications/{staff_note.id}/read", {"staff"}, method="POST"),
        Case("notifications.read_all", "/notifications/read-all", EVERYONE, method="POST"),
        Case("notifications.settings", "/notifications/settings", EVERYONE),
        Case("notifications.webhooks", "/notifications/webhooks", MANAGERS),  # #17: not group leads
        Case("notifications.webhook_edit", f"/notifications/webhooks/{group.id}", MANAGERS),
        Case("notifications.admin", "/notifications/admin?status=failed&channel=email", MANAGERS),
        Case("notifications.job_action", "/notifications/admin/jobs/heartbeat/run", MANAGERS, method="POST"),
        Case("notifications.resend", f"/notifications/admin/deliveries/{delivery.id}/resend", MANAGERS,
             method="POST"),
        Case("notifications.wording_list", "/notifications/admin/wording", MANAGERS),
        Case("notifications.wording_edit", "/notifications/admin/wording/task.due", MANAGERS),
        Case("notifications.wording_reset", "/notifications/admin/wording/task.due/reset", MANAGERS,
             method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
    assert db.session.scalar(select(GroupWebhook)) is None  # GETs changed nothing
