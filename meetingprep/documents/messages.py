"""The wording of every message the review pipeline sends, editable by the secretariat (提醒措辞).

Registered with ``notifications.wording.register_kind``; the services send them with
``notify_kind`` so an edited wording is used at once. Placeholders are the Chinese names below.
"""

from __future__ import annotations

import datetime as dt

from meetingprep import timeutil
from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("材料", "阶段", "稿次", "时限", "截止时间", "超时", "意见", "委员", "链接")
_SAMPLE = {"材料": "政协攀枝花市委员会常务委员会工作报告", "阶段": "秘书长审核", "稿次": "3", "时限": "2",
           "截止时间": "2027年1月8日 周五 17:00", "超时": "1天2小时", "意见": "请补充2026年提案办理数据。",
           "委员": "王芳", "链接": "http://127.0.0.1:5000/documents/7"}


def _kind(kind: str, label: str, subject: str, body: str) -> MessageKind:
    return register_kind(MessageKind(kind, label, subject, body, _FIELDS, _SAMPLE))


REVIEW = _kind("document.review", "材料待审核（阶段开始时，审核人）", "待您审核：{材料}（{阶段}）",
               "《{材料}》第{稿次}稿已到“{阶段}”阶段，请在{时限}天内（{截止时间}前）审核。{链接}")
REVIEW_OVERDUE = _kind(
    "document.review.overdue", "材料审核超时（审核人，超出阶段办理时限时）",
    "【审核超时】《{材料}》“{阶段}”已超出办理时限",
    "《{材料}》第{稿次}稿在“{阶段}”阶段的办理时限（{时限}天）已于{截止时间}届满，已超时{超时}，仍待您审核，请尽快处理。{链接}")
DRAFT = _kind("document.draft", "指定起草人（起草人）", "请起草：{材料}",
              "您被指定为《{材料}》的起草人，请上传初稿。{链接}")
RETURNED = _kind("document.returned", "退回修改（起草人）", "退回修改：{材料}（{阶段}）", "{意见}\n{链接}")
FINALIZED = _kind("document.finalized", "材料定稿（起草人、责任组）", "已定稿：{材料}",
                  "《{材料}》第{稿次}稿已审定定稿。{链接}")
REOPENED = _kind("document.reopened", "定稿重新打开（起草人）", "定稿已重新打开：{材料}", "{意见}\n{链接}")
SPEECH_SUBMITTED = _kind("speech.submitted", "委员提交大会发言稿（大会秘书处）", "新的大会发言稿：{材料}",
                         "{委员}委员提交了发言稿，请排入审核流程。{链接}")


def values(title: str, *, stage_name: str = "", version_number: int | None = None, allowance_days: int | None = None,
           due_at: dt.datetime | None = None, moment: dt.datetime | None = None, note: str = "",
           member: str = "") -> dict[str, str]:
    """The placeholders' values; what a message does not use stays empty."""
    late = moment - due_at if moment is not None and due_at is not None else None
    return {"材料": title, "阶段": stage_name, "稿次": "" if version_number is None else str(version_number),
            "时限": "" if allowance_days is None else str(allowance_days),
            "截止时间": timeutil.format_datetime(due_at) if due_at else "",
            "超时": timeutil.humanize_delta(late) if late is not None and late.total_seconds() > 0 else "",
            "意见": note, "委员": member}
