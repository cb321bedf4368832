"""The dashboard's figures as an .xlsx workbook for the daily report (one sheet per section that has one),
written by ``meetingprep.spreadsheets``: counts as numbers, times as dates, rates (a header with 率) as
percentages."""

from __future__ import annotations

import datetime as dt

from meetingprep import spreadsheets
from meetingprep.dashboard.sections import sections
from meetingprep.spreadsheets import Column, Table


def _column(title: str) -> Column:
    return Column(title, "percent" if "率" in title else "text")


def workbook_bytes(figures: dict[str, dict], title: str = "大会筹备日报", moment: dt.datetime | None = None) -> bytes:
    tables = [Table(name, [_column(h) for h in header], rows, title=f"{title}·{name}")
              for section in sections() for name, header, rows in section.sheets(figures[section.key])]
    return spreadsheets.workbook_bytes(tables, moment)
