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
