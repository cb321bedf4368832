from __future__ import annotations

import pytest

from meetingprep.extensions import db
from tests import factories
from tests.notifications.conftest import cast, clock  # noqa: F401 (fixtures for the 督办 reminder tests)


@pytest.fixture
def world(role_users):
    """role_users plus a task of 会务组 owned by its staff member (the group lead leads it), a second leader."""
    meeting, group = role_users["meeting"], role_users["group"]
    task = factories.make_task(meeting, group, role_users["staff"], title="布置主会场")
    other_leader = factories.make_user("leader", username="r_leader2", display_name="领导乙")
    db.session.commit()
    return {**role_users, "task": task, "leader2": other_leader}
