"""The task state machine, in one place.

未开始 → 进行中 → 待验收 → 已完成, or 待验收 → 退回 → 进行中; 已取消 by the secretariat.
逾期 (overdue) is never stored: it is derived from the deadline and the status.
Who may take a transition is decided by the permission module (``task.<action>`` rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from meetingprep.db import LabeledEnum


class TaskStatus(LabeledEnum):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    SUBMITTED = "submitted", "待验收"
    DONE = "done", "已完成"
    RETURNED = "returned", "退回"
    CANCELLED = "cancelled", "已取消"


class TaskAction(LabeledEnum):
    START = "start", "开始办理"
    SUBMIT = "submit", "提交验收"
    ACCEPT = "accept", "验收通过"
    RETURN = "return", "退回"
    RESUME = "resume", "重新办理"
    CANCEL = "cancel", "取消任务"
    REOPEN = "reopen", "恢复任务"


@dataclass(frozen=True)
class Transition:
    action: TaskAction
    sources: frozenset[TaskStatus]
    target: TaskStatus
    needs_note: bool = False  # a completion note, a return reason or a cancel reason is required


S = TaskStatus
TRANSITIONS: dict[TaskAction, Transition] = {
    t.action: t
    for t in (
        Transition(TaskAction.START, frozenset({S.NOT_STARTED}), S.IN_PROGRESS),
        Transition(TaskAction.SUBMIT, frozenset({S.NOT_STARTED, S.IN_PROGRESS}), S.SUBMITTED, needs_note=True),
        Transition(TaskAction.ACCEPT, frozenset({S.SUBMITTED}), S.DONE),
        Transition(TaskAction.RETURN, frozenset({S.SUBMITTED}), S.RETURNED, needs_note=True),
        Transition(TaskAction.RESUME, frozenset({S.RETURNED}), S.IN_PROGRESS),
        Transition(TaskAction.CANCEL, frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED}),
                   S.CANCELLED, needs_note=True),
        Transition(TaskAction.REOPEN, frozenset({S.CANCELLED}), S.NOT_STARTED, needs_note=True),
    )
}

OPEN_STATUSES = frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED})
CLOSED_STATUSES = frozenset({S.DONE, S.CANCELLED})


def available_actions(status: TaskStatus) -> list[TaskAction]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]
