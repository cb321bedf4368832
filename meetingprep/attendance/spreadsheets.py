""".xlsx in and out: the roster template, import parsing with row-level validation, exports.

Parsing never touches the database: it returns clean rows and a list of bad rows, so the service can
refuse a whole file that has any bad row.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from openpyxl import load_workbook

from meetingprep import spreadsheets, timeutil
from meetingprep.spreadsheets import Column, Table

# (header, key, kind) — the template, the import and the export share this one list. Numbers that are
# identifiers (委员编号, 手机) are text columns, so Excel and WPS keep their leading zeros.
ROSTER_COLUMNS = [
    ("委员编号", "member_no", "id"),
    ("姓名", "name", "text"),
    ("界别", "sector", "text"),
    ("专委会", "committee", "text"),
    ("分组讨论组", "group", "text"),
    ("座区", "seat_area", "text"),
    ("常委", "is_standing", "text"),
    ("工作单位", "unit", "text"),
    ("职务", "position", "text"),
    ("手机", "phone", "id"),
    ("登录账号", "username", "id"),
]
MAX_LENGTHS = {"member_no": 20, "name": 40, "sector": 40, "committee": 60, "group": 60, "seat_area": 40, "unit": 120,
               "position": 120, "phone": 32, "username": 64}
YES = {"是", "常委", "y", "yes", "true", "1", "√", "✓"}
NO = {"", "否", "n", "no", "false", "0"}
MAX_ROWS = 20000
HEADER_SEARCH_ROWS = 10  # rows looked at for the header (titles and notes may stand above it)
MEMBER_NO_PATTERN = re.compile(r"^[0-9A-Za-z-]+$")


@dataclass
class RowError:
    row: int           # the spreadsheet's row number, as the user sees it
    message: str


#: Room to type in the template (an export widens a column to its content anyway).
MIN_WIDTHS = {"member_no": 12, "name": 10, "sector": 12, "committee": 14, "group": 12, "seat_area": 10, "unit": 24,
              "position": 16, "phone": 14, "username": 12}


def _roster_columns() -> list[Column]:
    return [Column(header, kind, MIN_WIDTHS.get(key)) for header, key, kind in ROSTER_COLUMNS]


def roster_workbook(members=(), title: str = "委员名册", *, personal: bool = True) -> bytes:
    """The template (no members, one example row) or the export (every member) — same columns, so an
    export opened and saved in Excel or LibreOffice imports back unchanged. Without ``personal`` (the
    reader is not the secretariat) the phone column stays empty."""
    members = list(members)
    rows = [["0001", "张三", "中共", "提案委员会", "第一组", "A区", "是", "市某某局", "局长", "13800000000", ""]] \
        if not members else [
            [member.member_no, member.name, member.sector, member.committee,
             member.discussion_group.name if member.discussion_group else "", member.seat_area,
             "是" if member.is_standing else "否",
             member.unit, member.position, member.phone if personal else "",
             member.user.username if member.user else ""]
            for member in members]
    return spreadsheets.workbook_bytes([Table("委员名册", _roster_columns(), rows, title=title)])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_SPACES = re.compile(r"\s+")
_CJK_NAME = re.compile(r"^[\u3400-\u9fff\s·•]+$")
ID_KEYS = ("member_no", "phone", "username")


def normalise_id(text: str) -> str:
    """An identifier as typed in Excel or WPS, in one form: full-width digits and letters to ASCII (NFKC),
    no spaces anywhere ("00 05", "０００５ " → "0005"). Leading zeros are kept; see ``member_no_key``."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def member_no_key(member_no: str) -> str:
    """What makes two member numbers the same one: a number typed as 5 in Excel is member 0005 (Excel, WPS
    and LibreOffice drop leading zeros from a number cell), so all-digit numbers compare by value."""
    member_no = normalise_id(member_no)
    return (member_no.lstrip("0") or "0") if member_no.isdigit() else member_no.upper()


def normalise_name(name: str) -> str:
    """A Chinese name padded for alignment ("张　三", "张 三") is the same name without the padding."""
    name = name.strip()
    return _SPACES.sub("", name) if _CJK_NAME.match(name) else _SPACES.sub(" ", name)


