"""The scheduler's tick for notices (job ``notices.tick``): send what is due, remind the unread.

One notice is one unit of work, committed on its own: a notice that fails (logged, shown as the job's
outcome) does not hold back the others, and a crash leaves every notice either wholly sent or still
waiting. Claims are conditional UPDATEs (``services.send_scheduled``, ``services.remind_unread``), so a
second scheduler started by mistake sends nothing twice.
"""

from __future__ import annotations

import logging

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.notices import services

log = logging.getLogger(__name__)


def tick() -> str:
    moment = timeutil.now()
    sent = reminded = failed = 0
    for notice_id in services.due_to_send(moment):
        try:
            sent += services.send_scheduled(notice_id, moment) is not None
            db.session.commit()
        except Exception:  # one broken notice must not stop the rest; it stays scheduled and is tried again
            db.session.rollback()
            failed += 1
            log.exception("notice %s could not be sent", notice_id)
    db.session.commit()
    for notice_id in services.due_to_remind(moment):
        try:
            reminded += (services.remind_unread(notice_id, moment) or 0)
            db.session.commit()
        except Exception:
            db.session.rollback()
            failed += 1
            log.exception("unread reminder of notice %s failed", notice_id)
    text = f"发送通知公告 {sent} 条，未读提醒 {reminded} 人"
    if failed:
        raise RuntimeError(f"{text}；{failed} 条出错，见日志")
    return text
