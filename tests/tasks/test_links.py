"""tasks.links: one home for a task's address, in a request and outside one."""

from __future__ import annotations

from meetingprep.tasks.links import task_path, task_url


def test_task_links_outside_a_request_come_from_the_route_and_base_url(app):
    app.config["BASE_URL"] = "https://prep.example.org/"
    with app.app_context():
        assert task_path(17) == "/tasks/17"
        assert task_path(17, "comment-3") == "/tasks/17#comment-3"
        assert task_url(17) == "/tasks/17"
        assert task_url(17, external=True) == "https://prep.example.org/tasks/17"


def test_task_links_in_a_request_carry_the_mount_point_but_stored_paths_do_not(app):
    app.config["BASE_URL"] = "https://prep.example.org/prep"
    with app.test_request_context("/tasks/", base_url="http://localhost/prep"):
        assert task_url(17) == "/prep/tasks/17"
        assert task_path(17) == "/tasks/17"  # what a notification stores; BASE_URL adds the mount point
        assert task_url(17, external=True) == "https://prep.example.org/prep/tasks/17"


def test_my_tasks_link_comes_from_its_route_and_follows_the_mount_point(app, monkeypatch):
    """A batch of new tasks is announced with a link to 我的任务: built from the route, stored without the mount
    point, and opened under it (the inbox adds the request's, mail and robots BASE_URL's)."""
    from meetingprep.notifications.channels import absolute_link
    from meetingprep.tasks.links import my_tasks_path

    app.config["BASE_URL"] = "https://prep.example.org/prep"
    with app.test_request_context("/tasks/", base_url="http://localhost/prep"):
        assert my_tasks_path() == "/tasks/mine"
        assert absolute_link(my_tasks_path()) == "https://prep.example.org/prep/tasks/mine"


def test_a_batch_of_new_tasks_is_announced_with_a_link_to_my_tasks(app):
    from sqlalchemy import select

    from meetingprep.extensions import db
    from meetingprep.notifications.models import Notification
    from meetingprep.plans.services import _tell_owners
    from meetingprep.tasks.links import my_tasks_path
    from tests import factories

    meeting = factories.make_meeting()
    group = factories.make_group(meeting)
    owner, actor = factories.make_user("staff", group=group), factories.make_user("secretariat")
    _tell_owners(actor, meeting, [factories.make_task(meeting, group, owner) for _ in range(2)], "导入")
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == owner.id))
    assert note.link == my_tasks_path() == "/tasks/mine"
