"""Reading a task plan from .xlsx: the template workbook, and a row-by-row verdict (new / warning /
error, with the column and the reason) that the preview shows and the import obeys.

Every lookup is one query for the whole sheet (groups, members, named users, existing titles and
referenced tasks), so checking 3,000 rows costs the same few queries as checking 3.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import or_, select

from meetingprep import spreadsheets
from meetingprep.auth.models import User
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.graphs import loops
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting, Phase
from meetingprep.permissions import Role
from meetingprep.plans import deadlines
from meetingprep.plans.queries import group_leads
from meetingprep.plans.specs import NewTask
from meetingprep.tasks.models import Task, TaskPriority
from meetingprep.tasks.services import relative_due_at
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import from_local, now, to_local

SHEET_NAME = "任务"
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # rows looked at for the header (a title may stand above it)
#: Columns holding names, numbers and dates rather than prose: full-width characters typed there
#: (ｗａｎｇ, ＃１２, １７：００) are read as their ASCII forms.
NORMALISED = ("group", "owner", "coworkers", "phase", "priority", "starts_on", "due", "predecessors")
DEFAULT_TIME = dt.time(17, 0)

# key → header as written in the template; a header matches on the words before any bracket.
COLUMNS: dict[str, str] = {
    "title": "任务",
    "description": "说明",
    "group": "责任组",
    "owner": "责任人(用户名或姓名)",
    "coworkers": "协办人",
    "phase": "阶段",
    "priority": "优先级",
    "starts_on": "开始日期",
    "due": "时间节点",
    "predecessors": "前置任务",
}
REQUIRED = ("title", "group", "due")
TEXT_COLUMNS = ("D", "E", "J")  # 责任人, 协办人, 前置任务: names and numbers that must not turn into numbers
HELP = {
    "title": "必填，200 字以内。同一工作组内重名会提示警告。",
    "description": "选填，任务的具体要求。",
    "group": "必填，本次会议已有的工作组名称。",
    "owner": "选填，填用户名或姓名，须为该组成员；不填由该组组长负责。",
    "coworkers": "选填，多人用顿号或逗号分隔（用户名或姓名）。",
    "phase": "选填：会前 / 会中 / 会后，默认会前。",
    "priority": "选填：一般 / 重要 / 紧急，默认一般。",
    "starts_on": "选填，日期，如 2026-12-01。",
    "due": "必填：具体时间如 2026-12-13 17:00，或相对开幕如“开幕前7天 17:00”“开幕当天 08:00”“开幕后1天 09:00”。"
           "相对时间会随开幕时间调整自动顺延。",
    "predecessors": "选填：须先完成的任务。填本表行号（如 3），或已有任务编号（如 #128），多个用逗号分隔。",
}
_SPLIT = re.compile(r"[,，、;；\s]+")
_HEADER_BRACKETS = re.compile(r"[（(].*$")
_EXISTING_REF = re.compile(r"^(?:#|＃|任务|T|t)(\d{1,9})$")
_PHASES = {p.label: p for p in Phase}
_PRIORITIES = {p.label: p for p in TaskPriority}


@dataclass
class Issue:
    column: str
    message: str
    level: str  # "warning" | "error"


@dataclass
class Row:
    number: int  # the row number Excel shows
    values: dict[str, str]
    issues: list[Issue] = field(default_factory=list)
    spec: NewTask | None = None

    @property
    def status(self) -> str:
        levels = {issue.level for issue in self.issues}
        return "error" if "error" in levels else "warning" if levels else "new"

    def problem(self, key: str, message: str, level: str = "error") -> None:
        self.issues.append(Issue(COLUMNS[key].split("(")[0], message, level))


@dataclass
class Preview:
    rows: list[Row]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def error_count(self) -> int:
        return self.count("error")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _normalised(key: str, text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip() if key in NORMALISED else text


def _excel_serial(value: Any) -> dt.datetime | None:
    """A date cell that lost its format reads as a number (46368 is 2026-12-12): in 2000–2100 it is a date."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 36526 <= value < 73051:
        return from_excel(value)
    return None


