"""The ledger as the secretariat files it: CSV for other tools, .xlsx in the 台账 layout (title row, typed
cells, frozen header repeated on every printed page, A4 landscape fitted to the width) — both written by
``meetingprep.spreadsheets``, so texts such as "=HYPERLINK(…)" stay texts."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from meetingprep import spreadsheets
from meetingprep.spreadsheets import Column, Table
from meetingprep.timeutil import now, to_local

COLUMNS = [Column("序号", "number"), Column("责任组", width=10), Column("任务", width=30), Column("责任人"),
           Column("阶段"), Column("优先级"), Column("时间节点", "datetime"), Column("相对开幕"), Column("状态"),
           Column("进度", "percent"), Column("逾期"), Column("完成情况", width=30)]


def _cells(number: int, task, moment) -> list:
    return [number, task.group.name, task.title, task.owner.display_name, task.phase.label, task.priority.label,
            task.due_at, task.relative_due_label, task.status.label, task.progress,
            "是" if task.is_overdue_at(moment) else "", task.completion_note]


def ledger_table(meeting, rows: Iterable, moment) -> Table:
    """The ledger's sheet: ``rows`` are the ledger's (task, waiting) rows (also the archive's 任务台账)."""
    lines = [_cells(number, task, moment) for number, (task, _waiting) in enumerate(rows, 1)]
    title = f"{meeting.name}筹备工作任务台账（{to_local(moment):%Y年%m月%d日 %H:%M} 导出）"
    return Table("任务台账", COLUMNS, lines, title=title, title_row=True)


def respond(meeting, rows: Iterable, fmt: str) -> Response:
    moment = now()
    if fmt == "csv":
        lines = [_cells(number, task, moment) for number, (task, _waiting) in enumerate(rows, 1)]
        body, content_type = spreadsheets.csv_bytes(COLUMNS, lines), spreadsheets.CSV_MIMETYPE
    else:
        table = ledger_table(meeting, rows, moment)
        body, content_type = spreadsheets.workbook_bytes([table], moment), spreadsheets.XLSX_MIMETYPE
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = spreadsheets.content_disposition(
        f"任务台账-{spreadsheets.stamp(moment)}.{fmt}", "tasks")
    return response
