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


# ── tasks ───────────────────────────────────────────────────────────────────────────────────────
# Leaders read every task; members see none. The secretariat creates and assigns any task, a group
# lead within their own groups; the owner (not co-workers: one person answers for a task) starts and
# submits; acceptance is by the group lead or the secretariat, never by the submitter.
def _group_id_of(obj) -> int | None:
    return obj if isinstance(obj, int) else getattr(obj, "group_id", getattr(obj, "id", None))


def _leads_task_group(user, task) -> bool:
    return user.role == Role.GROUP_LEAD and _group_id_of(task) in user.lead_group_ids


def _manages_task(user, task) -> bool:
    return user.role in MANAGERS or (task is not None and _leads_task_group(user, task))


def _works_on_task(user, task) -> bool:
    """Owner or co-worker; ``task.coworkers`` must be loaded (the task page loads it)."""
    return task is not None and user.role in WORKERS and (
        task.owner_id == user.id or user.id in task.coworker_user_ids)


rule("task.view")(_role_in(*READERS))
rule("task.export")(_role_in(*READERS))
rule("task.bulk_edit")(_role_in(*MANAGERS, Role.GROUP_LEAD))
rule("task.override_predecessors")(_role_in(*MANAGERS))
rule("task.cancel")(_role_in(*MANAGERS))
rule("task.reopen")(_role_in(*MANAGERS))


@rule("task.create")
def _create_task(user, group=None) -> bool:
    """Without a group: may the user create tasks at all (shows the button and the form)."""
    if user.role in MANAGERS:
        return True
    return user.role == Role.GROUP_LEAD and (group is None or _group_id_of(group) in user.lead_group_ids)


rule("task.edit")(_manages_task)
rule("task.link")(_manages_task)  # add or remove hand-offs of this task


@rule("task.progress")
def _update_progress(user, task) -> bool:
    return _manages_task(user, task) or _works_on_task(user, task)


rule("task.comment")(_update_progress)


@rule("task.start")
def _start_task(user, task) -> bool:
    return task is not None and task.owner_id == user.id and user.role in WORKERS


rule("task.resume")(_start_task)


@rule("task.submit")
def _submit_task(user, task) -> bool:
    """The owner; the secretariat may also submit on the owner's behalf (e.g. reported by phone)."""
    return _start_task(user, task) or user.role in MANAGERS


def _accept_or_return(user, task) -> bool:
    return task is not None and task.submitted_by_id != user.id and _manages_task(user, task)


rule("task.accept")(_accept_or_return)
rule("task.return")(_accept_or_return)
