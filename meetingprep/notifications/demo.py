"""Demo: the reminders the scheduler would have sent by now, and one group robot set up but off."""

from __future__ import annotations

from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.notifications.models import GroupWebhook
from meetingprep.notifications.scan import scan_reminders


def seed(ctx: DemoContext) -> None:
    """Runs after the tasks seeder: one scan fills the inboxes (grouped, deduplicated as in real use)."""
    ctx.progress("通知与提醒")
    group = ctx.groups.get("会务组")
    if group is not None:
        db.session.add(GroupWebhook(group_id=group.id, is_enabled=False,
                                    url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=示例-请替换"))
    scan_reminders()
    db.session.flush()
