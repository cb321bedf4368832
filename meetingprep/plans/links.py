"""Absolute links for what leaves the browser (the iCal feed); task links are ``tasks.links.task_url``."""

from __future__ import annotations

from flask import current_app


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path
