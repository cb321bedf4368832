import datetime as dt

from meetingprep import audit
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from tests import factories


def _entry(actor, object_type="Meeting", message="", at=None, object_label=""):
    db.session.add(AuditEntry(
        at=at or dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), actor_id=actor.id if actor else None,
        action="update", object_type=object_type, object_id=1, object_label=object_label, message=message))


def test_filters_by_user_type_date_and_text(app, client, login_as):
    login_as("secretariat", display_name="查看人")
    zhang = factories.make_user(display_name="张秘书", username="zhangms")
    li = factories.make_user(display_name="李干事", username="lige")
    _entry(zhang, "Meeting", "改了开幕时间", object_label="四次会议")
    _entry(li, "WorkingGroup", "调整职责", at=dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC))
    db.session.commit()

    def rows(query):
        body = client.get(f"/audit/?{query}").get_data(as_text=True)
        return {text for text in ("改了开幕时间", "调整职责") if text in body}

    assert rows("") == {"改了开幕时间", "调整职责"}
    assert rows("actor=张") == {"改了开幕时间"}
    assert rows("actor=lige") == {"调整职责"}
    assert rows("object_type=WorkingGroup") == {"调整职责"}
    assert rows("date_from=2026-03-02") == {"调整职责"}
    assert rows("date_to=2026-03-01") == {"改了开幕时间"}
    assert rows("q=四次") == {"改了开幕时间"}
    assert rows("date_from=garbage") == {"改了开幕时间", "调整职责"}  # invalid filter ignored, page answers


def test_search_page_runs_a_fixed_number_of_queries(app, client, login_as, count_queries):
    actor = login_as("admin")

    def measure():
        with count_queries() as counter:
            assert client.get("/audit/").status_code == 200
        return counter.count

    for _ in range(10):
        _entry(factories.make_user(), message="小")
    db.session.commit()
    small = measure()
    for n in range(200):
        _entry(factories.make_user() if n % 20 == 0 else actor, message="大")
    db.session.commit()
    assert measure() == small


def test_the_audit_log_cannot_be_changed_over_http(app):
    methods = {method for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")
               for method in rule.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS"}


def test_trail_shows_who_changed_what(app, client, login_as):
    login_as("secretariat")
    meeting = factories.make_meeting()
    db.session.commit()
    with audit.acting_as(None):
        meeting.venue = "新会场"
        db.session.commit()
    body = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "会场：" in body and "新会场" in body and "系统" in body
