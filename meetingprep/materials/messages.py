"""The wording of the messages materials send members, editable by the secretariat (提醒措辞).

Registered with ``notifications.wording.register_kind``; the services send them with ``notify_kind``, so an
edited wording is used at once, through every channel the member chose. Placeholders are the names below.
"""

from __future__ import annotations

from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("材料", "会次", "版本", "链接")
_SAMPLE = {"材料": "政协攀枝花市委员会常务委员会工作报告", "会次": "开幕大会", "版本": "2",
           "链接": "http://127.0.0.1:5000/materials/3"}


def _kind(kind: str, label: str, subject: str, body: str) -> MessageKind:
    return register_kind(MessageKind(kind, label, subject, body, _FIELDS, _SAMPLE))


PUBLISHED = _kind("material.published", "会议材料发布（发放范围内的委员）", "新的会议材料：{材料}",
                  "大会秘书处发布了会议材料《{材料}》（{会次}），请在手机或电脑上打开阅读。{链接}")
UPDATED = _kind("material.updated", "会议材料更新（发放范围内的委员）", "会议材料已更新：{材料}",
                "《{材料}》已更新为第{版本}版，请以新版本为准。{链接}")
REMINDER = _kind("material.reminder", "提醒阅读会议材料（尚未阅读的委员）", "请阅读会议材料：{材料}",
                 "您尚未阅读会议材料《{材料}》（{会次}）第{版本}版，请及时打开阅读。{链接}")


def values(title: str, *, sitting_name: str = "", version_number: int | None = None) -> dict[str, str]:
    return {"材料": title, "会次": sitting_name or "本次会议",
            "版本": "" if version_number is None else str(version_number)}
