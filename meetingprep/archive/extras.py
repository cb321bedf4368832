"""What the summary and the archive say about the domains that came after them: 会议材料 handed out and read
(``materials``), 通知公告 and their read receipts (``notices``). Registered in ``summary.SECTIONS`` and
``bundle.EXTRA_PARTS``; each reads its domain's own tables with the domain's own counting (materials'
``readings``), and says nothing when the domain is not installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, raiseload

from meetingprep import spreadsheets, uploads
from meetingprep.archive.bundle import Entry, Part, file_name
from meetingprep.archive.summary import Section
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.spreadsheets import Column, Table


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


# ── 会议材料 ────────────────────────────────────────────────────────────────────────────────────
def _materials(meeting_id: int):
    from meetingprep.materials.models import Material
    from meetingprep.materials.queries import readings

    materials = list(db.session.scalars(
        select(Material).where(Material.meeting_id == meeting_id, Material.published_at.is_not(None))
        .options(joinedload(Material.sitting), raiseload("*")).order_by(Material.published_at, Material.id)))
    return materials, readings([m.id for m in materials])


def materials_section(meeting: Meeting, _moment: dt.datetime) -> Section:
    materials, read = _materials(meeting.id)
    live = [m for m in materials if not m.is_withdrawn]
    expected = sum(read[m.id].expected for m in live)
    done = sum(read[m.id].read for m in live)
    stale = sum(read[m.id].stale for m in live)
    source = ["会议材料（materials、material_receipts）：应阅 = 发放范围内的委员人次；已阅 = 打开过最新版本；"
              "阅读率 = 已阅 ÷ 应阅；已撤回的材料不计入。"]
    if not live:
        return Section("会议材料发放情况", ["本次会议没有通过系统发放会议材料。"], sources=source)
    return Section(
        "会议材料发放情况",
        [f"通过系统向委员发放会议材料 {len(live)} 份，应阅 {expected} 人次，已阅最新版本 {done} 人次，"
         f"阅读率 {_percent(done, expected)}；另有 {stale} 人次阅过旧版本。"],
        header=["材料", "版本数", "应阅", "已阅", "阅过旧版", "未阅", "阅读率"],
        rows=[[m.title, m.version_count, read[m.id].expected, read[m.id].read, read[m.id].stale, read[m.id].unread,
               _percent(read[m.id].read, read[m.id].expected)] for m in live],
        sources=source)


def _material_entries(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    from meetingprep.materials.models import MaterialVersion

    materials, read = _materials(meeting.id)
    if not materials:
        return
    columns = [Column("序号", "number"), Column("材料", width=30), Column("会次"), Column("发放范围"),
               Column("发布时间", "datetime"), Column("撤回时间", "datetime"), Column("版本数", "number"),
               Column("应阅", "number"), Column("已阅", "number"), Column("阅过旧版", "number"),
               Column("未阅", "number")]
    rows = [[n, m.title, m.sitting.name if m.sitting else "", m.audience.label, m.published_at, m.withdrawn_at,
             m.version_count, read[m.id].expected, read[m.id].read, read[m.id].stale, read[m.id].unread]
            for n, m in enumerate(materials, 1)]
    yield Entry("05-会议材料/材料发放与阅读.xlsx", spreadsheets.workbook_bytes(
        [Table("材料发放与阅读", columns, rows, title=f"{meeting.name} 会议材料发放与阅读", title_row=True)], moment),
        "发放的会议材料及其阅读回执（由材料审核定稿的版本见 01-材料）")
    numbers = {m.id: n for n, m in enumerate(materials, 1)}
    titles = {m.id: m.title for m in materials}
    uploaded = db.session.scalars(select(MaterialVersion).where(
        MaterialVersion.material_id.in_(numbers), MaterialVersion.stored_name.is_not(None))
        .order_by(MaterialVersion.material_id, MaterialVersion.number))
    for version in uploaded:
        path = uploads.stored_path(version.stored_name)
        if path.exists():
            yield Entry(f"05-会议材料/{numbers[version.material_id]:03d}-{file_name(titles[version.material_id])}/"
                        f"{version.label}.{version.kind}", path.read_bytes(), "上传发放的文件")


def material_parts(meeting: Meeting, moment: dt.datetime) -> list[Part]:
    return [Part("会议材料发放与阅读", partial(_material_entries, meeting, moment))]


# ── 通知公告 ────────────────────────────────────────────────────────────────────────────────────
def _notices(meeting_id: int):
    from meetingprep.notices.models import Notice, NoticeRecipient, NoticeStatus

    read = func.coalesce(func.sum(case((NoticeRecipient.read_at.is_not(None), 1), else_=0)), 0)
    counts = dict((row[0], (int(row[1]), int(row[2]))) for row in db.session.execute(
        select(NoticeRecipient.notice_id, func.count(NoticeRecipient.id), read)
        .join(Notice, Notice.id == NoticeRecipient.notice_id)
        .where(Notice.meeting_id == meeting_id).group_by(NoticeRecipient.notice_id)))
    notices = list(db.session.scalars(select(Notice).where(Notice.meeting_id == meeting_id)
                                      .order_by(Notice.send_at, Notice.id)))
    sent = [n for n in notices if n.status == NoticeStatus.SENT]
    return notices, sent, counts


def notices_section(meeting: Meeting, _moment: dt.datetime) -> Section:
    _notices_all, sent, counts = _notices(meeting.id)
    source = ["通知公告（notices、notice_recipients）：已读 = 回执中有阅读时间；阅读率 = 已读 ÷ 接收人数；"
              "未发出和已撤销的通知不计入。"]
    if not sent:
        return Section("通知公告阅读情况", ["本次会议没有通过系统发出通知公告。"], sources=source)
    total = sum(counts.get(n.id, (0, 0))[0] for n in sent)
    done = sum(counts.get(n.id, (0, 0))[1] for n in sent)
    return Section(
        "通知公告阅读情况",
        [f"通过系统发出通知公告 {len(sent)} 条，送达 {total} 人次，已读 {done} 人次，阅读率 {_percent(done, total)}。"],
        header=["通知", "类别", "接收人数", "已读", "阅读率"],
        rows=[[n.title, n.category.label, counts.get(n.id, (0, 0))[0], counts.get(n.id, (0, 0))[1],
               _percent(counts.get(n.id, (0, 0))[1], counts.get(n.id, (0, 0))[0])] for n in sent],
        sources=source)


def _notice_entries(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    from meetingprep.notices.models import Notice, NoticeRecipient

    notices, _sent, counts = _notices(meeting.id)
    if not notices:
        return
    listing = Table("通知公告", [Column("序号", "number"), Column("标题", width=30), Column("类别"), Column("状态"),
                                 Column("发送范围", width=30), Column("发送时间", "datetime"),
                                 Column("接收人数", "number"), Column("已读", "number"), Column("正文", width=50)],
                    [[n, notice.title, notice.category.label, notice.status.label, notice.audience,
                      notice.sent_at or notice.send_at, counts.get(notice.id, (0, 0))[0],
                      counts.get(notice.id, (0, 0))[1], notice.body] for n, notice in enumerate(notices, 1)],
                    title=f"{meeting.name} 通知公告", title_row=True)
    receipts = db.session.execute(
        select(Notice.title, NoticeRecipient.name, NoticeRecipient.affiliation, NoticeRecipient.is_member,
               NoticeRecipient.read_at, NoticeRecipient.reminded_at)
        .join(Notice, Notice.id == NoticeRecipient.notice_id).where(Notice.meeting_id == meeting.id)
        .order_by(Notice.send_at, Notice.id, NoticeRecipient.id)).all()
    receipt_table = Table("阅读回执", [Column("通知", width=30), Column("接收人"), Column("界别/工作组", width=20),
                                       Column("身份"), Column("阅读时间", "datetime"), Column("提醒时间", "datetime")],
                          [[title, name, affiliation, "委员" if is_member else "工作人员", read_at, reminded_at]
                           for title, name, affiliation, is_member, read_at, reminded_at in receipts],
                          title=f"{meeting.name} 通知公告阅读回执", title_row=True)
    yield Entry("06-通知公告/通知公告与回执.xlsx", spreadsheets.workbook_bytes([listing, receipt_table], moment),
                "通知公告的正文、发送范围和每位接收人的阅读回执")


def notice_parts(meeting: Meeting, moment: dt.datetime) -> list[Part]:
    return [Part("通知公告与回执", partial(_notice_entries, meeting, moment))]


# ── 分组讨论意见 ────────────────────────────────────────────────────────────────────────────────
def opinions_section(meeting: Meeting, _moment: dt.datetime) -> Section:
    from meetingprep.opinions.models import DiscussionOpinion, OpinionResponse

    counts = dict(db.session.execute(select(DiscussionOpinion.response, func.count(DiscussionOpinion.id))
                                     .where(DiscussionOpinion.meeting_id == meeting.id)
                                     .group_by(DiscussionOpinion.response)).all())
    total = sum(counts.values())
    source = ["分组讨论意见（discussion_opinions）：采纳率 = （采纳 + 部分采纳）÷ 意见总数；尚未答复的计入总数。"]
    if not total:
        return Section("分组讨论意见采纳情况", ["本次会议在系统中没有记录分组讨论意见。"], sources=source)
    taken = counts.get(OpinionResponse.ADOPTED, 0) + counts.get(OpinionResponse.PARTLY, 0)
    parts = "，".join(f"{response.label} {counts.get(response, 0)} 条" for response in OpinionResponse)
    return Section("分组讨论意见采纳情况", [
        f"分组讨论中委员提出意见 {total} 条：{parts}，尚未答复 {counts.get(None, 0)} 条；"
        f"采纳率（含部分采纳）{_percent(taken, total)}。"], sources=source)


def _opinion_entries(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    from flask import current_app

    from meetingprep.documents import queries as document_queries
    from meetingprep.opinions import queries
    from meetingprep.opinions import spreadsheets as opinion_sheets

    discussed = [(document, total) for document, total, _unanswered in queries.discussed_documents(meeting.id)
                 if total]
    for number, (document, _total) in enumerate(discussed, 1):
        version = document.current_version
        text = document_queries.version_with_text(document.id, version.number).text_content if version else None
        view = queries.by_paragraph(document, text, queries.opinions_of(document.id),
                                    current_app.config["DIFF_WORK_BUDGET"])
        yield Entry(f"07-分组讨论意见/{number:02d}-{file_name(document.title)}-意见采纳情况.xlsx",
                    opinion_sheets.report_workbook(document.title, view), f"《{document.title}》的分组讨论意见及答复")


def opinion_parts(meeting: Meeting, moment: dt.datetime) -> list[Part]:
    return [Part("分组讨论意见与答复", partial(_opinion_entries, meeting, moment))]
