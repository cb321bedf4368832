import datetime as dt

import pytest

from meetingprep import uploads
from meetingprep.extensions import db
from meetingprep.plans import services
from meetingprep.plans.models import PendingImport, PlanTemplate, PlanTemplateItem
from tests.access import EVERYONE, MANAGERS, READERS, WORKERS, Case, check_cases
from tests.plans.helpers import make_plan_task, row, xlsx

ENDPOINTS = {
    "plans.templates", "plans.template_new", "plans.template_detail", "plans.template_delete",
    "plans.template_apply", "plans.import_upload", "plans.import_template", "plans.import_preview",
    "plans.import_commit", "plans.import_discard", "plans.calendar", "plans.calendar_day", "plans.timeline",
    "plans.ical_settings", "plans.ical_regenerate", "plans.ical_revoke", "plans.ical_feed",
}


@pytest.fixture
def objects(app, role_users, monkeypatch):
    """A template, a pending import whose file has an error row (so confirming never consumes it) and a
    subscribed user. Deleting and discarding are stubbed: this table checks who gets through, the other
    tests check what happens."""
    meeting, group = role_users["meeting"], role_users["group"]
    make_plan_task(meeting, group, role_users["group_lead"], title="布置会场")
    template = PlanTemplate(name="标准施工图", item_count=1)
    db.session.add(template)
    db.session.flush()
    db.session.add(PlanTemplateItem(template_id=template.id, key=1, title="布置会场", group_name="会务组",
                                    due_offset_days=-2, due_time=dt.time(17)))
    stored = uploads.store_bytes(db.session, xlsx([row("迎宾", group="礼宾组", due="开幕当天 08:00")]), "a.xlsx",
                                 "xlsx")
    pending = PendingImport(token="access-token", meeting_id=meeting.id, created_by_id=role_users["secretariat"].id,
                            stored_name=stored.stored_name, original_name="a.xlsx")
    db.session.add(pending)
    role_users["staff"].ical_token = "feed-token-for-staff"
    db.session.commit()
    monkeypatch.setattr(services, "delete_template", lambda actor, template: None)
    monkeypatch.setattr(services, "discard_import", lambda pending: None)
    return {"template": template.id, "group": group.id, "meeting": meeting.id}


def test_route_role_table(app, client, login, role_users, objects):
    t, token = objects["template"], "access-token"
    cases = [
        Case("plans.templates", "/plans/templates", MANAGERS),
        Case("plans.template_new", "/plans/templates/new", MANAGERS),
        Case("plans.template_new", "/plans/templates/new", MANAGERS, method="POST", data={"name": ""}),
        Case("plans.template_detail", f"/plans/templates/{t}", MANAGERS),
        Case("plans.template_delete", f"/plans/templates/{t}/delete", MANAGERS, method="POST"),
        Case("plans.template_apply", f"/plans/templates/{t}/apply", MANAGERS),
        Case("plans.template_apply", f"/plans/templates/{t}/apply", MANAGERS, method="POST",
             data={"meeting_id": objects["meeting"], "group_0": objects["group"]}),
        Case("plans.import_upload", "/plans/import", MANAGERS),
        Case("plans.import_upload", "/plans/import", MANAGERS, method="POST", data={"meeting_id": "x"}),
        Case("plans.import_template", "/plans/import/template.xlsx", MANAGERS),
        Case("plans.import_preview", f"/plans/import/{token}", MANAGERS),
        Case("plans.import_commit", f"/plans/import/{token}/commit", MANAGERS, method="POST"),
        Case("plans.import_discard", f"/plans/import/{token}/discard", MANAGERS, method="POST"),
        Case("plans.calendar", "/plans/calendar?month=2026-12", READERS),
        Case("plans.calendar_day", "/plans/calendar/2026-12-15", READERS),
        Case("plans.timeline", "/plans/timeline", READERS),
        # the feed before regenerate/revoke, which replace the staff user's token
        Case("plans.ical_feed", "/plans/ical/feed-token-for-staff.ics", EVERYONE, public=True),
        Case("plans.ical_settings", "/plans/ical", WORKERS),
        Case("plans.ical_regenerate", "/plans/ical/regenerate", WORKERS, method="POST"),
        Case("plans.ical_revoke", "/plans/ical/revoke", WORKERS, method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)


def test_unknown_feed_token_is_not_found(app, client):
    assert client.get("/plans/ical/no-such-token.ics").status_code == 404
