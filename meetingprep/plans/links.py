"""Links into the task pages owned by the tasks package.

The task page is ``tasks.detail`` (/tasks/<id>) and the ledger ``tasks.ledger`` (/tasks/) with its filter
parameters; while that package is not registered (e.g. in this package's own tests) the same documented
paths are written out, so the links stay right either way.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, url_for


def task_url(task_id: int) -> str:
    if "tasks.detail" in current_app.view_functions:
        return url_for("tasks.detail", task_id=task_id)
    return f"/tasks/{task_id}"


def ledger_url(**params) -> str:
    params = {key: value for key, value in params.items() if value not in (None, "")}
    if "tasks.ledger" in current_app.view_functions:
        return url_for("tasks.ledger", **params)
    return "/tasks/" + (f"?{urlencode(params)}" if params else "")


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path
