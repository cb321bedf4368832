"""Stored dashboard figures: served while fresh, recomputed after a change, never shared across scopes."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from meetingprep.dashboard import snapshots
from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.models import DashboardSnapshot
from meetingprep.dashboard.queries import compute_figures, refresh_snapshots
from meetingprep.extensions import db
from meetingprep.scheduler import JOBS, execute_job
from meetingprep.tasks.models import HandOff
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories


@pytest.fixture
def meeting(role_users):
    return role_users["meeting"]


@pytest.fixture
def frozen(time_machine):
    """The clock stands still at the real present (the meeting and the logins were made in it)."""
    time_machine.move_to(now(), tick=False)
    return time_machine


def computed(sections: dict) -> dict:
    return sections


def done_count(client) -> int:
    return client.get("/api/dashboard").get_json()["overview"]["completion"]["accepted"]


def task_queries(counter) -> list[str]:
    return [statement for statement in counter.statements if "FROM tasks" in statement]


def test_figures_round_trip_through_the_stored_form(app, role_users, meeting):
    group = role_users["group"]
    late = factories.make_task(meeting, group, title="编印会议指南", due_at=now() - dt.timedelta(days=2))
    factories.make_task(meeting, group, status=TaskStatus.DONE, accepted_at=now())
    after = factories.make_task(meeting, group, title="分发会议指南")
    db.session.add(HandOff(predecessor_id=late.id, successor_id=after.id))
    db.session.commit()
    figures = compute_figures(DashboardContext(meeting=meeting, moment=now()))
    restored = snapshots.loads(snapshots.dumps(figures))
    assert restored == figures
    row = restored["risk"]["overdue"]["rows"][0]
    assert row["status"] is TaskStatus.NOT_STARTED and row["status"].label  # templates read .label
    assert isinstance(row["due_at"], dt.datetime) and row["due_at"].tzinfo is not None
    assert isinstance(restored["critical_path"]["chains"][0]["slack"], dt.timedelta)
    assert isinstance(restored["burndown"]["today"], dt.date)


def test_a_stored_enum_name_outside_our_enums_is_refused():
    with pytest.raises(KeyError):
        snapshots.loads('{" en": ["os.environ", "x"]}')


def test_served_from_the_snapshot_until_a_change_then_within_the_refresh_interval(
        app, client, login, role_users, meeting, count_queries, frozen):
    app.config.update(DASHBOARD_REFRESH_SECONDS=10, DASHBOARD_MAX_AGE_SECONDS=60)
    task = factories.make_task(meeting, role_users["group"])
    db.session.commit()
    login(role_users["leader"])
    assert done_count(client) == 0  # computed and stored
    with count_queries() as served:
        assert done_count(client) == 0
    assert task_queries(served) == []  # nothing recomputed: one read of the snapshot

    frozen.shift(3)
    task.status, task.accepted_at = TaskStatus.DONE, now()  # audited, so the snapshot is now out of date
    db.session.commit()
    with count_queries() as within:
        assert done_count(client) == 0  # three seconds old: still served
    assert task_queries(within) == []

    frozen.shift(8)  # eleven seconds old, and something changed: recomputed
    assert done_count(client) == 1
    assert db.session.scalar(select(func.count()).select_from(DashboardSnapshot)) == 1


def test_every_change_shows_at_once_with_a_refresh_interval_of_zero(app, client, login, role_users, meeting, frozen):
    app.config.update(DASHBOARD_REFRESH_SECONDS=0)
    task = factories.make_task(meeting, role_users["group"])
    db.session.commit()
    login(role_users["leader"])
    assert done_count(client) == 0
    task.status, task.accepted_at = TaskStatus.DONE, now()
    db.session.commit()
    assert done_count(client) == 1


def test_without_changes_the_figures_still_age_out(app, client, login, role_users, meeting, count_queries, frozen):
    """Deadlines pass without anyone changing anything: a task becomes overdue."""
    app.config.update(DASHBOARD_REFRESH_SECONDS=10, DASHBOARD_MAX_AGE_SECONDS=60)
    factories.make_task(meeting, role_users["group"], due_at=now() + dt.timedelta(seconds=30))
    db.session.commit()
    login(role_users["leader"])
    assert client.get("/api/dashboard").get_json()["risk"]["overdue"]["total"] == 0
    frozen.shift(59)
    with count_queries() as served:
        assert client.get("/api/dashboard").get_json()["risk"]["overdue"]["total"] == 0
    assert task_queries(served) == []
    frozen.shift(1)
    assert client.get("/api/dashboard").get_json()["risk"]["overdue"]["total"] == 1


def test_a_clock_set_back_or_a_moved_opening_recomputes(app, meeting):
    moments = []

    def compute(ctx):
        moments.append(ctx.moment)
        return computed({"at": ctx.moment})

    moment = now()
    snapshots.figures_for(DashboardContext(meeting=meeting, moment=moment), compute)
    snapshots.figures_for(DashboardContext(meeting=meeting, moment=moment + dt.timedelta(seconds=5)), compute)
    assert moments == [moment]
    earlier = moment - dt.timedelta(seconds=30)
    served = snapshots.figures_for(DashboardContext(meeting=meeting, moment=earlier), compute)
    assert served.computed_at == earlier

    meeting.opens_at += dt.timedelta(days=1)  # rescheduled (audited, but the opening is checked on its own)
    later = moment + dt.timedelta(seconds=1)
    served = snapshots.figures_for(DashboardContext(meeting=meeting, moment=later), compute)
    assert served.sections == {"at": later}
    assert moments == [moment, earlier, later]


def test_a_group_lead_never_gets_the_meeting_wide_figures(app, client, login, role_users, meeting):
    other = factories.make_group(meeting, name="宣传组")
    factories.make_task(meeting, other, title="宣传稿逾期", due_at=now() - dt.timedelta(days=1))
    factories.make_task(meeting, role_users["group"], title="会务逾期", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    login(role_users["leader"])
    assert client.get("/api/dashboard").get_json()["risk"]["overdue"]["total"] == 2  # stored for "all"
    login(role_users["group_lead"])
    data = client.get("/api/dashboard").get_json()
    assert [row["title"] for row in data["risk"]["overdue"]["rows"]] == ["会务逾期"]
    scopes = set(db.session.scalars(select(DashboardSnapshot.scope)))
    assert scopes == {"all", f"groups:{role_users['group'].id}"}
    login(role_users["leader"])
    assert client.get("/api/dashboard").get_json()["risk"]["overdue"]["total"] == 2


def test_the_scheduler_computes_ahead_of_the_viewers(app, client, login, role_users, meeting, count_queries, frozen):
    app.config.update(DASHBOARD_REFRESH_SECONDS=10, DASHBOARD_MAX_AGE_SECONDS=60)
    task = factories.make_task(meeting, role_users["group"])
    db.session.commit()
    assert "dashboard.refresh" in JOBS
    assert refresh_snapshots() == "重算 1 份"
    assert refresh_snapshots() == "无需重算"

    task.status, task.accepted_at = TaskStatus.DONE, now()
    db.session.commit()
    frozen.shift(1)
    assert execute_job("dashboard.refresh") == (True, "重算 1 份")  # a change: recomputed at the next tick
    frozen.shift(45)
    assert refresh_snapshots() == "无需重算"  # 45 s old, 55 s by the next tick: still under the max age of 60
    frozen.shift(5)
    assert refresh_snapshots() == "重算 1 份"  # 50 s old, 60 s by the next tick: computed ahead of time

    login(role_users["leader"])
    with count_queries() as served:
        assert done_count(client) == 1
    assert task_queries(served) == []  # the viewer was served the scheduler's figures


def test_an_older_computation_never_replaces_a_newer_one(app, meeting):
    stale = DashboardContext(meeting=meeting, moment=now() - dt.timedelta(seconds=30))
    fresh = DashboardContext(meeting=meeting, moment=now())
    snapshots.figures_for(fresh, lambda ctx: computed({"marker": "newer"}))
    snapshots._compute_and_store(stale, "all", 0, lambda ctx: computed({"marker": "older"}))  # finished late
    stored = db.session.scalar(select(DashboardSnapshot))
    assert snapshots.loads(stored.payload) == {"marker": "newer"}


def test_the_scheduler_tick_builds_links_without_a_request_or_server_name(app, role_users, meeting):
    """In production nothing sets SERVER_NAME; the tick runs in the scheduler process, outside any request."""
    app.config["SERVER_NAME"] = None
    assert execute_job("dashboard.refresh") == (True, "重算 1 份")
    stored = db.session.scalar(select(DashboardSnapshot))
    assert '"/tasks/' in stored.payload and "http" not in stored.payload


def test_the_page_and_the_wall_screen_draw_the_stored_figures_with_todays_templates(
        app, client, login, role_users, meeting, count_queries):
    """Snapshots hold figures, not markup: after a template changes (a deploy), the next view draws the
    stored figures with the new template, without computing them again."""
    from jinja2 import ChoiceLoader, DictLoader

    factories.make_task(meeting, role_users["group"], title="编印会议指南", due_at=now() - dt.timedelta(days=1))
    db.session.commit()
    login(role_users["leader"])
    for url in ("/dashboard", "/dashboard/wall"):
        assert "编印会议指南" in client.get(url).get_data(as_text=True)
    stored = db.session.scalar(select(DashboardSnapshot))
    assert "编印会议指南" in str(snapshots.loads(stored.payload)) and "<" not in stored.payload

    new_partial = "{% for s in sections %}<p class=new-look>{{ s.key }}:{{ figures[s.key] | length }}</p>{% endfor %}"
    app.jinja_env.loader = ChoiceLoader([DictLoader({"dashboard/_sections.html": new_partial}), app.jinja_env.loader])
    app.jinja_env.cache.clear()
    for url in ("/dashboard", "/dashboard/wall"):
        with count_queries() as served:
            page = client.get(url).get_data(as_text=True)
        assert task_queries(served) == [] and "<p class=new-look>risk:" in page and "编印会议指南" not in page


def test_figures_stored_by_other_code_that_this_code_cannot_read_are_computed_again(app, client, login, role_users,
                                                                                   meeting):
    """A deploy that renames an enum class leaves snapshots naming the old one: recomputed, never a 500."""
    login(role_users["leader"])
    assert done_count(client) == 0
    snapshot = db.session.scalar(select(DashboardSnapshot))
    snapshot.payload = '{"overview": {" en": ["meetingprep.permissions.Gone", "x"]}}'
    db.session.commit()
    assert done_count(client) == 0
    assert "Gone" not in db.session.scalar(select(DashboardSnapshot.payload))


def _stale_snapshot(app, meeting) -> dt.datetime:
    """A stored snapshot older than the refresh interval with a change made since: the next viewer recomputes."""
    app.config.update(DASHBOARD_REFRESH_SECONDS=10, DASHBOARD_MAX_AGE_SECONDS=600)
    first = now()
    snapshots.figures_for(DashboardContext(meeting=meeting, moment=first), lambda ctx: computed({"at": "first"}))
    factories.make_task(meeting, factories.make_group(meeting))  # a change: the data version moves
    db.session.commit()
    return first + dt.timedelta(seconds=20)


def test_while_one_viewer_recomputes_stale_figures_the_others_are_served_the_stored_ones(app, meeting):
    """Twenty wall screens finding the figures stale at once must not all compute them (a check-in rush)."""
    later = _stale_snapshot(app, meeting)
    served_meanwhile = []

    def slow_compute(ctx):
        # while this viewer computes, another worker's request arrives and finds the claim taken
        served_meanwhile.append(snapshots.figures_for(DashboardContext(meeting=meeting, moment=later), fail))
        return computed({"at": "second"})

    def fail(ctx):
        raise AssertionError("a second viewer computed the figures while the first was computing them")

    fresh = snapshots.figures_for(DashboardContext(meeting=meeting, moment=later), slow_compute)
    assert fresh.sections == {"at": "second"}
    assert [figures.sections for figures in served_meanwhile] == [{"at": "first"}]
    stored = db.session.scalar(select(DashboardSnapshot))
    assert stored.refresh_claimed_at is None  # released with the new figures


def test_a_claim_left_by_a_worker_that_died_lapses(app, meeting):
    later = _stale_snapshot(app, meeting)
    db.session.execute(DashboardSnapshot.__table__.update().values(refresh_claimed_at=later))
    db.session.commit()
    held = snapshots.figures_for(DashboardContext(meeting=meeting, moment=later + dt.timedelta(seconds=5)),
                                 lambda ctx: computed({"at": "second"}))
    assert held.sections == {"at": "first"}  # claimed five seconds ago: someone is computing
    lapsed = later + dt.timedelta(seconds=snapshots.CLAIM_SECONDS + 1)
    taken_over = snapshots.figures_for(DashboardContext(meeting=meeting, moment=lapsed),
                                       lambda ctx: computed({"at": "second"}))
    assert taken_over.sections == {"at": "second"}


def test_figures_too_old_to_show_are_computed_even_while_claimed(app, meeting):
    later = _stale_snapshot(app, meeting)
    db.session.execute(DashboardSnapshot.__table__.update().values(refresh_claimed_at=later))
    db.session.commit()
    too_old = later + dt.timedelta(seconds=600)
    served = snapshots.figures_for(DashboardContext(meeting=meeting, moment=too_old),
                                   lambda ctx: computed({"at": "second"}))
    assert served.sections == {"at": "second"}


def test_a_stored_snapshot_is_decoded_once_per_process(app, meeting, monkeypatch):
    decoded = []
    real_loads = snapshots.loads
    monkeypatch.setattr(snapshots, "loads", lambda payload: decoded.append(1) or real_loads(payload))
    moment = now()
    snapshots.figures_for(DashboardContext(meeting=meeting, moment=moment), lambda ctx: computed({"at": "first"}))
    for seconds in (1, 2, 3):
        served = snapshots.figures_for(DashboardContext(meeting=meeting, moment=moment + dt.timedelta(seconds=seconds)),
                                       lambda ctx: computed({"at": "again"}))
        assert served.sections == {"at": "first"}
    assert len(decoded) == 1
