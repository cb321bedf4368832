"""The 会议总结 draft: the meeting's figures, each with where it comes from, as a Word file the secretariat
edits (official layout, ``documents/official.py``).

``figures(meeting)`` computes every number once (a handful of aggregate queries, whatever the meeting's
size); ``summary_docx`` only writes them down. A section whose data this installation does not record is
left out and the draft says so in its list of sources — a figure is never guessed.

Other domains add a section by appending ``"module:function"`` to ``SECTIONS``: the function takes
(meeting, moment) and returns a ``Section`` or None; a missing module is skipped (``optional_module``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, or_, select

from meetingprep import timeutil
from meetingprep.agenda.models import SpeechMode, SpeechSlot
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance.models import MemberProfile
from meetingprep.attendance.queries import RATE_FORMULA, Counts
from meetingprep.documents import official
from meetingprep.documents import queries as document_queries
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode, ReviewDecision
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.rules import optional_module
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import OPEN_STATUSES, TaskStatus

#: Sections other domains contribute, after the draft's own (their titles without a number: the draft numbers
#: every section).
SECTIONS: list[str] = [
    "meetingprep.archive.extras:materials_section",  # 会议材料 handed out and read
    "meetingprep.archive.extras:notices_section",  # 通知公告 and their read receipts
    "meetingprep.archive.extras:opinions_section",  # 分组讨论意见 and how they were taken up
]
#: What the draft says it leaves out because no domain records it yet (never a made-up figure).
NOT_RECORDED: list[str] = []


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str]
    header: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TaskFigures:
    group: str
    total: int       # not cancelled
    done: int
    on_time: int     # done, submitted by its time node
    open: int
    cancelled: int

    @property
    def late(self) -> int:
        return self.done - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.done else self.on_time / self.done


@dataclass(frozen=True)
class DocumentFigures:
    title: str
    type_name: str
    status: DocumentStatus
    versions: int
    returns: int
    finalized_at: dt.datetime | None
    is_speech: bool
    rounds: int = 0  # 审核轮次 (``documents.queries.review_rounds``); 0: never entered review


@dataclass(frozen=True)
class SittingFigures:
    name: str
    starts_at: dt.datetime
    counts: Counts


@dataclass
class Figures:
    meeting: Meeting
    moment: dt.datetime
    groups: int
    staff: int
    members: int
    tasks: list[TaskFigures]
    documents: list[DocumentFigures]
    sittings: list[SittingFigures]
    attendance: Counts
    previous: Meeting | None
    previous_attendance: Counts | None
    speeches_submitted: int
    speeches_finalized: int
    speeches_oral: int
    speeches_written: int
    extra: list[Section] = field(default_factory=list)

    @property
    def task_total(self) -> TaskFigures:
        return TaskFigures("合计", *(sum(getattr(row, name) for row in self.tasks)
                                   for name in ("total", "done", "on_time", "open", "cancelled")))

    @property
    def trend_points(self) -> float | None:
        """This meeting's attendance rate minus the previous one's, in percentage points."""
        if self.previous_attendance is None or self.attendance.rate is None or self.previous_attendance.rate is None:
            return None
        return (self.attendance.rate - self.previous_attendance.rate) * 100


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# ── the figures ────────────────────────────────────────────────────────────────────────────────
def _task_figures(meeting_id: int) -> list[TaskFigures]:
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    done = Task.status == TaskStatus.DONE
    on_time = and_(done, func.coalesce(Task.submitted_at, Task.accepted_at) <= Task.due_at)
    rows = db.session.execute(
        select(WorkingGroup.name, count_if(Task.status != TaskStatus.CANCELLED), count_if(done), count_if(on_time),
               count_if(Task.status.in_(OPEN_STATUSES)), count_if(Task.status == TaskStatus.CANCELLED))
        .join(Task, Task.group_id == WorkingGroup.id)
        .where(Task.meeting_id == meeting_id)
        .group_by(WorkingGroup.id, WorkingGroup.name, WorkingGroup.sort_order)
        .order_by(WorkingGroup.sort_order, WorkingGroup.id)).all()
    return [TaskFigures(name, *(int(value) for value in values)) for name, *values in rows]


def _document_figures(meeting_id: int) -> list[DocumentFigures]:
    returns = (select(func.count(ReviewDecision.id)).where(ReviewDecision.document_id == Document.id,
                                                           ReviewDecision.decision == Decision.RETURN)
               .correlate(Document).scalar_subquery())
    rounds = document_queries.review_rounds()
    rows = db.session.execute(
        select(Document.title, DocumentType.name, Document.status, Document.version_count, returns,
               Document.finalized_at,
               or_(DocumentType.code == DocumentTypeCode.SPEECH.value, Document.submitter_id.is_not(None)),
               func.coalesce(rounds.c.rounds, 0))
        .join(DocumentType, DocumentType.id == Document.type_id)
        .outerjoin(rounds, rounds.c.document_id == Document.id)
        .where(Document.meeting_id == meeting_id)
        .order_by(DocumentType.sort_order, DocumentType.id, Document.id)).all()
    return [DocumentFigures(title, type_name, status, versions, int(returned or 0), finalized_at, bool(speech),
                            int(held))
            for title, type_name, status, versions, returned, finalized_at, speech, held in rows]


def attendance_of(meeting_id: int, moment: dt.datetime) -> tuple[list[SittingFigures], Counts]:
    """Each sitting begun by ``moment`` and their total, as the attendance pages count them."""
    sittings = attendance_queries.sittings_of(meeting_id)
    counts = attendance_queries.counts_of(sittings)
    begun = [SittingFigures(s.name, s.starts_at, counts[s.id]) for s in sittings if s.starts_at <= moment]
    return begun, Counts.total(row.counts for row in begun)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The meeting held last before this one (by opening), the comparison's baseline."""
    return db.session.scalar(select(Meeting).where(Meeting.opens_at < meeting.opens_at, Meeting.id != meeting.id)
                             .order_by(Meeting.opens_at.desc(), Meeting.id.desc()).limit(1))


