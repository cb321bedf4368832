"""An object's history as a person reads it (meetingprep.history): names, labels, local times, one row per change."""

from __future__ import annotations

import datetime as dt
import itertools

from meetingprep import audit
from meetingprep.attendance import services as attendance
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.permissions import Role
from meetingprep.tasks import services as tasks
from tests import factories


def test_a_created_task_reads_with_names_labels_and_local_times(app):
    group = factories.make_group(name="材料组")
    owner = factories.make_user(Role.STAFF, display_name="张三", group=group)
    task = factories.make_task(group=group, owner=owner, title="起草报告",
                               due_at=dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.UTC))
    db.session.commit()
    [row] = history_for(db.session, task)
    assert row.action == "创建" and row.actor_name is None
    shown = {change.label: change.new for change in row.changes}
    assert shown["责任组"] == "材料组" and shown["责任人"] == "张三"
    assert shown["状态"] == "未开始" and shown["时间节点"] == "2026年12月5日 14:00"  # Asia/Shanghai, not UTC
    assert shown["任务"] == "起草报告"
    assert all(change.old is None for change in row.changes)
    text = repr(row)
    for internal in ("meeting_id", "owner_id", "not_started", "created_at", "创建时间", "version_id", "+00:00"):
        assert internal not in text


def test_a_transition_and_its_field_update_are_one_row(app):
    group = factories.make_group()
    owner = factories.make_user(Role.STAFF, display_name="李四", group=group)
    task = factories.make_task(group=group, owner=owner)
    db.session.commit()
    tasks.transition(owner, task, "start")
    db.session.commit()
    rows = history_for(db.session, task)
    assert [row.action for row in rows] == ["开始办理", "创建"]
    started = rows[0]
    assert started.actor_name == "李四" and started.message.startswith("未开始 → 进行中")
    assert "状态" not in [change.label for change in started.changes]  # the message says it once
    raw = audit.trail_for(db.session, task)  # the raw trail keeps both entries for the admin's search
    assert [entry.action for entry in raw] == ["update", "开始办理", "create"]
    assert raw[0].changes["status"] == ["not_started", "in_progress"]


def test_a_change_of_references_reads_old_and_new_names_in_one_query(app, count_queries):
    group = factories.make_group()
    users = [factories.make_user(Role.STAFF, display_name=f"人员{n}", group=group) for n in range(6)]
    task = factories.make_task(group=group, owner=users[0])
    db.session.commit()
    for before, after in itertools.pairwise(users):
        with audit.acting_as(before):
            assert task.owner_id == before.id  # loaded: the trail knows the old value
            task.owner_id = after.id
            db.session.commit()
    assert task.id  # loaded before counting
    with count_queries() as counter:
        rows = history_for(db.session, task)
    selects = [statement for statement in counter.statements if statement.startswith("SELECT")]
    assert len(selects) == 2, selects  # the trail, then every name it refers to (users and the group: one)
    assert [(c.old, c.new) for c in rows[0].changes if c.label == "责任人"] == [("人员4", "人员5")]
    assert [(c.old, c.new) for c in rows[-2].changes if c.label == "责任人"] == [("人员0", "人员1")]
    assert rows[0].actor_name == "人员4"


def test_a_closed_sitting_reads_in_chinese_with_one_row_for_the_close(app):
    sitting = factories.make_sitting(name="第一次全体会议")
    secretary = factories.make_user(Role.SECRETARIAT, display_name="秘书甲")
    db.session.commit()
    attendance.close_sitting(secretary, sitting)
    db.session.commit()
    rows = history_for(db.session, sitting)
    assert [row.action for row in rows] == ["结束签到", "创建"]
    closed = {change.label: change.new for change in rows[0].changes}
    assert closed["结束签到人"] == "秘书甲" and "年" in closed["结束签到时间"]
    created = {change.label: change.new for change in rows[1].changes}
    assert created["类别"] != "plenary" and created["名称"] == "第一次全体会议"


def test_only_hidden_fields_changed_is_no_row(app):
    task = factories.make_task()
    db.session.commit()
    audit.record(db.session, "update", task, changes={"updated_at": [None, "2026-12-05T06:00:00+00:00"]})
    db.session.commit()
    assert [row.action for row in history_for(db.session, task)] == ["创建"]

