"""Stored sections drawn once per process (dashboard/drawing.py): reused for the same snapshot only, never
for newer figures, another scope's figures, or another template."""

import datetime as dt

import pytest

from meetingprep.extensions import db
from meetingprep.timeutil import now
from tests import factories


@pytest.fixture
def meeting(role_users):
    return role_users["meeting"]


def drawn(app) -> dict:
    return app.extensions.get("dashboard_drawn", {})


def test_a_stored_section_is_drawn_once_and_served_alike_to_every_viewer(app, client, login, role_users, meeting):
    factories.make_task(meeting, role_users["group"], title="编印会议指南", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    login(role_users["leader"])
    client.get("/dashboard")  # computes and stores the snapshot: drawn from the computed figures, not kept
    first = client.get("/dashboard").get_data(as_text=True)
    kept = dict(drawn(app))
    assert kept and {key[1] for key in kept} >= {"overview", "groups", "risk"}
    assert "attendance" not in {key[1] for key in kept}  # live: drawn on every view
    login(role_users["admin"])  # another viewer of the same meeting-wide snapshot
    second = client.get("/dashboard").get_data(as_text=True)
    assert drawn(app) == kept and all(drawn(app)[key] is html for key, html in kept.items())
    assert "编印会议指南" in first and "编印会议指南" in second
    client.get("/dashboard/wall")
    assert len(drawn(app)) > len(kept)  # the wall draws its cards apart (other widths and templates)


def test_a_new_snapshot_is_never_served_the_older_ones_drawing(app, client, login, role_users, meeting, time_machine):
    app.config.update(DASHBOARD_REFRESH_SECONDS=10, DASHBOARD_MAX_AGE_SECONDS=60)
    time_machine.move_to(now(), tick=False)
    login(role_users["leader"])
    for _ in range(2):
        assert "印制会议指南" not in client.get("/dashboard").get_data(as_text=True)
    factories.make_task(meeting, role_users["group"], title="印制会议指南", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    time_machine.shift(11)  # past the refresh interval: the next view computes and stores new figures
    for _ in range(2):  # computed, then served from the new snapshot (drawn again, then reused)
        page = client.get("/dashboard").get_data(as_text=True)
        assert page.count("印制会议指南") >= 2  # in the risk section's overdue rows, not only the activity


def test_a_group_lead_is_never_served_the_meeting_wide_drawing(app, client, login, role_users, meeting):
    other = factories.make_group(meeting, name="宣传组")
    factories.make_task(meeting, other, title="宣传稿逾期", due_at=now() - dt.timedelta(days=1))
    factories.make_task(meeting, role_users["group"], title="会务逾期", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    login(role_users["leader"])
    for _ in range(2):
        assert "宣传稿逾期" in client.get("/dashboard").get_data(as_text=True)
    login(role_users["group_lead"])
    for _ in range(2):
        page = client.get("/dashboard").get_data(as_text=True)
        assert "会务逾期" in page and "宣传稿逾期" not in page


def test_a_changed_section_template_draws_the_same_snapshot_anew(app, client, login, role_users, meeting):
    from jinja2 import ChoiceLoader, DictLoader

    login(role_users["leader"])
    for _ in range(2):
        client.get("/dashboard")
    app.jinja_env.loader = ChoiceLoader([DictLoader({"dashboard/_risk.html": "<p class=new-look>{{ f | length }}</p>"}),
                                         app.jinja_env.loader])
    app.jinja_env.cache.clear()  # as a deploy loads the templates afresh
    assert "<p class=new-look>" in client.get("/dashboard").get_data(as_text=True)
