from meetingprep.dashboard.graph import analysis
from meetingprep.extensions import db
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories


def test_a_committed_task_change_drops_the_cached_analysis(app):
    meeting = factories.make_meeting()
    task = factories.make_task(meeting, title="布置主会场")
    db.session.commit()
    first = analysis(meeting, now())
    assert analysis(meeting, now()) is first  # fresh: served from the cache
    assert task.id in first.graph.nodes

    task.status = TaskStatus.DONE
    db.session.commit()
    second = analysis(meeting, now())
    assert second is not first
    assert task.id not in second.graph.nodes


def test_a_rolled_back_change_keeps_the_cache(app):
    meeting = factories.make_meeting()
    task = factories.make_task(meeting)
    db.session.commit()
    first = analysis(meeting, now())
    task.progress = 50
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert analysis(meeting, now()) is first
