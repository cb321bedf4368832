"""The wording of the unread reminder (editable under 提醒任务管理 → 提醒措辞, like every reminder kind).

The notice itself is the secretariat's own words; only the reminder to those who have not read it is a
wording with placeholders."""

from __future__ import annotations

from meetingprep.notifications.wording import MessageKind, register_kind

UNREAD_KIND = register_kind(MessageKind(
    "notice.unread", "通知公告未读提醒",
    "【请阅读】{标题}",
    "{姓名}：{发布时间}发布的{类别}「{标题}」您尚未阅读，请及时查看。{链接}",
    ("姓名", "标题", "类别", "发布时间", "链接"),
    {"姓名": "王芳", "标题": "大会报到须知", "类别": "报到须知", "发布时间": "2027年1月10日 周日 09:00",
     "链接": "http://127.0.0.1:5000/notices/3"}))
