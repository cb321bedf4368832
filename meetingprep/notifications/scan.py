"""The reminder scan: every rule's due items → ReminderLog (unique) → one message per person.

The log insert is ON CONFLICT DO NOTHING … RETURNING, so a scan only ever speaks about the items it
inserted itself: a repeated scan, a restarted scheduler or a second scheduler racing this one finds
the rows already there and says nothing. The statements run do not grow with the number of objects
(each rule is a fixed set of queries; inserts go in multi-row batches of thousands).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications import rules, wording
from meetingprep.notifications.channels import absolute_link
from meetingprep.notifications.models import ReminderLog
from meetingprep.notifications.services import Message, create_messages, insert_ignoring_conflicts

INBOX_LINK = "/notifications/"
LISTED_ITEMS = 30  # items spelled out in one grouped message


@dataclass
class ScanResult:
    items: int = 0
    messages: int = 0

    def __str__(self) -> str:
        return f"新提醒 {self.items} 项，合并为 {self.messages} 条消息"


def _new_items(items: list[rules.DueItem]) -> list[rules.DueItem]:
    """Claim the items in ReminderLog; only those this call inserted come back."""
    if not items:
        return []
    by_key = {item.key: item for item in items}
    oldest = min(item.due_moment for item in by_key.values())
    known = set(db.session.execute(
        select(ReminderLog.rule, ReminderLog.object_type, ReminderLog.object_id, ReminderLog.recipient_id,
               ReminderLog.due_moment)
        .where(ReminderLog.rule.in_({item.rule for item in by_key.values()}), ReminderLog.due_moment >= oldest)
    ))
    moment = timeutil.now()
    rows = [{"rule": rule, "object_type": object_type, "object_id": object_id, "recipient_id": recipient_id,
             "due_moment": due_moment, "created_at": moment}
            for (rule, object_type, object_id, recipient_id, due_moment) in by_key if
            (rule, object_type, object_id, recipient_id, due_moment) not in known]
    inserted = insert_ignoring_conflicts(
        ReminderLog, rows, ["rule", "object_type", "object_id", "recipient_id", "due_moment"],
        returning=(ReminderLog.rule, ReminderLog.object_type, ReminderLog.object_id, ReminderLog.recipient_id,
                   ReminderLog.due_moment, ReminderLog.id))
    return sorted(((by_key[tuple(row[:5])], row.id) for row in inserted), key=lambda pair: pair[1])


def _message_for(recipient_id: int, is_escalation: bool, claimed: list, texts: dict[str, wording.Wording]) -> Message:
    """A single item keeps its own wording; several become one list under the "合并提醒" wording
    (the first LISTED_ITEMS are spelled out, the rest counted: the inbox has them all)."""
    first_item, first_log_id = claimed[0]
    dedup_key = f"reminders:u{recipient_id}:log{first_log_id}"
    rendered = [(item, *_render_item(item, texts)) for item, _log_id in claimed[:LISTED_ITEMS]]
    if len(claimed) == 1:
        item, subject, body = rendered[0]
        return Message(recipient_id, rules.RULES[item.rule].kind, subject, body, item.link, dedup_key,
                       item.meeting_id, is_escalation)
    lines = [f"{n}. {subject}\n   {absolute_link(item.link)}" for n, (item, subject, _body) in enumerate(rendered, 1)]
    if len(claimed) > LISTED_ITEMS:
        lines.append(f"……另有 {len(claimed) - LISTED_ITEMS} 项，请登录查看。")
    values = {"姓名": first_item.recipient_name, "数量": str(len(claimed)), "条目": "\n".join(lines),
              "链接": absolute_link(INBOX_LINK)}
    subject, body = wording.render_kind(texts["reminder.group"], values)
    return Message(recipient_id, "reminder.group", subject, body, INBOX_LINK, dedup_key, first_item.meeting_id,
                   is_escalation)


def _render_item(item: rules.DueItem, texts: dict[str, wording.Wording]) -> tuple[str, str]:
    values = {**item.values, "链接": absolute_link(item.link)}
    return wording.render_kind(texts[rules.RULES[item.rule].kind], values)


def _of_open_meetings(items: list[rules.DueItem]) -> list[rules.DueItem]:
    """An archived meeting's open tasks and unfinished reviews stay as they were closed: nobody is reminded."""
    meeting_ids = {item.meeting_id for item in items if item.meeting_id is not None}
    if not meeting_ids:
        return items
    closed = set(db.session.scalars(select(Meeting.id).where(Meeting.id.in_(meeting_ids),
                                                             Meeting.closed_at.is_not(None))))
    return [item for item in items if item.meeting_id not in closed] if closed else items


def scan_reminders() -> ScanResult:
    """One scan over every registered rule; the caller commits (one unit of work)."""
    ctx = rules.ScanContext(now=timeutil.now())
    items = _of_open_meetings([item for rule in rules.RULES.values() for item in rule.collect(ctx)])
    claimed = _new_items(items)
    if not claimed:
        return ScanResult()
    groups: dict[tuple[int, bool], list] = defaultdict(list)
    for item, log_id in claimed:
        groups[(item.recipient_id, rules.RULES[item.rule].is_escalation)].append((item, log_id))
    texts = wording.wordings([*{rule.kind for rule in rules.RULES.values()}, "reminder.group"])
    messages = [_message_for(recipient_id, is_escalation, entries, texts)
                for (recipient_id, is_escalation), entries in sorted(groups.items())]
    create_messages(messages)
    return ScanResult(items=len(claimed), messages=len(messages))
