"""Who may do what: the ONE place that decides.

``can(user, action, obj)`` is a pure function of the user, the action name and the object, used by
views (403), templates (to hide what cannot be done) and the JSON API alike. Every action is a rule
registered below with ``@rule("domain.verb")``; asking for an unknown action is a programming error
(KeyError), so a typo never silently grants or denies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from meetingprep.db import LabeledEnum
from meetingprep.errors import NotAllowed

if TYPE_CHECKING:
    from meetingprep.auth.models import User


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

Rule = Callable[["User", Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"permission rule {action!r} defined twice")
        _RULES[action] = func
        return func

    return register


def can(user: User | None, action: str, obj: Any = None) -> bool:
    check = _RULES[action]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(check(user, obj))


def require(user: User | None, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise NotAllowed()


def actions() -> list[str]:
    return sorted(_RULES)


def _role_in(*roles: Role) -> Rule:
    allowed = frozenset(roles)
    return lambda user, _obj=None: user.role in allowed


# ── accounts ────────────────────────────────────────────────────────────────────────────────────
rule("user.manage")(_role_in(*MANAGERS))


@rule("user.grant_role")
def _grant_role(user, role) -> bool:
    """Only an administrator makes administrators; the secretariat manages everyone else."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SECRETARIAT and role != Role.ADMIN


@rule("user.edit")
def _edit_user(user, target) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SECRETARIAT and target is not None and target.role != Role.ADMIN


rule("audit.search")(_role_in(*MANAGERS))
rule("audit.view")(_role_in(*READERS))

# ── meetings and working groups ─────────────────────────────────────────────────────────────────
rule("meeting.view")(lambda user, _meeting=None: True)
rule("meeting.manage")(_role_in(*MANAGERS))
rule("group.view")(_role_in(*READERS))
rule("group.manage")(_role_in(*MANAGERS))

# ── plans: templates, import, calendar, timeline, iCal ─────────────────────────────────────────
# Templates and .xlsx import create tasks across every group and name their owners, so they stay
# with the secretariat (group leads add their own tasks one at a time on the task pages).
rule("plan.templates")(_role_in(*MANAGERS))
rule("plan.import")(_role_in(*MANAGERS))
rule("plan.calendar")(_role_in(*READERS))
rule("plan.timeline")(_role_in(*READERS))
# The personal deadline feed: everyone who can own or co-work a task.
rule("plan.ical")(_role_in(*WORKERS))
