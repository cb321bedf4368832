"""The document review state machine, in one place.

起草中 ─提交→ 审核中 ─(各阶段依次通过)→ 定稿;审核中 ─退回→ 退回修改 ─提交新版本→ 审核中 (回到退回的阶段);
定稿 ─秘书处重新打开→ 退回修改 (at the last stage). A speech submission (大会发言) starts 待排入流程 until the
secretariat gives it a pipeline. Stages themselves are rows (DocumentStage); this table says which
document statuses each action may start from and where it leads. Who may act is the permission module's
business (``document.*`` rules); whether the rule of a stage is met is the service's.
"""

from __future__ import annotations

from dataclasses import dataclass

from meetingprep.db import LabeledEnum


class DocumentStatus(LabeledEnum):
    AWAITING_PIPELINE = "awaiting_pipeline", "待排入流程"
    DRAFTING = "drafting", "起草中"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "退回修改"
    FINALIZED = "finalized", "定稿"


class ReviewAction(LabeledEnum):
    REVISE = "revise", "提交修改稿"       # a new version while no pipeline is assigned yet
    SUBMIT = "submit", "提交审核"         # a new version enters (or re-enters) review
    ASSIGN = "assign", "排入审核流程"
    APPROVE = "approve", "审核通过"       # the stage's rule may not be met yet: stays in review
    ADVANCE = "advance", "进入下一阶段"   # taken by the service when a stage's rule is met
    FINALIZE = "finalize", "定稿"         # … and that stage was the last one
    RETURN = "return", "退回修改"
    REOPEN = "reopen", "重新打开"


class Decision(LabeledEnum):
    APPROVE = "approve", "通过"
    RETURN = "return", "退回修改"


class ApprovalRule(LabeledEnum):
    ANY = "any", "任一人通过"
    ALL = "all", "全部通过"
    M_OF_N = "m_of_n", "N 人中 M 人通过"


@dataclass(frozen=True)
class Transition:
    action: ReviewAction
    sources: frozenset[DocumentStatus]
    target: DocumentStatus
    needs_comment: bool = False


S = DocumentStatus
TRANSITIONS: dict[ReviewAction, Transition] = {
    t.action: t
    for t in (
        Transition(ReviewAction.REVISE, frozenset({S.AWAITING_PIPELINE}), S.AWAITING_PIPELINE),
        Transition(ReviewAction.SUBMIT, frozenset({S.DRAFTING, S.RETURNED}), S.IN_REVIEW),
        Transition(ReviewAction.ASSIGN, frozenset({S.AWAITING_PIPELINE}), S.IN_REVIEW),
        Transition(ReviewAction.APPROVE, frozenset({S.IN_REVIEW}), S.IN_REVIEW),
        Transition(ReviewAction.ADVANCE, frozenset({S.IN_REVIEW}), S.IN_REVIEW),
        Transition(ReviewAction.FINALIZE, frozenset({S.IN_REVIEW}), S.FINALIZED),
        Transition(ReviewAction.RETURN, frozenset({S.IN_REVIEW}), S.RETURNED, needs_comment=True),
        Transition(ReviewAction.REOPEN, frozenset({S.FINALIZED}), S.RETURNED, needs_comment=True),
    )
}

#: Statuses in which the drafters may add a version, and the action that version takes.
VERSION_ACTIONS: dict[DocumentStatus, ReviewAction] = {
    S.AWAITING_PIPELINE: ReviewAction.REVISE,
    S.DRAFTING: ReviewAction.SUBMIT,
    S.RETURNED: ReviewAction.SUBMIT,
}

#: Why a version cannot be added now, by status.
VERSION_REFUSALS: dict[DocumentStatus, str] = {
    S.IN_REVIEW: "文件正在审核中，暂不能上传新版本；如需修改，请审核人退回后再提交。",
    S.FINALIZED: "文件已定稿并锁定，不能再上传新版本；如确需修改，请联系大会秘书处重新打开。",
}

OPEN_STATUSES = frozenset({S.AWAITING_PIPELINE, S.DRAFTING, S.IN_REVIEW, S.RETURNED})

STATUS_BADGES = {
    S.AWAITING_PIPELINE: "secondary",
    S.DRAFTING: "info",
    S.IN_REVIEW: "primary",
    S.RETURNED: "warning",
    S.FINALIZED: "success",
}


def allowed(action: ReviewAction, status: DocumentStatus) -> bool:
    return status in TRANSITIONS[action].sources
