"""报到与出席 on the dashboard: registration, the latest sittings with raw counts and the formula, leave waiting."""

import datetime as dt

import pytest

from meetingprep.attendance import services
from meetingprep.attendance.models import CheckInMethod
from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.queries import compute_figures
from meetingprep.dashboard.sections import attendance as section
from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.timeutil import now
from tests import factories

NOW = dt.datetime(2027, 1, 12, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def setup(app):
    meeting = factories.make_meeting(opens_in_days=-1)
    staff = factories.make_user(Role.SECRETARIAT)
    members = [factories.make_member(meeting, name=f"委员{n}") for n in range(6)]
    sittings = [factories.make_sitting(meeting, name=f"第{n + 1}次全体会议", starts_in_minutes=-60 * (30 - 6 * n))
                for n in range(5)]  # started 30, 24, 18, 12 and 6 hours ago
    later = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=24 * 60)  # not begun: not shown
    for member in members[:4]:
        services.register(staff, member, method=CheckInMethod.DESK)
    for sitting in sittings:
        for member in members[:3]:
            services.check_in(staff, sitting, member, method=CheckInMethod.DESK, at=sitting.starts_at)
    latest = sittings[-1]
    approved = services.request_leave(staff, members[5], [latest.id], "出差")
    services.decide_leave(staff, approved, approve=True, note="同意", version_id=approved.version_id)
    services.request_leave(staff, members[4], [later.id], "就医")  # waiting
    db.session.commit()
    return {"meeting": meeting, "sittings": sittings, "members": members}


def figures(meeting):
    return compute_figures(DashboardContext(meeting=meeting, moment=now()))["attendance"]


def test_registration_latest_sittings_and_leave_waiting(setup):
    f = figures(setup["meeting"])
    assert f["registration"] == {"expected": 6, "registered": 4, "missing": 2, "percent": 66.7,
                                 "url": "/attendance/registration/missing"}
    assert [s["name"] for s in f["sittings"]] == ["第5次全体会议", "第4次全体会议", "第3次全体会议", "第2次全体会议"]
    assert len(f["sittings"]) == section.LATEST
    latest = f["sittings"][0]
    assert (latest["expected"], latest["present"], latest["leave"], latest["absent"]) == (6, 3, 1, 2)
    assert latest["rate"] == "60.0%"  # 3 ÷ (6 − 1)
    assert latest["url"] == f"/attendance/sittings/{setup['sittings'][-1].id}"
    assert latest["missing_url"] == f"/attendance/sittings/{setup['sittings'][-1].id}/missing"  # its 缺席 count
    assert f["sittings"][1]["rate"] == "50.0%"
    # across all five begun sittings: 15 present ÷ (30 expected − 1 on leave)
    assert (f["overall"]["present"], f["overall"]["expected"], f["overall"]["leave"]) == (15, 30, 1)
    assert f["overall"]["sittings"] == 5 and f["overall"]["rate"] == "51.7%"
    assert f["pending_leave"] == {"count": 1, "url": "/attendance/leave?status=pending"}
    assert f["formula"].startswith("出席率 = 实到 ÷ (应到 − 请假)")


def test_before_anything_happened(app):
    f = figures(factories.make_meeting())
    assert f["sittings"] == [] and f["overall"]["sittings"] == 0 and f["overall"]["rate"] == "—"
    assert f["registration"]["percent"] == 0 and f["pending_leave"]["count"] == 0


def test_the_page_shows_the_figures_with_links(client, login, setup):
    setup["meeting"].is_current = True
    db.session.commit()
    login(factories.make_user(Role.LEADER))
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/attendance/leave?status=pending"' in html and 'href="/attendance/registration/missing"' in html
    assert "出席率 = 实到 ÷ (应到 − 请假)" in html and "第5次全体会议" in html
    latest = setup["sittings"][-1].id
    assert f'href="/attendance/sittings/{latest}/missing"' in html  # 缺席 opens who has not checked in
    assert client.get(f"/attendance/sittings/{latest}/missing").status_code == 200  # and the leader may open it


def test_each_check_in_shows_on_the_wall_at_once_while_the_other_figures_are_stored(app, setup):
    """The opening rush: the wall must agree with the desk, not with a snapshot up to the refresh interval old."""
    from meetingprep.dashboard.queries import current_figures

    app.config.update(DASHBOARD_REFRESH_SECONDS=600, DASHBOARD_MAX_AGE_SECONDS=3600)
    meeting, members, latest = setup["meeting"], setup["members"], setup["sittings"][-1]

    def shown():
        figures = current_figures(DashboardContext(meeting=meeting, moment=now()))
        return figures, next(s for s in figures.sections["attendance"]["sittings"] if s["id"] == latest.id)

    before, row = shown()
    assert row["present"] == 3
    services.check_in(factories.make_user(Role.SECRETARIAT), latest, members[3], method=CheckInMethod.QR)
    db.session.commit()
    after, row = shown()
    assert row["present"] == 4
    assert after.computed_at == before.computed_at  # the other sections still come from the stored snapshot
