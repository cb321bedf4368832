"""Every .xlsx and CSV the service hands out is written here, so office software gets the same file
whatever the export: typed cells, texts that cannot run as formulas, A4 print setup, Chinese names.

A table is a list of ``Column``s and rows of plain Python values. The column's kind decides the cell:

- ``text``: a string; a text that begins with = + - @, tab or CR (OWASP's CSV-injection rule) is written
  as a string cell with Excel's quote prefix, so Excel, WPS and LibreOffice show it unchanged and never
  evaluate it, not even after someone edits the cell;
- ``id``: text formatted as text (``@``), for numbers with leading zeros and phone numbers;
- ``number`` and ``percent`` (a value in percent, 85.5 → 85.5%): numbers a user can sum and sort;
- ``datetime`` / ``date``: aware datetimes shown in the display zone with a Chinese number format.

A value of another type than the column's (e.g. "—" in a number column) is written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from meetingprep import timeutil

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
TEXT_FORMAT = "@"
#: A text beginning with one of these is read as a formula by Excel, WPS or LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 50          # wider text wraps
LANDSCAPE_FROM = 100    # total width (in characters) above which a sheet prints landscape
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"        # text | id | number | percent | datetime | date
    width: int | None = None  # a minimum; the content widens it up to MAX_WIDTH


@dataclass
class Table:
    """One sheet: ``title`` prints in every page's header (and as a first row when ``title_row``);
    ``notes`` are lines of text between the title and the header (e.g. how a rate is counted)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    title: str = ""
    title_row: bool = False
    notes: Sequence[str] = field(default_factory=tuple)


def is_risky(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutral_csv_text(text: str) -> str:
    """OWASP's rule for CSV, where no cell type exists: a leading apostrophe keeps the text a text."""
    return "'" + text if is_risky(text) else text


@functools.lru_cache(maxsize=8192)  # group names, owners, statuses repeat on every row
def display_width(text: str) -> int:
    """Width in Excel's character units: CJK and full-width characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _local(value: dt.datetime) -> dt.datetime:
    return timeutil.to_local(value).replace(tzinfo=None) if value.tzinfo else value


def _shown(value, kind: str) -> str:
    """The text a spreadsheet shows for ``value`` — what column widths are measured on."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y}年{value.month}月{value.day}日"
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.1f}%"
    return str(value)


def _clean(value):
    """Aware datetimes to the display zone (Excel has no zones); texts without XML-illegal characters."""
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _plain(value, kind: str) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, str):
        return kind != "id" and not is_risky(value) and "\n" not in value and len(value) < MAX_WIDTH // 2 - 1
    return kind in ("text", "number") and isinstance(value, int | float) and not isinstance(value, bool)


def _cell(sheet, value, kind: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, None)
    if kind == "id" and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if value == "":
        return cell
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"          # openpyxl would otherwise store "=…" as a formula
        if is_risky(value):
            cell.quotePrefix = True    # Excel/LibreOffice keep it text when the cell is edited
        if kind == "id":
            cell.number_format = TEXT_FORMAT
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell
    if kind == "percent" and isinstance(value, int | float):
        cell.value = value / 100
        cell.number_format = "0.0%" if isinstance(value, float) else "0%"
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub("_", name)[:28] or "Sheet"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base[:26]}{number}", number + 1
    taken.add(candidate)
    return candidate


