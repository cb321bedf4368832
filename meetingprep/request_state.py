"""What nearly every page needs about its request, read in one statement with the login.

Each signed-in request must look up its session and user (``ops/sessions.py``). The same statement also
reads what the page frame and the caches need, so none of them costs a statement of its own:

* ``unread_notifications`` — the navigation's badge (``navigation.py``);
* ``data_version`` — what cached values are checked against (``versioned_cache.py``, ``data_version.py``);
* ``current_meeting`` — the meeting the pages are about (``web.current_meeting``).

To add something every page needs, add a field to ``RequestState``, a column to ``_statement`` and its
reading in ``load``. Code that runs without a signed-in request (the CLI, the scheduler, the login page)
finds no state here (``current()`` is None) and asks the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import g, has_request_context
from sqlalchemy import Select, bindparam, select

from meetingprep.auth.models import User
from meetingprep.data_version import version_column
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.meetings.queries import CURRENT_MEETING_ID
from meetingprep.notifications.queries import UNREAD
from meetingprep.ops.models import UserSession


@dataclass(frozen=True)
class RequestState:
    """The signed-in request's session, user and page-frame data, as read at the start of the request."""

    session: UserSession
    user: User
    unread_notifications: int
    data_version: int
    current_meeting: Meeting | None


@cache
def _statement() -> Select:
    """Built once: it runs on every request."""
    return (
        select(UserSession, User,
               UNREAD.scalar_subquery().label("unread_notifications"),
               version_column().label("data_version"),
               Meeting)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Meeting, Meeting.id == CURRENT_MEETING_ID)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.user_id == bindparam("user_id"))
    )


def load(user_id: int, token_hash: str) -> RequestState | None:
    """The state for the session ``(user_id, token_hash)`` names, or None when there is no such session."""
    row = db.session.execute(_statement(), {"token_hash": token_hash, "user_id": user_id}).one_or_none()
    if row is None:
        return None
    session, user, unread, version, meeting = row
    return RequestState(session=session, user=user, unread_notifications=unread or 0, data_version=version or 0,
                        current_meeting=meeting)


def remember(state: RequestState) -> None:
    """This request's state, once its login is accepted."""
    g.request_state = state


def current() -> RequestState | None:
    """This request's state; None outside a request or when nobody is signed in."""
    return g.get("request_state") if has_request_context() else None
