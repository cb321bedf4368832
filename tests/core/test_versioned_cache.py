"""Cached values (versioned_cache.py): reused while nothing changes, rebuilt after any change or when too old."""

import datetime as dt

from flask import g

from meetingprep.extensions import db
from meetingprep.timeutil import now
from meetingprep.versioned_cache import cached_value
from tests import factories


def _fetch(app, builds: list) -> int:
    """As a new request would: the test's app context (and its g) outlives one."""
    with app.test_request_context():
        g.pop("_data_version", None)
        return cached_value("test.value", 1, lambda: builds.append(1) or len(builds))


def test_cached_until_the_data_changes(app):
    builds: list = []
    assert _fetch(app, builds) == 1
    assert _fetch(app, builds) == 1  # same data version: not rebuilt
    factories.make_meeting(name="有变化")  # a writing transaction: the data version moves
    db.session.commit()
    assert _fetch(app, builds) == 2
    assert _fetch(app, builds) == 2


def test_cached_at_most_the_configured_age_by_the_apps_clock(app, time_machine):
    app.config["CACHE_MAX_AGE_SECONDS"] = 60
    start = now()
    time_machine.move_to(start, tick=False)
    builds: list = []
    assert _fetch(app, builds) == 1
    time_machine.move_to(start + dt.timedelta(seconds=59), tick=False)
    assert _fetch(app, builds) == 1
    time_machine.move_to(start + dt.timedelta(seconds=61), tick=False)
    assert _fetch(app, builds) == 2
    time_machine.move_to(start, tick=False)  # the clock set back: rebuilt, not trusted
    assert _fetch(app, builds) == 3


def test_the_data_version_is_read_once_per_request(app, count_queries):
    with app.test_request_context(), count_queries() as counter:
        cached_value("test.a", 1, lambda: "a")
        cached_value("test.b", 1, lambda: "b")
        assert "_data_version" in g
    assert counter.count <= 2  # BEGIN and the version's one row


def test_the_ledger_counts_a_new_task_at_once(app, client, login_as):
    meeting = factories.make_meeting()
    group = factories.make_group(meeting)
    factories.make_task(meeting, group)
    db.session.commit()
    login_as("secretariat")
    assert "全部 1<" in client.get("/tasks/").get_data(as_text=True)
    factories.make_task(meeting, group)
    db.session.commit()
    assert "全部 2<" in client.get("/tasks/").get_data(as_text=True)


def test_a_reading_page_has_the_data_version_and_badge_from_its_login_query(app, client, login, count_queries):
    """request_state.py: the version and the badge come with the login, and are still the newest."""
    meeting = factories.make_meeting()
    group = factories.make_group(meeting)
    factories.make_task(meeting, group)
    user = factories.make_user("secretariat")
    db.session.commit()
    login(user)
    client.get("/tasks/")
    with count_queries() as counter:
        page = client.get("/tasks/").get_data(as_text=True)
    asked_alone = [s for s in counter.statements if "FROM user_sessions" not in s
                   and ("data_version" in s or "FROM notifications" in s or "FROM meetings" in s)]
    assert asked_alone == [] and "全部 1<" in page and "条未读" not in page
    factories.make_task(meeting, group)
    factories.make_notification(user, subject="新通知")
    db.session.commit()
    page = client.get("/tasks/").get_data(as_text=True)
    assert "全部 2<" in page and 'aria-label="1 条未读"' in page


def test_a_cached_fragment_is_per_key_and_redrawn_after_a_change(app, client, login_as, count_queries):
    """cached_fragment: the board's tabs for every group are drawn once per (meeting, active group), until anything
    changes; they are then neither drawn nor their groups loaded."""
    import re

    meeting = factories.make_meeting()
    first, second = factories.make_group(meeting, name="秘书组"), factories.make_group(meeting, name="材料组")
    db.session.commit()
    login_as("secretariat")

    def tabs(group) -> list[str]:
        page = client.get(f"/tasks/board/{group.id}").get_data(as_text=True)
        return re.findall(r'<a class="nav-link py-1 (active)?[^"]*" href="[^"]+">([^<]+)</a>', page)

    assert tabs(first) == [("active", "秘书组"), ("", "材料组")]
    assert tabs(second) == [("", "秘书组"), ("active", "材料组")]
    with count_queries() as counter:
        assert tabs(second) == [("", "秘书组"), ("active", "材料组")]
    assert not any("FROM working_groups" in s and "ORDER BY" in s for s in counter.statements)
    factories.make_group(meeting, name="会务组")
    db.session.commit()
    assert [name for _active, name in tabs(first)] == ["秘书组", "材料组", "会务组"]


def test_the_current_meeting_comes_with_the_login_and_follows_a_switch(app, client, login_as):
    """request_state.py: the ledger lists the current meeting's tasks, the meeting brought by the login."""
    first = factories.make_meeting(name="第一次会议")
    factories.make_task(first, factories.make_group(first), title="一会任务")
    db.session.commit()
    login_as("secretariat")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "一会任务" in page
    second = factories.make_meeting(name="第二次会议")  # the newest takes the current flag
    factories.make_task(second, factories.make_group(second), title="二会任务")
    db.session.commit()
    page = client.get("/tasks/").get_data(as_text=True)
    assert "二会任务" in page and "一会任务" not in page
