"""The task state machine, in one place.

未开始 → 进行中 → 待验收 → 已完成, or 待验收 → 退回 → (重新提交 | 进行中); 已取消 by the secretariat.
逾期 (overdue) is never stored: it is derived from the deadline and the status.
Who may take a transition is decided by the permission module: the rule is ``task.<action>``.
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

    @property
    def is_open(self) -> bool:
        """Not yet done or cancelled (未办结). ``Task.is_open`` asks this, and says it in SQL too."""
        return self in OPEN_STATUSES

    @property
    def note_label(self) -> str:
        """What a task's ``status_note`` explains in this status (退回原因, 取消原因); empty when none."""
        return STATUS_NOTE_LABELS.get(self, "")


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
    #: Label of the note field; a non-empty label with ``needs_note`` means the note is required.
    note_label: str = "备注"
    needs_note: bool = False
    #: Finish-to-start: refused while a predecessor is still open (secretariat may override).
    waits_for_predecessors: bool = False
    #: Evidence files may be attached to this step (completion evidence on submit).
    takes_evidence: bool = False

    @property
    def permission(self) -> str:
        return f"task.{self.action.value}"


S = TaskStatus
TRANSITIONS: dict[TaskAction, Transition] = {
    t.action: t
    for t in (
        Transition(TaskAction.START, frozenset({S.NOT_STARTED}), S.IN_PROGRESS),
        Transition(TaskAction.SUBMIT, frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED}), S.SUBMITTED,
                   note_label="完成情况", needs_note=True, waits_for_predecessors=True, takes_evidence=True),
        Transition(TaskAction.ACCEPT, frozenset({S.SUBMITTED}), S.DONE, note_label="验收意见"),
        Transition(TaskAction.RETURN, frozenset({S.SUBMITTED}), S.RETURNED, note_label="退回原因",
                   needs_note=True),
        Transition(TaskAction.RESUME, frozenset({S.RETURNED}), S.IN_PROGRESS),
        Transition(TaskAction.CANCEL, frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED}),
                   S.CANCELLED, note_label="取消原因", needs_note=True),
        Transition(TaskAction.REOPEN, frozenset({S.CANCELLED}), S.NOT_STARTED, note_label="恢复原因",
                   needs_note=True),
    )
}

#: In a fixed order: the open-task index's predicate (models.OPEN_PREDICATE) and the queries that use it
#: spell the same list, which is how SQLite recognises that the index applies.
OPEN_IN_ORDER = (S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED)
OPEN_STATUSES = frozenset(OPEN_IN_ORDER)
CLOSED_STATUSES = frozenset(TaskStatus) - OPEN_STATUSES
#: The status note's meaning in the statuses it explains: the reason given by the step that led there.
STATUS_NOTE_LABELS = {S.RETURNED: TRANSITIONS[TaskAction.RETURN].note_label,
                      S.CANCELLED: TRANSITIONS[TaskAction.CANCEL].note_label}
#: Board columns, left to right.
BOARD_COLUMNS = (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED, S.SUBMITTED, S.DONE, S.CANCELLED)
#: Bootstrap colour of each status badge.
STATUS_COLOURS = {S.NOT_STARTED: "secondary", S.IN_PROGRESS: "primary", S.SUBMITTED: "warning",
                  S.DONE: "success", S.RETURNED: "danger", S.CANCELLED: "dark"}


def available_actions(status: TaskStatus) -> list[TaskAction]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]
