"""The 意见采纳情况 report as .xlsx (through meetingprep.spreadsheets, like every export)."""

from __future__ import annotations

from meetingprep import spreadsheets
from meetingprep.opinions.queries import DocumentOpinions, report_order
from meetingprep.spreadsheets import Column, Table

COLUMNS = [
    Column("序号", "number", 6), Column("当前段落", "text", 8), Column("原文（提出时）", "text", 30),
    Column("讨论组", "text", 8), Column("委员", "text", 8), Column("意见", "text", 40), Column("答复", "text", 8),
    Column("采纳版本", "text", 8), Column("答复说明", "text", 30), Column("答复人", "text", 8),
    Column("答复时间", "datetime", 18), Column("记录时间", "datetime", 18),
]


def paragraph_cell(view: DocumentOpinions, opinion) -> str:
    number = view.current_paragraph.get(opinion.id)
    if number is not None:
        return f"第{number}段"
    return "全文" if opinion.paragraph_number is None else "原段落已删改"


def report_rows(view: DocumentOpinions) -> list[list]:
    rows = []
    for index, opinion in enumerate(report_order(view), start=1):
        quoted = opinion.paragraph_text
        if opinion.paragraph_number is not None:
            quoted = f"{opinion.doc_version.label}第{opinion.paragraph_number}段：{quoted}"
        rows.append([
            index, paragraph_cell(view, opinion), quoted,
            opinion.discussion_group.name if opinion.discussion_group else "", opinion.member_name, opinion.body,
            opinion.response_label, opinion.response_version.label if opinion.response_version else "",
            opinion.response_note, opinion.answered_by.display_name if opinion.answered_by else "",
            opinion.answered_at, opinion.recorded_at])
    return rows


def report_workbook(title: str, view: DocumentOpinions) -> bytes:
    summary = "；".join(f"{label} {count} 条" for label, count in view.counts)
    table = Table("意见采纳情况", COLUMNS, report_rows(view), title=f"《{title}》分组讨论意见采纳情况",
                  title_row=True, notes=[f"共 {view.total} 条意见：{summary}。"])
    return spreadsheets.workbook_bytes([table])