def read_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column key: raw cell value}) for every non-empty row under the header."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationFailed("无法读取这个 Excel 文件，请确认它是用 Excel 或 WPS 保存的 .xlsx 文件。") from error
    try:
        sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        wanted = {label.split("(")[0]: key for key, label in COLUMNS.items()}
        # The header is the first row naming the required columns: a title (often merged) or notes typed
        # above it are skipped.
        header_row, positions = 1, {}
        for header_row, header in enumerate(lines, start=1):
            positions = {}
            for index, cell in enumerate(header):
                name = _HEADER_BRACKETS.sub("", _text(cell)).replace("*", "").replace(" ", "")
                if name in wanted and wanted[name] not in positions:
                    positions[wanted[name]] = index
            if all(key in positions for key in REQUIRED) or header_row >= HEADER_SEARCH_ROWS:
                break
        missing = [COLUMNS[key].split("(")[0] for key in REQUIRED if key not in positions]
        if missing:
            raise ValidationFailed(f"表格前 {HEADER_SEARCH_ROWS} 行中没有表头，缺少这些列：{'、'.join(missing)}。"
                                   "请使用下载的导入模板填写。")
        rows = []
        for number, line in enumerate(lines, start=header_row + 1):
            values = {key: line[index] if index < len(line) else None for key, index in positions.items()}
            if all(_text(value) == "" for value in values.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 行，请把表格拆成几份分别导入。")
            rows.append((number, values))
        return rows
    finally:
        workbook.close()


class _People:
    """Users named in the sheet, by username and by display name, loaded in one query."""

    def __init__(self, names: set[str]):
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        if names:
            for user in db.session.scalars(select(User).where(
                    or_(User.username.in_(names), User.display_name.in_(names)))):
                self.by_username[user.username] = user
                self.by_name.setdefault(user.display_name, []).append(user)

    def find(self, text: str, within: set[int] | None = None) -> tuple[User | None, str]:
        """The user meant by ``text`` (a username wins over a name), or the reason there is none."""
        if text in self.by_username:
            user = self.by_username[text]
        else:
            candidates = self.by_name.get(text, [])
            if within is not None and len(candidates) > 1:
                candidates = [u for u in candidates if u.id in within] or candidates
            if not candidates:
                return None, f"找不到用户「{text}」，请填写用户名或系统中的姓名。"
            if len(candidates) > 1:
                return None, f"有 {len(candidates)} 位用户叫「{text}」，请改填用户名。"
            user = candidates[0]
        if not user.is_active:
            return None, f"「{text}」的账号已停用。"
        return user, ""


def parse_workbook(data: bytes, meeting: Meeting) -> Preview:
    raw_rows = read_rows(data)
    rows = [Row(number, {key: _normalised(key, _text(value)) for key, value in values.items()})
            for number, values in raw_rows]
    raw = {number: values for number, values in raw_rows}

    groups = {g.name: g for g in db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id))}
    members: dict[int, set[int]] = {}
    for group_id, user_id in db.session.execute(
            select(GroupMembership.group_id, GroupMembership.user_id)
            .where(GroupMembership.group_id.in_([g.id for g in groups.values()]))):
        members.setdefault(group_id, set()).add(user_id)
    leads = group_leads(g.id for g in groups.values())
    names = {row.values.get("owner", "") for row in rows}
    for row in rows:
        names.update(_SPLIT.split(row.values.get("coworkers", "")))
    people = _People({name for name in names if name})
    lead_names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(leads.values())))}
    titles = {row.values.get("title", "") for row in rows}
    existing_titles = {(group_id, title) for group_id, title in db.session.execute(
        select(Task.group_id, Task.title).where(Task.meeting_id == meeting.id, Task.status != TaskStatus.CANCELLED,
                                               Task.title.in_(titles)))}
    referenced = {int(m[1]) for row in rows for token in _SPLIT.split(row.values.get("predecessors", ""))
                  if (m := _EXISTING_REF.match(token))}
    existing_tasks = dict(db.session.execute(select(Task.id, Task.meeting_id).where(Task.id.in_(referenced))).all())

    row_numbers = {row.number for row in rows}
    index_of = {row.number: index for index, row in enumerate(rows)}
    edges: dict[int, list[int]] = {}
    seen_titles: dict[tuple[str, str], int] = {}
    moment = now()
    fields_of: dict[int, dict[str, Any]] = {}
    for row in rows:
        v = row.values
        spec: dict[str, Any] = {}
        title = v.get("title", "")
        if not title:
            row.problem("title", "任务名称不能为空。")
        elif len(title) > 200:
            row.problem("title", f"任务名称太长（{len(title)} 字），请控制在 200 字以内。")
        spec["title"] = title
        description = v.get("description", "")
        if len(description) > 5000:
            row.problem("description", "说明太长，请控制在 5000 字以内。")
        spec["description"] = description

        group = groups.get(v.get("group", ""))
        if not v.get("group"):
            row.problem("group", "请填写责任组。")
        elif group is None:
            row.problem("group", f"本次会议没有名为「{v['group']}」的工作组。")
        else:
            spec["group_id"] = group.id
            key = (group.name, title)
            if key in seen_titles:
                row.problem("title", f"与第 {seen_titles[key]} 行同组同名。", "warning")
            else:
                seen_titles[key] = row.number
                if (group.id, title) in existing_titles:
                    row.problem("title", f"{group.name}已有同名任务，导入后将并存。", "warning")

        owner_text = v.get("owner", "")
        if group is not None:
            if owner_text:
                owner, reason = people.find(owner_text, members.get(group.id, set()))
                if owner is None:
                    row.problem("owner", reason)
                elif owner.id not in members.get(group.id, set()):
                    row.problem("owner", f"「{owner_text}」不是{group.name}的成员。")
                else:
                    spec["owner_id"] = owner.id
            elif group.id in leads:
                spec["owner_id"] = leads[group.id]
                row.problem("owner", f"未填写责任人，将由组长{lead_names[leads[group.id]]}负责。", "warning")
            else:
                row.problem("owner", f"未填写责任人，{group.name}也还没有组长。")

        coworker_ids = []
        for name in filter(None, _SPLIT.split(v.get("coworkers", ""))):
            user, reason = people.find(name)
            if user is None:
                row.problem("coworkers", reason)
            elif user.role == Role.MEMBER:
                row.problem("coworkers", f"「{name}」是委员账号，不能作为协办人。")
            elif user.id == spec.get("owner_id"):
                row.problem("coworkers", f"「{name}」已是责任人，不再列为协办人。", "warning")
            else:
                coworker_ids.append(user.id)
        spec["coworker_ids"] = coworker_ids

        for key, enum_map, default in (("phase", _PHASES, Phase.BEFORE),
                                       ("priority", _PRIORITIES, TaskPriority.NORMAL)):
            text = v.get(key, "")
            if text and text not in enum_map:
                row.problem(key, f"无法识别「{text}」，请填写 {' / '.join(enum_map)}。")
            spec[key] = enum_map.get(text, default)

        _parse_due(row, raw[row.number].get("due"), meeting, moment, spec)
        _parse_start(row, raw[row.number].get("starts_on"), spec, deadlines.opening_date(meeting.opens_at))

        in_sheet, existing = [], []
        for token in filter(None, _SPLIT.split(v.get("predecessors", ""))):
            if match := _EXISTING_REF.match(token):
                task_id = int(match[1])
                if existing_tasks.get(task_id) != meeting.id:
                    row.problem("predecessors", f"本次会议没有编号为 {task_id} 的任务。")
                else:
                    existing.append(task_id)
            elif token.isdigit():
                number = int(token)
                if number == row.number:
                    row.problem("predecessors", "任务不能以自己为前置任务。")
                elif number not in row_numbers:
                    row.problem("predecessors", f"第 {number} 行不是本表中的任务行。")
                else:
                    in_sheet.append(number)
            else:
                row.problem("predecessors", f"无法识别「{token}」：本表行号直接写数字，已有任务写 #编号。")
        edges[row.number] = in_sheet
        spec["predecessor_task_ids"] = existing
        spec["predecessors"] = [index_of[number] for number in in_sheet]
        fields_of[row.number] = spec

    for cycle in loops(edges):
        path = " → ".join(str(n) for n in [*cycle, cycle[0]])
        for number in cycle:
            rows[index_of[number]].problem("predecessors", f"前置任务形成循环（第 {path} 行），无法确定先后。")

    for row in rows:
        if row.status != "error":
            row.spec = NewTask(**fields_of[row.number])
    return Preview(rows)


