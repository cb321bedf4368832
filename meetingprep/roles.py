"""The roles a user can have, and the groups of roles the rules speak of.

A module of its own, below every domain: models store a role, queries filter by one, and the permission
rules (``permissions.py``) decide with them — none of these has to import another to know the roles.
"""

from __future__ import annotations

from meetingprep.db import LabeledEnum


class Role(LabeledEnum):
    ADMIN = "admin", "系统管理员"
    SECRETARIAT = "secretariat", "大会秘书处"
    GROUP_LEAD = "group_lead", "工作组组长"
    STAFF = "staff", "工作人员"
    LEADER = "leader", "领导"
    MEMBER = "member", "委员"


MANAGERS = frozenset({Role.ADMIN, Role.SECRETARIAT})
WORKERS = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.GROUP_LEAD, Role.STAFF})
READERS = WORKERS | {Role.LEADER}  # everyone who sees the whole preparation
