"""The wording of every reminder kind: built-in defaults, the secretariat's edits, safe rendering.

Placeholders are Chinese names in braces ({任务}). Rendering never evaluates anything: a field is
looked up by its exact name in a dict of strings (no attribute access, no format specs), and an
unknown placeholder is reported when the wording is saved, never a 500 when it is used.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import MessageTemplate


@dataclass(frozen=True)
class MessageKind:
    kind: str
    label: str
    subject: str
    body: str
    placeholders: tuple[str, ...]
    sample: Mapping[str, str]


_TASK_SAMPLE = {"任务": "起草大会主席团第一次会议议程", "截止时间": "2027年1月8日 周五 17:00", "责任人": "张明",
                "工作组": "秘书组", "剩余": "3天", "逾期": "1天2小时", "链接": "http://127.0.0.1:5000/tasks/42"}
_TASK_FIELDS = ("任务", "截止时间", "责任人", "工作组", "剩余", "逾期", "链接")

KINDS: dict[str, MessageKind] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    """Rules of other domains (documents, sittings) add their own kinds here."""
    KINDS[kind.kind] = kind
    return kind


for _kind in (
    MessageKind("task.due", "任务即将到期（责任人、协办人）",
                "【任务提醒】「{任务}」将于{截止时间}到期",
                "任务「{任务}」（{工作组}，责任人{责任人}）将于{截止时间}到期，还剩{剩余}。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
    MessageKind("task.overdue", "任务逾期（责任人，每日）",
                "【逾期提醒】「{任务}」已逾期{逾期}",
                "您负责的任务「{任务}」（{工作组}）截止时间为{截止时间}，已逾期{逾期}，请尽快办结或说明情况。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
    MessageKind("task.overdue.lead", "任务逾期（工作组组长）",
                "【逾期提醒】本组任务「{任务}」已逾期{逾期}",
                "本组任务「{任务}」（责任人{责任人}）截止时间为{截止时间}，已逾期{逾期}，请督促办理。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
    MessageKind("task.overdue.secretariat", "任务逾期升级（大会秘书处）",
                "【逾期升级】「{任务}」已逾期{逾期}",
                "{工作组}的任务「{任务}」（责任人{责任人}）截止时间为{截止时间}，已逾期{逾期}，请秘书处协调。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
    MessageKind("reminder.group", "合并提醒（一次扫描内多项提醒合为一条）",
                "【大会筹备】您有{数量}项待办提醒",
                "{姓名}，您好：\n以下事项需要您关注：\n{条目}\n\n请登录大会筹备工作平台查看：{链接}",
                ("姓名", "数量", "条目", "链接"),
                {"姓名": "张明", "数量": "3", "条目": "1. 任务「起草议程」将于明天到期\n2. 任务「印制证件」已逾期1天",
                 "链接": "http://127.0.0.1:5000/notifications/"}),
    MessageKind("digest.daily", "每日简报（秘书处、领导，08:30）",
                "【每日简报】{会议} {日期}",
                "{姓名}，您好：\n{会议}筹备情况（{日期}）\n\n{内容}\n\n{链接}",
                ("姓名", "会议", "日期", "内容", "链接"),
                {"姓名": "李华", "会议": "政协第十届攀枝花市委员会第四次会议", "日期": "2027年1月5日 周二",
                 "内容": "【逾期任务】秘书组 2 项；会务组 1 项\n【今日到期】3 项\n距开幕还有 6 天",
                 "链接": "http://127.0.0.1:5000/"}),
):
    register_kind(_kind)


def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in ``text``; ValidationFailed when the braces do not pair up."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValidationFailed("花括号不成对：占位符应写成 {任务} 这样的形式；如需显示花括号本身，请写成 {{ 或 }}。") \
            from error
    return [field for _literal, field, _spec, _conv in parsed if field is not None]


def check_wording(kind: MessageKind, *texts: str) -> None:
    """Refuse unknown placeholders (typos would otherwise reach thousands of people verbatim)."""
    unknown = []
    for text in texts:
        for name in placeholders_in(text):
            if name not in kind.placeholders and name not in unknown:
                unknown.append(name)
    if unknown:
        names = "、".join("{" + name + "}" if name else "{}" for name in unknown)
        allowed = "、".join("{" + name + "}" for name in kind.placeholders)
        raise ValidationFailed(f"未知的占位符：{names}。可用的占位符有：{allowed}。")


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill placeholders by exact name; anything unknown or malformed stays as written."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out = []
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        if field in values:
            out.append(str(values[field]))
        else:
            out.append("{" + field + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}")
    return "".join(out)


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    is_default: bool


def wordings(kinds: list[str] | None = None) -> dict[str, Wording]:
    """The wording in force for each kind, in one query."""
    wanted = list(kinds) if kinds is not None else list(KINDS)
    stored = {row.kind: row for row in db.session.scalars(
        select(MessageTemplate).where(MessageTemplate.kind.in_(wanted)))}
    result = {}
    for name in wanted:
        row = stored.get(name)
        if row is not None:
            result[name] = Wording(row.subject, row.body, False)
        else:
            result[name] = Wording(KINDS[name].subject, KINDS[name].body, True)
    return result


def render_kind(wording: Wording, values: Mapping[str, str]) -> tuple[str, str]:
    return render(wording.subject, values), render(wording.body, values)
