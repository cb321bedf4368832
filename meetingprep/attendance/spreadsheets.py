""".xlsx in and out: the roster template, import parsing with row-level validation, exports.

Parsing never touches the database: it returns clean rows and a list of bad rows, so the service can
refuse a whole file that has any bad row.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from meetingprep import timeutil

# (header, key, width) — the template, the import and the export share this one list.
ROSTER_COLUMNS = [
    ("委员编号", "member_no", 12),
    ("姓名", "name", 12),
    ("界别", "sector", 18),
    ("专委会", "committee", 20),
    ("分组讨论组", "group", 14),
    ("常委", "is_standing", 8),
    ("工作单位", "unit", 30),
    ("职务", "position", 20),
    ("手机", "phone", 16),
    ("登录账号", "username", 14),
]
MAX_LENGTHS = {"member_no": 20, "name": 40, "sector": 40, "committee": 60, "group": 60, "unit": 120,
               "position": 120, "phone": 32, "username": 64}
YES = {"是", "常委", "y", "yes", "true", "1", "√", "✓"}
NO = {"", "否", "n", "no", "false", "0"}
MAX_ROWS = 20000
MEMBER_NO_PATTERN = re.compile(r"^[0-9A-Za-z-]+$")


@dataclass
class RowError:
    row: int           # the spreadsheet's row number, as the user sees it
    message: str


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header(sheet, headers: list[str], widths: list[int]) -> None:
    sheet.append(headers)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
    sheet.freeze_panes = "A2"


def roster_workbook(members=()) -> bytes:
    """The template (no members, one example row) or the export (every member) — same columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "委员名册"
    _header(sheet, [h for h, _k, _w in ROSTER_COLUMNS], [w for _h, _k, w in ROSTER_COLUMNS])
    members = list(members)
    if not members:
        sheet.append(["0001", "张三", "中共", "提案委员会", "第一组", "是", "市某某局", "局长", "13800000000", ""])
    for member in members:
        sheet.append([
            member.member_no, member.name, member.sector, member.committee,
            member.discussion_group.name if member.discussion_group else "", "是" if member.is_standing else "否",
            member.unit, member.position, member.phone, member.user.username if member.user else "",
        ])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "@"
    return _workbook_bytes(workbook)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_roster(data: bytes) -> tuple[list[dict], list[RowError]]:
    """All rows checked before anything is saved: missing names, bad flags, duplicate numbers."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        return [], [RowError(0, f"无法读取该 Excel 文件（{type(error).__name__}），请使用下载的模板。")]
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(cell) for cell in next(rows, ())]
    positions = {}
    for title, key, _width in ROSTER_COLUMNS:
        if title in header:
            positions[key] = header.index(title)
    missing = [title for title, key, _w in ROSTER_COLUMNS[:2] if key not in positions]
    if missing:
        return [], [RowError(1, f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。")]

    clean: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            errors.append(RowError(number, f"行数超过上限 {MAX_ROWS}，请分批导入。"))
            break
        row = {key: _text(values[pos]) if pos < len(values) else "" for key, pos in positions.items()}
        if not any(row.values()):
            continue
        problems = []
        if not row.get("member_no"):
            problems.append("缺少委员编号")
        elif not MEMBER_NO_PATTERN.match(row["member_no"]):
            problems.append(f"委员编号“{row['member_no']}”只能包含数字、字母和连字符")
        elif row["member_no"] in seen:
            problems.append(f"委员编号 {row['member_no']} 与第 {seen[row['member_no']]} 行重复")
        else:
            seen[row["member_no"]] = number
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


def sign_in_sheet_workbook(sitting, rows) -> bytes:
    """签到表 of one sitting, in member-number order, with each person's status."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "签到表"
    sheet.append([f"{sitting.name} 签到表（{timeutil.format_datetime(sitting.starts_at)}，{sitting.venue}）"])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.append([])
    headers = ["序号", "委员编号", "姓名", "界别", "分组", "应到", "状态", "签到时间", "本人签名"]
    sheet.append(headers)
    for index, width in enumerate([6, 12, 12, 18, 12, 8, 10, 18, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=3, column=index).font = Font(bold=True)
    from meetingprep.attendance.models import RollStatus

    for index, row in enumerate(rows, start=1):
        sheet.append([
            index, row.member_no, row.name, row.sector, row.group_name, "是" if row.was_expected else "列席",
            RollStatus(row.status).label, timeutil.format_short(row.checked_in_at), "",
        ])
    for cells in sheet.iter_rows(min_row=4):
        for cell in cells:
            cell.alignment = Alignment(vertical="center")
    return _workbook_bytes(workbook)


COUNT_HEADERS = ["应到", "实到", "迟到", "请假", "缺席", "列席", "出席率"]


def _count_cells(counts) -> list:
    return [counts.expected, counts.present, counts.late, counts.leave, counts.absent, counts.extra,
            counts.rate_text]


def summary_workbook(meeting, formula: str, sittings, by_sitting, by_sector, by_group, by_member) -> bytes:
    """The meeting's attendance summary: per sitting, per sector, per group, per member."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "各会次"
    sheet.append([f"{meeting.name} 出勤汇总"])
    sheet.append([formula])
    _header_row = ["会次", "开始时间", *COUNT_HEADERS]
    sheet.append(_header_row)
    from meetingprep.attendance.queries import Counts

    for sitting in sittings:
        counts = by_sitting.get(sitting.id, Counts())
        sheet.append([sitting.name, timeutil.format_short(sitting.starts_at), *_count_cells(counts)])
    for title, label, groups in (("各界别", "界别", by_sector), ("各讨论组", "分组讨论组", by_group)):
        part = workbook.create_sheet(title)
        part.append([label, *COUNT_HEADERS])
        for name, counts in groups:
            part.append([name, *_count_cells(counts)])
    members = workbook.create_sheet("各委员")
    members.append(["委员编号", "姓名", "界别", "分组", *COUNT_HEADERS])
    for row, counts in by_member:
        members.append([row.member_no, row.name, row.sector, row.group_name, *_count_cells(counts)])
    return _workbook_bytes(workbook)
