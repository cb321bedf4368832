"""The message a member gets when the drafting group answers an opinion they raised (editable wording)."""

from __future__ import annotations

from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("材料", "答复", "意见", "链接")
_SAMPLE = {"材料": "政协攀枝花市委员会常务委员会工作报告", "答复": "采纳",
           "意见": "建议增加数字政协建设的内容。", "链接": "http://127.0.0.1:5000/opinions/mine"}

ANSWERED = register_kind(MessageKind(
    "opinion.answered", "分组讨论意见已答复（提出意见的委员）", "您的意见已答复：{材料}",
    "您在分组讨论中对《{材料}》提出的意见“{意见}”，起草组的答复是：{答复}。{链接}", _FIELDS, _SAMPLE))
