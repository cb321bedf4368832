"""Links into the task pages owned by the tasks package.

The task page is ``tasks.detail`` (/tasks/<id>); while that package is not registered (e.g. in this
branch's own tests) the same documented path is written out, so the links stay right either way.
"""

from __future__ import annotations

from flask import current_app, url_for


def task_url(task_id: int) -> str:
    if "tasks.detail" in current_app.view_functions:
        return url_for("tasks.detail", task_id=task_id)
    return f"/tasks/{task_id}"


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path