def _parse_due(row: Row, value: Any, meeting: Meeting, moment: dt.datetime, spec: dict) -> None:
    text = _normalised("due", _text(value))
    if not text:
        row.problem("due", "请填写时间节点。")
        return
    value = _excel_serial(value) or value
    near = deadlines.opening_date(meeting.opens_at)
    due_at = None
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        due_at = from_local(value.replace(tzinfo=None))
    elif isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        due_at = from_local(dt.datetime.combine(day, DEFAULT_TIME))
        row.problem("due", "只填了日期，按当天 17:00 计。", "warning")
    elif relative := deadlines.parse_relative(text):
        due_at = relative_due_at(meeting.opens_at, relative.days, relative.time)
        spec["due_offset_days"], spec["due_offset_time"] = relative.days, relative.time
    elif (due_at := deadlines.parse_local_datetime(text, near)) is None:
        if (day := deadlines.parse_date(text, near)) is not None:
            due_at = from_local(dt.datetime.combine(day, DEFAULT_TIME))
            row.problem("due", "只填了日期，按当天 17:00 计。", "warning")
        else:
            row.problem("due", f"无法识别时间「{text}」，请写成 2026-12-13 17:00、2026/12/13 17:00、"
                               "2026年12月13日 17:00、12月13日 17:00 或“开幕前7天 17:00”。")
            return
    if _without_year(text):
        row.problem("due", f"未写年份，按 {to_local(due_at):%Y} 年计（离开幕最近）。", "warning")
    if due_at < moment:
        row.problem("due", "时间节点已经过去，导入后即为逾期。", "warning")
    spec["due_at"] = due_at


