"""Two people saving the same task at the same moment, on a real PostgreSQL server."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from meetingprep import concurrency
from meetingprep.extensions import db
from meetingprep.tasks import services
from meetingprep.tasks.models import Task
from tests import factories

pytestmark = [pytest.mark.postgres_only, pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                                            reason="needs PostgreSQL (TEST_DATABASE_URL)")]


def test_two_sessions_race_second_gets_stale_data(app, world):
    task_id = factories.make_group_task(world.materials, world.staff, title="原标题").id
    db.session.commit()
    with Session(db.engine) as first, Session(db.engine) as second:
        mine, theirs = first.get(Task, task_id), second.get(Task, task_id)
        assert mine.version_id == theirs.version_id == 1
        mine.title = "甲的修改"
        first.commit()
        theirs.title = "乙的修改"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(Task, task_id).title == "甲的修改"


def test_race_past_the_version_check_is_shown_as_conflict(app, client, login, world, monkeypatch):
    task = factories.make_group_task(world.materials, world.staff, title="原标题")
    db.session.commit()
    task_id, version = task.id, task.version_id

    def check_then_lose_the_race(obj, submitted, what="该记录"):
        concurrency.expect_version(obj, submitted, what)
        with db.engine.begin() as other:  # another worker commits between our check and our UPDATE
            other.execute(update(Task).where(Task.id == task_id).values(title="别人的修改",
                                                                        version_id=Task.version_id + 1))

    monkeypatch.setattr(services, "expect_version", check_then_lose_the_race)
    login(world.secretariat)
    response = client.post(f"/tasks/{task_id}/edit", data={
        "title": "我的修改", "group_id": world.materials.id, "owner_id": world.staff.id, "phase": "before",
        "priority": "normal", "due_mode": "relative", "offset_direction": "before", "offset_days": "3",
        "offset_time": "17:00", "version_id": version})
    assert response.status_code == 409
    assert "已被他人修改" in response.text and 'value="我的修改"' in response.text
    db.session.expire_all()
    assert db.session.get(Task, task_id).title == "别人的修改"
