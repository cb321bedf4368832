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


# ── following up who is missing (services.remind_absent / remind_unregistered) ─────────────────────
_MISSING_FIELDS = ("会议", "会次", "开始时间", "地点", "链接")
_MISSING_SAMPLE = {"会议": "市政协十届四次会议", "会次": "开幕大会", "开始时间": "2027年1月12日 周二 09:00",
                   "地点": "市会议中心大礼堂", "链接": "http://127.0.0.1:5000/agenda/schedule"}
ABSENT = register_kind(MessageKind(
    "attendance.absent", "未签到提醒（委员，会次进行中）", "【签到提醒】{会次}已开始签到，您尚未签到",
    "{会次}（{开始时间}，{地点}）已开始签到，您尚未签到。请尽快到会场签到；如不能出席，请及时向大会秘书处请假。\n{链接}",
    _MISSING_FIELDS, _MISSING_SAMPLE))
UNREGISTERED = register_kind(MessageKind(
    "attendance.unregistered", "未报到提醒（委员）", "【报到提醒】请到{会议}报到",
    "{会议}将于{开始时间}在{地点}开幕，您尚未报到。请携带报到表（含本人签到二维码）到报到处办理；"
    "如不能参会，请及时向大会秘书处请假。\n{链接}", _MISSING_FIELDS, _MISSING_SAMPLE))