def _people(meeting_id: int) -> tuple[int, int, int]:
    groups = select(func.count(WorkingGroup.id)).where(WorkingGroup.meeting_id == meeting_id).scalar_subquery()
    staff = (select(func.count(distinct(GroupMembership.user_id)))
             .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
             .where(WorkingGroup.meeting_id == meeting_id).scalar_subquery())
    members = select(func.count(MemberProfile.id)).where(MemberProfile.meeting_id == meeting_id).scalar_subquery()
    return tuple(int(value or 0) for value in db.session.execute(select(groups, staff, members)).one())


def _speech_slots(meeting_id: int) -> tuple[int, int]:
    admitted = and_(SpeechSlot.meeting_id == meeting_id, Document.status == DocumentStatus.FINALIZED)
    row = db.session.execute(
        select(func.coalesce(func.sum(case((SpeechSlot.mode == SpeechMode.ORAL, 1), else_=0)), 0),
               func.coalesce(func.sum(case((SpeechSlot.mode == SpeechMode.WRITTEN, 1), else_=0)), 0))
        .select_from(SpeechSlot).join(Document, Document.id == SpeechSlot.document_id).where(admitted)).one()
    return int(row[0]), int(row[1])


def _extra_sections(meeting: Meeting, moment: dt.datetime) -> list[Section]:
    found = []
    for path in SECTIONS:
        module_name, _, name = path.partition(":")
        module = optional_module(module_name)
        section = getattr(module, name)(meeting, moment) if module is not None else None
        if section is not None:
            found.append(section)
    return found


def figures(meeting: Meeting, moment: dt.datetime | None = None) -> Figures:
    moment = moment or timeutil.now()
    groups, staff, members = _people(meeting.id)
    documents = _document_figures(meeting.id)
    speeches = [d for d in documents if d.is_speech]
    sittings, attendance = attendance_of(meeting.id, moment)
    previous = previous_meeting(meeting)
    oral, written = _speech_slots(meeting.id)
    return Figures(
        meeting=meeting, moment=moment, groups=groups, staff=staff, members=members,
        tasks=_task_figures(meeting.id), documents=[d for d in documents if not d.is_speech], sittings=sittings,
        attendance=attendance, previous=previous,
        previous_attendance=attendance_of(previous.id, moment)[1] if previous is not None else None,
        speeches_submitted=len(speeches),
        speeches_finalized=sum(1 for d in speeches if d.status == DocumentStatus.FINALIZED),
        speeches_oral=oral, speeches_written=written, extra=_extra_sections(meeting, moment))


