"""The ledger as the secretariat files it: CSV for other tools, .xlsx in the 台账 layout
(title row, header, column widths, frozen header) for printing and circulating."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from meetingprep.timeutil import format_datetime, now, to_local

#: (header, width in characters)
COLUMNS = [("序号", 6), ("责任组", 12), ("任务", 40), ("责任人", 10), ("阶段", 6), ("优先级", 7),
           ("时间节点", 22), ("相对开幕", 16), ("状态", 8), ("进度", 7), ("逾期", 6), ("完成情况", 40)]


def _cells(number: int, task, moment) -> list:
    return [number, task.group.name, task.title, task.owner.display_name, task.phase.label, task.priority.label,
            format_datetime(task.due_at), task.relative_due_label, task.status.label, f"{task.progress}%",
            "是" if task.is_overdue_at(moment) else "", task.completion_note]


def _csv(rows: Iterable, moment) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _width in COLUMNS])
    for number, (task, _waiting) in enumerate(rows, 1):
        writer.writerow(_cells(number, task, moment))
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 CSV correctly only with the BOM


def _xlsx(meeting, rows: Iterable, moment) -> bytes:
    """Write-only (streaming) workbook: tens of thousands of rows stay quick and small in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("任务台账")
    for index, (_header, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.merged_cells.add(f"A1:{get_column_letter(len(COLUMNS))}1")
    title = WriteOnlyCell(sheet, f"{meeting.name}筹备工作任务台账（{to_local(moment):%Y年%m月%d日 %H:%M} 导出）")
    title.font, title.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    sheet.append([title])
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    headers = []
    for header, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, header)
        cell.font, cell.fill, cell.alignment = Font(bold=True), header_fill, Alignment(horizontal="center")
        headers.append(cell)
    sheet.append(headers)
    for number, (task, _waiting) in enumerate(rows, 1):
        sheet.append(_cells(number, task, moment))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def respond(meeting, rows: Iterable, fmt: str) -> Response:
    moment = now()
    stamp = f"{to_local(moment):%Y%m%d-%H%M}"
    if fmt == "csv":
        body, mimetype = _csv(rows, moment), "text/csv; charset=utf-8"
    else:
        body, mimetype = _xlsx(meeting, rows, moment), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"任务台账-{stamp}.{fmt}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = \
        f"attachment; filename=\"tasks-{stamp}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return response
