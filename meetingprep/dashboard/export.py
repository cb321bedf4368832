"""The dashboard's figures as an .xlsx workbook for the daily report (one sheet per section that has one)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from meetingprep.dashboard.sections import sections

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(figures: dict[str, dict]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections():
        for name, header, rows in section.sheets(figures[section.key]):
            sheet = workbook.create_sheet(name)
            sheet.append(header)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in rows:
                sheet.append(row)
            for index, title in enumerate(header, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(title) + 2)
            sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