def _without_year(text: str) -> bool:
    return bool(re.match(r"^\d{1,2}\s*月", text))


def _parse_start(row: Row, value: Any, spec: dict, near: dt.date) -> None:
    text = _normalised("starts_on", _text(value))
    if not text:
        return
    value = _excel_serial(value) or value
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif (day := deadlines.parse_date(text, near)) is None:
        row.problem("starts_on", f"无法识别日期「{text}」，请写成 2026-12-01、2026/12/1、2026年12月1日或12月1日。")
        return
    if "due_at" in spec and day > to_local(spec["due_at"]).date():
        row.problem("starts_on", "开始日期不能晚于时间节点。")
    spec["starts_on"] = day


def template_workbook(meeting: Meeting | None) -> bytes:
    """The downloadable import template: the columns, a few example rows that import cleanly into
    ``meeting``, drop-down lists for groups, phases and priorities, and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append(list(COLUMNS.values()))
    header_fill = PatternFill("solid", fgColor="FDE2E2")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    widths = (30, 30, 12, 22, 18, 8, 8, 14, 20, 14)
    for letter, width in zip("ABCDEFGHIJ", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    for letter in TEXT_COLUMNS:  # user names and row numbers typed here stay text (no 5.0, no lost zeros)
        sheet.column_dimensions[letter].number_format = spreadsheets.TEXT_FORMAT
    spreadsheets.print_setup(sheet, title="任务导入模板", header_row=1, width=sum(widths), moment=now())

    groups = list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id)
                                      .order_by(WorkingGroup.sort_order, WorkingGroup.id))) if meeting else []
    for number, row in enumerate(_example_rows(groups), start=2):
        for column, value in enumerate(row, start=1):
            spreadsheets.set_text(sheet.cell(number, column), value)
            if get_column_letter(column) in TEXT_COLUMNS:
                sheet.cell(number, column).number_format = spreadsheets.TEXT_FORMAT

    options = workbook.create_sheet("选项")
    for index, name in enumerate([g.name for g in groups], start=1):
        spreadsheets.set_text(options.cell(index, 1), name)
    for index, label in enumerate(_PHASES, start=1):
        options.cell(index, 2, label)
    for index, label in enumerate(_PRIORITIES, start=1):
        options.cell(index, 3, label)
    options.sheet_state = "hidden"
    lists = [("C", f"=选项!$A$1:$A${max(len(groups), 1)}"), ("F", f"=选项!$B$1:$B${len(_PHASES)}"),
             ("G", f"=选项!$C$1:$C${len(_PRIORITIES)}")]
    for column, formula in lists:
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "怎么填"])
    for key, label in COLUMNS.items():
        notes.append([label, HELP[key]])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_rows(groups: list[WorkingGroup]) -> list[list[str]]:
    leads = group_leads(g.id for g in groups)
    staffed = [g for g in groups if g.id in leads][:2]
    if not staffed:
        return [["印制会议证件", "按报到名单印制代表证、工作证", "会务组", "", "", "会前", "重要", "",
                 "开幕前7天 17:00", ""]]
    usernames = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(leads.values()))).all())
    first, second = staffed[0], staffed[-1]
    return [
        ["拟定大会议程和日程（草案）", "报主席会议审定", first.name, usernames[leads[first.id]], "", "会前", "重要",
         "", "开幕前20天 17:00", ""],
        ["印发大会议程和日程", "随会议通知一并发出", second.name, usernames[leads[second.id]], "", "会前", "一般",
         "", "开幕前10天 17:00", "2"],
    ]
