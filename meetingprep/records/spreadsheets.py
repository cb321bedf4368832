"""委员履职 exports (through meetingprep.spreadsheets): every member's record of a 界别 or 讨论组 for the
secretariat, and the aggregates per 界别 and 讨论组 (what leaders may take away)."""

from __future__ import annotations

from meetingprep import spreadsheets
from meetingprep.records.queries import Aggregate, MemberRecord
from meetingprep.spreadsheets import Column, Table

COUNT_COLUMNS = [Column("应到", "number"), Column("出席", "number"), Column("迟到", "number"),
                 Column("请假", "number"), Column("缺席", "number"), Column("出席率", "percent")]
SPEECH_COLUMNS = [Column("提交发言", "number"), Column("口头发言", "number"), Column("书面发言", "number"),
                  Column("未采用", "number"), Column("审核或安排中", "number")]
OPINION_COLUMNS = [Column("讨论意见", "number"), Column("被采纳（含部分）", "number")]


def _rate(counts):
    return counts.rate_text if counts.rate is None else round(counts.rate * 100, 1)


def _figures(counts, speeches, opinions: int, taken_up: int) -> list:
    return [counts.expected, counts.present, counts.late, counts.leave, counts.absent, _rate(counts),
            speeches.submitted, speeches.oral, speeches.written, speeches.not_used, speeches.pending,
            opinions, taken_up]


def member_table(records: list[MemberRecord], title: str) -> Table:
    columns = [Column("委员编号", "id"), Column("姓名"), Column("界别"), Column("讨论组"), Column("常委"),
               *COUNT_COLUMNS, *SPEECH_COLUMNS, *OPINION_COLUMNS, Column("收到通知", "number"),
               Column("已读通知", "number")]
    rows = [[r.member.member_no, r.member.name, r.member.sector,
             r.member.discussion_group.name if r.member.discussion_group else "", r.member.is_standing,
             *_figures(r.counts, r.speeches, r.opinions, r.opinions_taken_up), r.notices, r.notices_read]
            for r in records]
    return Table("委员履职", columns, rows, title=title)


def aggregate_table(name: str, header: str, rows: list[Aggregate], title: str) -> Table:
    columns = [Column(header), Column("委员人数", "number"), *COUNT_COLUMNS, *SPEECH_COLUMNS, *OPINION_COLUMNS]
    return Table(name, columns, [[a.name, a.members, *_figures(a.counts, a.speeches, a.opinions, a.opinions_taken_up)]
                                 for a in rows], title=title)


def workbook(tables: list[Table]) -> bytes:
    return spreadsheets.workbook_bytes(tables)
