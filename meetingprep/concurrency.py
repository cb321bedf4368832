"""Optimistic locking: a save based on an old version of a record is refused, never merged silently."""

from __future__ import annotations

from meetingprep.errors import Conflict


def expect_version(obj, submitted_version: int | str | None, what: str = "该记录") -> None:
    """Raise Conflict when the user edited a version other than the one stored now.

    Editable models map ``version_id`` as SQLAlchemy's version counter, so even a race between
    this check and the UPDATE ends in StaleDataError, which the app also shows as a conflict.
    """
    try:
        submitted = int(submitted_version) if submitted_version not in (None, "") else None
    except (TypeError, ValueError):
        submitted = None
    if submitted is None or submitted != obj.version_id:
        raise Conflict(f"{what}已被他人修改（您编辑的是旧版本）。"
                       "请查看最新内容，确认后重新保存；您填写的内容已保留在下方。")