def parse_roster(data: bytes) -> tuple[list[dict], list[RowError]]:
    """All rows checked before anything is saved: missing names, bad flags, duplicate numbers."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        return [], [RowError(0, f"无法读取该 Excel 文件（{type(error).__name__}），请使用下载的模板。")]
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    # A title typed (often merged) above the header is skipped: the header is the first row naming 姓名.
    header: list[str] = []
    first_row = 1
    for first_row, line in enumerate(rows, start=1):
        header = [_text(cell) for cell in line]
        if "姓名" in header or first_row >= HEADER_SEARCH_ROWS:
            break
    positions = {}
    for title, key, _width in ROSTER_COLUMNS:
        if title in header:
            positions[key] = header.index(title)
    missing = [title for title, key, _w in ROSTER_COLUMNS[:2] if key not in positions]
    if missing:
        return [], [RowError(first_row, f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。")]

    clean: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=first_row + 1):
        if number > MAX_ROWS + first_row:
            errors.append(RowError(number, f"行数超过上限 {MAX_ROWS}，请分批导入。"))
            break
        row = {key: _text(values[pos]) if pos < len(values) else "" for key, pos in positions.items()}
        if not any(row.values()):
            continue
        for key in ID_KEYS:
            if key in row:
                row[key] = normalise_id(row[key])
        if "name" in row:
            row["name"] = normalise_name(row["name"])
        if "is_standing" in row:
            row["is_standing"] = unicodedata.normalize("NFKC", row["is_standing"])
        problems = []
        key = member_no_key(row.get("member_no", ""))
        if not row.get("member_no"):
            problems.append("缺少委员编号")
        elif not MEMBER_NO_PATTERN.match(row["member_no"]):
            problems.append(f"委员编号“{row['member_no']}”只能包含数字、字母和连字符")
        elif key in seen:
            problems.append(f"委员编号 {row['member_no']} 与第 {seen[key]} 行重复")
        else:
            seen[key] = number
        if not row.get("name"):
            problems.append("缺少姓名")
        flag = row.get("is_standing", "").lower()
        if flag in YES:
            row["is_standing"] = True
        elif flag in NO:
            row["is_standing"] = False
        else:
            problems.append(f"“常委”一栏应填“是”或“否”，而不是“{row.get('is_standing')}”")
        for key, limit in MAX_LENGTHS.items():
            if len(row.get(key, "")) > limit:
                title = next(t for t, k, _w in ROSTER_COLUMNS if k == key)
                problems.append(f"{title}过长（最多 {limit} 个字）")
        if problems:
            errors.append(RowError(number, "；".join(problems) + "。"))
        else:
            row["row"] = number
            clean.append(row)
    workbook.close()
    if not clean and not errors:
        errors.append(RowError(0, "文件中没有委员数据。"))
    return clean, errors


def sign_in_sheet_workbook(sitting, rows, begun: bool) -> bytes:
    """签到表 of one sitting, in member-number order; before the sitting begins nobody is 缺席 yet."""
    from meetingprep.attendance.models import shown_status

    title = f"{sitting.name} 签到表"
    notes = [f"{timeutil.format_datetime(sitting.starts_at)}{'，' + sitting.venue if sitting.venue else ''}"]
    columns = [Column("序号", "number"), Column("委员编号", "id"), Column("姓名"), Column("界别"), Column("分组"),
               Column("应到"), Column("状态"), Column("签到时间", "datetime"), Column("本人签名", width=16)]
    lines = [[index, row.member_no, row.name, row.sector, row.group_name, "是" if row.was_expected else "列席",
              shown_status(row.status, begun), row.checked_in_at, ""] for index, row in enumerate(rows, start=1)]
    return spreadsheets.workbook_bytes([Table("签到表", columns, lines, title=title, title_row=True, notes=notes)])


COUNT_COLUMNS = [Column("应到", "number"), Column("实到", "number"), Column("迟到", "number"),
                 Column("请假", "number"), Column("缺席", "number"), Column("列席", "number"),
                 Column("出席率", "percent")]


def _count_cells(counts) -> list:
    return [counts.expected, counts.present, counts.late, counts.leave, counts.absent, counts.extra,
            "—" if counts.rate is None else round(counts.rate * 100, 1)]


def summary_workbook(meeting, formula: str, sittings, by_sitting, by_sector, by_group, by_member) -> bytes:
    """The meeting's attendance summary: per sitting, per sector, per group, per member."""
    from meetingprep.attendance.queries import Counts

    title = f"{meeting.name} 出勤汇总"
    tables = [Table("各会次", [Column("会次"), Column("开始时间", "datetime"), *COUNT_COLUMNS],
                    [[sitting.name, sitting.starts_at, *_count_cells(by_sitting.get(sitting.id, Counts()))]
                     for sitting in sittings], title=title, title_row=True, notes=[formula])]
    for name, label, groups in (("各界别", "界别", by_sector), ("各讨论组", "分组讨论组", by_group)):
        tables.append(Table(name, [Column(label), *COUNT_COLUMNS],
                            [[group, *_count_cells(counts)] for group, counts in groups], title=f"{title}（{name}）"))
    tables.append(Table("各委员", [Column("委员编号", "id"), Column("姓名"), Column("界别"), Column("分组"),
                                   *COUNT_COLUMNS],
                        [[row.member_no, row.name, row.sector, row.group_name, *_count_cells(counts)]
                         for row, counts in by_member], title=f"{title}（各委员）"))
    return spreadsheets.workbook_bytes(tables)