# ── the draft ──────────────────────────────────────────────────────────────────────────────────
def _sections(f: Figures) -> list[Section]:
    meeting, total = f.meeting, f.task_total
    date = timeutil.format_date
    sections = [Section("会议基本情况", [
        f"{meeting.name}于{date(meeting.opens_at, weekday=False)}至{date(meeting.closes_at, weekday=False)}"
        f"{'在' + meeting.venue if meeting.venue else ''}召开。大会设工作组 {f.groups} 个，工作人员 {f.staff} 人；"
        f"委员名册共 {f.members} 人，共举行会次 {len(f.sittings)} 场。"],
        sources=["工作组与成员（working_groups、group_memberships）；委员名册（member_profiles）；会次（sittings，已开始的）。"])]

    if total.total or total.cancelled:
        sections.append(Section("筹备任务完成情况", [
            f"本次会议共分解筹备任务 {total.total} 项（另有 {total.cancelled} 项已取消，不计入），"
            f"已完成 {total.done} 项，其中按时完成 {total.on_time} 项、逾期完成 {total.late} 项，"
            f"按时完成率 {_percent(total.on_time_rate)}；截至归档时仍未办结 {total.open} 项。"],
            header=["工作组", "任务数", "已完成", "按时完成", "逾期完成", "未办结", "按时完成率"],
            rows=[[row.group, row.total, row.done, row.on_time, row.late, row.open, _percent(row.on_time_rate)]
                  for row in [*f.tasks, total]],
            sources=["任务台账（tasks）：按时完成 = 提交验收时间不晚于时间节点（未经提交而验收的，按验收时间计）；"
                     "已取消的任务不计入任务数。"]))
    else:
        sections.append(Section("筹备任务完成情况", ["本次会议在系统中没有筹备任务记录。"],
                                sources=["任务台账（tasks）。"]))

    finalized = [d for d in f.documents if d.status == DocumentStatus.FINALIZED]
    rounds = [d.rounds for d in f.documents if d.rounds]
    sections.append(Section("会议材料审核情况", [
        f"纳入审核的会议材料 {len(f.documents)} 份，已定稿 {len(finalized)} 份；"
        + (f"平均审核 {sum(rounds) / len(rounds):.1f} 轮，最多 {max(rounds)} 轮。" if rounds
           else "尚无材料提交审核。")],
        header=["材料", "类型", "状态", "版本数", "退回次数", "审核轮次", "定稿时间"],
        rows=[[d.title, d.type_name, d.status.label, d.versions, d.returns, d.rounds or "—",
               timeutil.format_datetime(d.finalized_at, weekday=False) if d.finalized_at else "—"]
              for d in f.documents],
        sources=[f"材料审核（documents、document_versions、review_decisions、document_stages）："
                 f"{document_queries.REVIEW_ROUNDS_DEFINITION}（未送审的为“—”）；大会发言稿另计（见“大会发言情况”）。"]))

    a = f.attendance
    trend = ""
    if f.previous is not None and f.previous_attendance is not None and f.trend_points is not None:
        direction = "提高" if f.trend_points > 0 else "降低" if f.trend_points < 0 else "持平"
        change = f" {abs(f.trend_points):.1f} 个百分点" if f.trend_points else ""
        trend = (f"与上次会议（{f.previous.display_name}，出席率 {f.previous_attendance.rate_text}）相比"
                 f"{direction}{change}。")
    elif f.previous is not None:
        trend = f"上次会议（{f.previous.display_name}）没有可比的出勤数据。"
    sections.append(Section("委员出勤情况", [
        f"已举行的 {len(f.sittings)} 场会次合计应到 {a.expected} 人次，"
        f"实到 {a.present} 人次（其中迟到 {a.late} 人次），"
        f"请假 {a.leave} 人次，缺席 {a.absent} 人次，出席率 {a.rate_text}。{trend}"],
        header=["会次", "时间", "应到", "实到", "迟到", "请假", "缺席", "出席率"],
        rows=[[s.name, timeutil.format_datetime(s.starts_at, weekday=False), s.counts.expected, s.counts.present,
               s.counts.late, s.counts.leave, s.counts.absent, s.counts.rate_text] for s in f.sittings],
        sources=[f"出勤（sittings、check_ins、leave_requests；结束签到的会次取冻结名单 sitting_tallies）："
                 f"{RATE_FORMULA}。",
                 "上次会议：开幕时间早于本次会议的最近一次会议，按同一口径计算。"]))

    sections.append(Section("大会发言情况", [
        f"委员提交大会发言稿 {f.speeches_submitted} 篇，定稿 {f.speeches_finalized} 篇；"
        f"安排口头发言 {f.speeches_oral} 篇、书面发言 {f.speeches_written} 篇。"],
        sources=["大会发言（类型为“大会发言”的材料；speech_slots 中已定稿的发言安排）。"]))
    sections.extend(f.extra)
    sections.append(Section("存在的问题和改进建议", ["（请秘书处根据以上情况补充。）"]))
    return [dataclasses.replace(section, title=f"{_number(n)}、{section.title}")
            for n, section in enumerate(sections, start=1)]


def _number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else f"十{digits[n - 10]}"


def summary_title(meeting: Meeting) -> str:
    return f"{meeting.name}会议总结（草稿）"


def summary_docx(f: Figures) -> bytes:
    title = summary_title(f.meeting)
    document = official.start(title)
    sources: list[str] = []
    for section in _sections(f):
        official.add_text(document, section.title)
        for paragraph in section.paragraphs:
            official.add_text(document, paragraph)
        if section.header:
            official.add_table(document, section.header, section.rows)
        sources += section.sources
    official.add_text(document, "附：数据来源")
    official.add_text(document, f"以上数字由大会筹备工作平台于{timeutil.format_datetime(f.moment, weekday=False)}"
                                "根据系统记录生成，各项数字的来源和计算口径如下：")
    for number, source in enumerate(sources, start=1):
        official.add_text(document, f"（{number}）{source}")
    if NOT_RECORDED:
        official.add_text(document, f"（{len(sources) + 1}）未含：{'、'.join(NOT_RECORDED)}"
                                    "（本系统尚未记录这些数据，本稿未含，请秘书处据实补充）。")
    return official.finish(document, title)
