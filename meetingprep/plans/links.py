"""Links into the task pages owned by the tasks package."""

from __future__ import annotations

from flask import current_app

from meetingprep.tasks.markup import task_path


def task_url(task_id: int) -> str:
    """/tasks/<id> (``tasks.detail``), built as the ledger builds its rows' links (tasks/markup.py)."""
    return task_path(task_id)


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path
