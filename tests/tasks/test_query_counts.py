"""List pages run the same number of SQL statements at 10 and at 500 tasks."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import insert

from meetingprep.extensions import db
from meetingprep.tasks.models import HandOff, Task, TaskAttachment, TaskComment, TaskCoworker
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories

STATUSES = list(TaskStatus)


def seed(world, n: int) -> None:
    """n tasks over both groups, every status, some overdue, with co-workers and hand-offs."""
    base = now()
    rows = [{"meeting_id": world.meeting.id, "group_id": world.materials.id if i % 3 else world.affairs.id,
             "owner_id": world.staff.id if i % 3 else world.affairs_staff.id, "title": f"任务{i}",
             "status": STATUSES[i % len(STATUSES)], "due_at": base + dt.timedelta(hours=i * 7 - 300),
             "due_offset_days": -(i % 20) if i % 2 else None, "version_id": 1, "progress": i % 100,
             "created_at": base, "updated_at": base} for i in range(n)]
    db.session.execute(insert(Task), rows)
    ids = sorted(db.session.scalars(db.select(Task.id)))
    db.session.execute(insert(TaskCoworker), [{"task_id": tid, "user_id": world.staff2.id} for tid in ids[::2]])
    db.session.execute(insert(HandOff), [{"predecessor_id": a, "successor_id": b}
                                                for a, b in zip(ids[::2], ids[1::2], strict=False)])
    db.session.commit()


def count_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm-up: the first request loads the user and the meeting
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def measure(app, client, login, world, count_queries, n: int) -> dict[str, int]:
    seed(world, n)
    login(world.staff)
    urls = {"ledger": "/tasks/", "filtered": f"/tasks/?group={world.materials.id}&overdue=1&sort=-owner",
            "board": f"/tasks/board/{world.materials.id}", "mine": "/tasks/mine"}
    return {name: count_for(client, count_queries, url) for name, url in urls.items()}


def test_counts_do_not_grow_with_rows(app, client, login, world, count_queries):
    small = measure(app, client, login, world, count_queries, 10)
    db.session.execute(db.delete(HandOff))
    db.session.execute(db.delete(TaskCoworker))
    db.session.execute(db.delete(Task))
    db.session.commit()
    large = measure(app, client, login, world, count_queries, 500)
    assert small == large, (small, large)
    assert max(large.values()) <= 12, large


def test_board_sends_at_most_thirty_cards_per_column(client, login, world):
    seed(world, 500)
    login(world.lead)
    page = client.get(f"/tasks/board/{world.materials.id}").text
    assert page.count('class="card card-body p-2 mb-2') <= 30 * len(STATUSES)
    assert len(page) < 200_000


def test_my_tasks_page_stays_at_its_cap(client, login, world):
    seed(world, 500)
    login(world.staff)
    page = client.get("/tasks/mine").text
    assert page.count('class="list-group-item list-group-item-action"') == 50
    assert "查看全部" in page and len(page) < 60_000


def test_task_page_and_its_hand_off_search_do_not_grow(app, client, login, world, count_queries):
    counts = []
    for n in (10, 500):
        db.session.execute(db.delete(HandOff))
        db.session.execute(db.delete(TaskCoworker))
        db.session.execute(db.delete(Task))
        db.session.commit()
        seed(world, n)
        successor = db.session.scalar(db.select(HandOff.successor_id).order_by(HandOff.id))
        login(world.secretariat)
        url = f"/tasks/{successor}"
        counts.append((count_for(client, count_queries, url),
                       count_for(client, count_queries, url + "?hand_off_q=任务1"),
                       count_for(client, count_queries, f"/tasks/{successor}/hand-off-candidates?q=任务")))
        page = client.get(url).text
        assert page[page.index('id="hand-off-picker"'):].count("<option ") <= 30  # the picker's (督办 has its own)
    assert counts[0] == counts[1], counts


def test_the_overdue_filter_walks_the_open_task_index(app, world):
    """The overdue and open filters spell the open statuses as the partial index's predicate does, so the
    database walks open tasks in the ledger's order instead of stepping over every closed old one."""
    from sqlalchemy import text

    from meetingprep.tasks.models import OPEN_PREDICATE
    from meetingprep.tasks.queries import LedgerFilter, _ordered

    base = now()  # as a meeting's history looks: the oldest deadlines are done, the open ones come later
    db.session.execute(insert(Task), [
        {"meeting_id": world.meeting.id, "group_id": world.materials.id, "owner_id": world.staff.id,
         "title": f"任务{i}", "status": TaskStatus.DONE if i < 400 else TaskStatus.IN_PROGRESS,
         "due_at": base + dt.timedelta(hours=i - 500), "version_id": 1, "progress": 0, "created_at": base,
         "updated_at": base} for i in range(500)])
    db.session.commit()
    from meetingprep.db import refresh_statistics

    refresh_statistics(db.session)  # as the db.statistics job does
    if db.engine.dialect.name == "postgresql":  # as autovacuum does (earlier tests' deleted rows included)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tasks"))
    dialect = db.engine.dialect
    rendered = str(Task.is_open.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))
    assert rendered.replace("tasks.", "") == OPEN_PREDICATE
    statement = _ordered(world.meeting.id, LedgerFilter(overdue=True)).limit(50)
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True, "literal_binds": True}))
    if dialect.name == "sqlite":  # which of two fitting indexes SQLite picks for 500 rows is its guess; whether
        # the partial one fits at all is not: INDEXED BY fails with "no query solution" if it does not
        sql = sql.replace("FROM tasks ", "FROM tasks INDEXED BY ix_tasks_open_meeting_id_due_at_id ", 1)
        plan = " ".join(str(row) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    else:  # PostgreSQL may as well read ix_tasks_meeting_id_status_due_at and sort what it found (which it
        # prefers for 100 rows depends on its statistics); asked for the rows in order, the partial index fits
        db.session.execute(text("SET LOCAL enable_sort = off"))
        plan = " ".join(str(row) for row in db.session.execute(text("EXPLAIN " + sql)))
        db.session.rollback()
    assert "ix_tasks_open_meeting_id_due_at_id" in plan, plan


def test_co_worker_rows_carry_their_tasks_meeting_however_inserted(app, world):
    """TaskCoworker.meeting_id (我的任务 finds one meeting's co-worked tasks by it) is filled from the task
    when an insert leaves it out: one row through the ORM, several in one bulk insert."""
    from sqlalchemy import select

    from tests import factories

    other_meeting = factories.make_meeting(is_current=False)
    elsewhere = factories.make_task(other_meeting, factories.make_group(other_meeting))
    here = factories.make_task(world.meeting, world.materials)
    here_too = factories.make_task(world.meeting, world.materials)
    db.session.add(TaskCoworker(task_id=elsewhere.id, user_id=world.staff.id))
    db.session.flush()
    db.session.execute(insert(TaskCoworker), [{"task_id": here.id, "user_id": world.staff.id},
                                              {"task_id": here_too.id, "user_id": world.staff2.id}])
    rows = dict(db.session.execute(select(TaskCoworker.task_id, TaskCoworker.meeting_id)).all())
    assert rows == {elsewhere.id: other_meeting.id, here.id: world.meeting.id, here_too.id: world.meeting.id}


def _queried_tables(client, count_queries, url: str) -> set[str]:
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    lists = {"task_dependencies", "task_comments", "task_attachments"}
    return {table for statement in counter.statements if not statement.lstrip().startswith("SELECT (EXISTS")
            for table in lists if f"FROM {table}" in statement}


def test_the_task_page_queries_only_the_lists_that_have_rows(client, login, world, count_queries):
    """The task's own query says whether it has hand-offs, comments and evidence; an empty list costs no query
    (a round trip each on PostgreSQL), and a list with rows is shown."""
    task = factories.make_task(world.meeting, world.materials, world.staff, title="起草报告")
    other = factories.make_task(world.meeting, world.materials, world.staff, title="印发通知")
    db.session.commit()
    login(world.secretariat)
    url = f"/tasks/{task.id}"
    client.get(url)
    assert _queried_tables(client, count_queries, url) == set()

    factories.make_hand_off(predecessor=task, successor=other)
    db.session.add(TaskComment(task_id=task.id, author_id=world.staff.id, body="初稿已送审"))
    db.session.add(TaskAttachment(task_id=task.id, is_evidence=True, uploaded_by_id=world.staff.id,
                                  stored_name="x.pdf", original_name="佐证材料.pdf", kind="pdf", size=2048,
                                  sha256="0" * 64))
    db.session.commit()
    assert _queried_tables(client, count_queries, url) == {"task_dependencies", "task_comments", "task_attachments"}
    page = client.get(url).text
    assert "初稿已送审" in page and "佐证材料.pdf" in page
    handoffs = page[page.index('id="hand-offs"'):page.index('id="hand-off-picker"')]
    assert re.search(rf'后续任务.*href="/tasks/{other.id}">印发通知</a> <span class="text-secondary">材料组</span>',
                     handoffs, re.S)
    assert 'class="badge text-bg-' in handoffs and "取消衔接" not in handoffs  # 取消 is on predecessors only
    successor_page = client.get(f"/tasks/{other.id}").text
    assert re.search(rf'前置任务.*href="/tasks/{task.id}">起草报告</a>.*取消衔接.*后续任务', successor_page, re.S)