def _write_table(workbook: Workbook, table: Table, moment: dt.datetime, taken: set[str]) -> None:
    rows = [[_clean(value) for value in row] for row in table.rows]
    columns = list(table.columns)
    widths = []
    for index, column in enumerate(columns):
        # A long text wraps within MAX_WIDTH; a one-cell note row under a wider table is not measured.
        shown = [display_width(_shown(row[index], column.kind)) for row in rows
                 if index < len(row) and (len(row) > 1 or len(columns) == 1)]
        widest = max([display_width(column.header), *shown]) + 2
        widths.append(min(max(widest, column.width or 0, 6), MAX_WIDTH))
    sheet = workbook.create_sheet(_sheet_name(table.name, taken))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        if columns[index - 1].kind == "id":  # rows typed later (a template) keep their zeros too
            sheet.column_dimensions[get_column_letter(index)].number_format = TEXT_FORMAT

    # A write-only sheet writes its properties, panes and page setup with the first row: set them first.
    header_row = 1 + (1 if table.title_row and table.title else 0) + len(table.notes)
    print_setup(sheet, title=table.title or table.name, header_row=header_row, width=sum(widths), moment=moment)

    if table.title_row and table.title:
        title = _cell(sheet, _clean(table.title), "text")
        title.font, title.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
        if len(columns) > 1:
            sheet.merged_cells.add(f"A1:{get_column_letter(len(columns))}1")
        sheet.append([title])
    for note in table.notes:
        sheet.append([_cell(sheet, _clean(note), "text")])
    headers = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.data_type = "s"
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        headers.append(cell)
    sheet.append(headers)
    kinds = [column.kind for column in columns]
    for row in rows:
        line = []
        for index, value in enumerate(row):
            kind = kinds[index] if index < len(kinds) else "text"
            if _plain(value, kind):  # most cells: openpyxl writes them as they are, without a style
                line.append(value)
                continue
            cell = _cell(sheet, value, kind)
            if isinstance(value, str) and display_width(value) > MAX_WIDTH - 2 and index < len(columns) \
                    and len(row) > 1:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            line.append(cell)
        sheet.append(line)


def print_setup(sheet, *, title: str, header_row: int, width: int, moment: dt.datetime) -> None:
    """Frozen header repeated on every printed page, A4 in the orientation the width needs, fitted to the
    page width, the title and export time in the page header, 第 N 页 共 M 页 in the footer."""
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"1:{header_row}"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if width > LANDSCAPE_FROM else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddHeader.center.text = _header_text(title)
    sheet.oddHeader.right.text = f"导出时间：{timeutil.format_datetime(moment, weekday=False)}"
    sheet.oddHeader.right.size = 9
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.oddFooter.center.size = 9


def set_text(cell, value: str) -> None:
    """A text in an ordinary (not write-only) sheet, never a formula whatever it begins with."""
    cell.value = _clean(value)
    cell.data_type = "s"
    if is_risky(cell.value):
        cell.quotePrefix = True


def _header_text(text: str) -> str:
    return text.replace("&", "&&")  # & starts a header code (&P, &N …)


def workbook_bytes(tables: Iterable[Table], moment: dt.datetime | None = None) -> bytes:
    """An .xlsx of one sheet per table, streamed (write-only) so a ledger of many thousand rows stays small."""
    moment = moment or timeutil.now()
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        _write_table(workbook, table, moment, taken)
    if not taken:
        _write_table(workbook, Table("Sheet", [Column("")], []), moment, taken)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value):
    value = _clean(value)
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"    # Excel and LibreOffice read this as a date in every locale
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        return neutral_csv_text(value)
    return "" if value is None else value


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM (Excel opens UTF-8 CSV correctly only with it), CRLF line ends (RFC 4180)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutral_csv_text(column.header) for column in columns])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with the Chinese name (RFC 6266 / RFC 5987 ``filename*``) and an ASCII name for old
    clients. ``fallback`` is the ASCII stem, e.g. "roster": the date and extension of ``filename`` follow it."""
    stem, dot, extension = filename.rpartition(".")
    digits = re.findall(r"\d[\d-]*\d|\d", stem)
    ascii_name = "-".join([fallback, *digits[-1:]]) + (dot + extension if dot else "")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def stamp(moment: dt.datetime | None = None) -> str:
    """20261207-1830: the export time in file names (display zone)."""
    return f"{timeutil.to_local(moment or timeutil.now()):%Y%m%d-%H%M}"
