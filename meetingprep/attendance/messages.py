"""The wording of the leave messages, editable by the secretariat (提醒措辞) like every other message.

Registered with ``notifications.wording.register_kind``; the services send them with ``notify_kind``,
so an edited wording is used at once. Placeholders are the Chinese names below.
"""

from __future__ import annotations

from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("委员", "会次", "事由", "结果", "意见", "链接")
_SAMPLE = {"委员": "张三", "会次": "第一次全体会议、第二次全体会议", "事由": "赴省里参加培训", "结果": "已批准",
           "意见": "同意", "链接": "http://127.0.0.1:5000/attendance/leave/12"}

LEAVE_REQUESTED = register_kind(MessageKind(
    "attendance.leave_requested", "委员请假待审批（大会秘书处）", "{委员} 请假待审批",
    "请假会次：{会次}。事由：{事由}\n{链接}", _FIELDS, _SAMPLE))
LEAVE_DECIDED = register_kind(MessageKind(
    "attendance.leave_decided", "请假审批结果（委员）", "您的请假申请{结果}",
    "请假会次：{会次}。审批意见：{意见}\n{链接}", _FIELDS, _SAMPLE))


def values(member: str, sittings: str, *, reason: str = "", outcome: str = "", note: str = "") -> dict[str, str]:
    """The placeholders' values; an empty decision note reads 无."""
    return {"委员": member, "会次": sittings, "事由": reason, "结果": outcome, "意见": note or "无"}
