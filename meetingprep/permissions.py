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

# ── dashboard ───────────────────────────────────────────────────────────────────────────────────
rule("dashboard.view")(_role_in(Role.ADMIN, Role.SECRETARIAT, Role.LEADER, Role.GROUP_LEAD))


def dashboard_group_scope(user: User) -> frozenset[int] | None:
    """The groups whose figures the user sees on the dashboard; None = the whole meeting.
    A group lead sees the same page scoped to the groups they lead."""
    return user.lead_group_ids if user.role == Role.GROUP_LEAD else None
# ── notifications ───────────────────────────────────────────────────────────────────────────────
rule("notifications.inbox")(lambda user, _obj=None: True)
rule("notifications.settings")(lambda user, _obj=None: True)
rule("notifications.read")(lambda user, notification: notification is not None
                           and notification.recipient_id == user.id)
rule("notifications.admin")(_role_in(*MANAGERS))  # jobs, delivery log, resend
rule("notifications.wording")(_role_in(*MANAGERS))


@rule("notifications.webhooks")
def _list_group_webhooks(user, _obj=None) -> bool:
    return user.role in MANAGERS or bool(user.lead_group_ids)


@rule("notifications.webhook")
def _set_group_webhook(user, group) -> bool:
    """The secretariat for every group; a group lead for the group they lead."""
    return user.role in MANAGERS or (group is not None and group.id in user.lead_group_ids)
