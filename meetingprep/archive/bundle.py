"""What a meeting's archive (归档包) holds, written into one .zip with a manifest of every file's SHA-256.

The bundle is a list of ``Part``s, each a few files (a document's folder, the sign-in sheets …), built one
after the other so the builder can report progress between them. Every file goes through ``_Writer``,
which hashes it as it is written; ``manifest.json`` (path, size, SHA-256, what it is) and ``SHA256SUMS``
(for ``sha256sum -c`` after unzipping) close the archive. Files come from the same code as the pages'
exports (the ledger, sign-in sheets, attendance summary) and the official layout of the 定稿.

Other domains add parts by appending ``"module:function"`` to ``EXTRA_PARTS``: the function takes the
meeting and returns a list of ``Part``s (a missing module is skipped).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, raiseload, selectinload, undefer

from meetingprep import spreadsheets, timeutil, uploads
from meetingprep.agenda import queries as agenda_queries
from meetingprep.archive import summary
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance import spreadsheets as attendance_sheets
from meetingprep.attendance.models import LeaveRequest
from meetingprep.audit import ACTION_LABELS, AuditEntry, audited_types
from meetingprep.auth.models import User
from meetingprep.documents import official
from meetingprep.documents.models import (
    Document,
    DocumentDrafter,
    DocumentStage,
    DocumentStageReviewer,
    DocumentType,
    DocumentVersion,
    ReviewDecision,
)
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.rules import optional_module
from meetingprep.spreadsheets import Column, Table
from meetingprep.tasks import export as task_export
from meetingprep.tasks import queries as task_queries
from meetingprep.tasks.models import Task, TaskAttachment, TaskComment, TaskEvent, event_label

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
#: Parts other domains contribute (materials and their receipts, notices and receipts, opinions and answers …).
EXTRA_PARTS: list[str] = ["meetingprep.archive.extras:material_parts", "meetingprep.archive.extras:notice_parts",
                          "meetingprep.archive.extras:opinion_parts"]
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(text: str, limit: int = 40) -> str:
    """A title as a file or folder name on every system: no separators or reserved characters, not too long."""
    return _UNSAFE.sub("_", text).strip(" ._")[:limit] or "未命名"


@dataclass(frozen=True)
class Entry:
    path: str
    data: bytes
    note: str = ""


@dataclass(frozen=True)
class Part:
    label: str
    entries: Callable[[], Iterable[Entry]]


@dataclass(frozen=True)
class Built:
    stored_name: str
    size: int
    sha256: str
    file_count: int


# ── the parts ──────────────────────────────────────────────────────────────────────────────────
def _readme(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    closer = db.session.scalar(select(User.display_name).join(AuditEntry, AuditEntry.actor_id == User.id).where(
        AuditEntry.object_type == "Meeting", AuditEntry.object_id == meeting.id, AuditEntry.action == "归档")
        .order_by(AuditEntry.id.desc()).limit(1))
    lines = [
        f"{meeting.name} 归档包",
        "",
        f"会议时间：{timeutil.format_datetime(meeting.opens_at)} 至 {timeutil.format_datetime(meeting.closes_at)}",
        f"会场：{meeting.venue or '—'}",
        f"归档时间：{timeutil.format_datetime(meeting.closed_at) if meeting.closed_at else '（未归档）'}"
        + (f"，归档人：{closer}" if closer else ""),
        f"生成时间：{timeutil.format_datetime(moment)}（大会筹备工作平台）",
        "",
        "目录",
        "  00-会议总结   会议总结草稿（Word），各项数字附来源",
        "  01-材料       每份材料一个文件夹：定稿（公文格式 Word 及原件）、全部版本、版本记录、审签单；材料清单",
        "  02-议程与发言 各会次议程、大会发言顺序",
        "  03-出勤       各会次签到表、出勤汇总、请假记录",
        "  04-任务台账   任务台账、办理记录、留言及附件",
        "  05-会议材料   发放的会议材料及阅读回执（有发放时）",
        "  06-通知公告   通知公告及阅读回执（有发出时）",
        "  07-分组讨论意见 各份材料的讨论意见及答复（有记录时）",
        "  09-审计记录   本次会议的全部操作记录",
        "",
        f"校验：{MANIFEST} 列出包内每个文件的路径、大小（字节）和 SHA-256 校验值；",
        f"解压后在 Linux 上可运行 sha256sum -c {CHECKSUMS} 逐一核对。",
    ]
    yield Entry("说明.txt", ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"), "本归档包的说明")


def _summary(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    data = summary.summary_docx(summary.figures(meeting, moment))
    yield Entry(f"00-会议总结/{file_name(summary.summary_title(meeting), 80)}.docx", data, "会议总结草稿，供秘书处修改")


def _documents(meeting_id: int) -> list[Document]:
    return list(db.session.scalars(
        select(Document).where(Document.meeting_id == meeting_id)
        .join(DocumentType, DocumentType.id == Document.type_id)
        .options(joinedload(Document.type), joinedload(Document.group), joinedload(Document.current_version),
                 joinedload(Document.meeting), joinedload(Document.submitter),
                 selectinload(Document.drafters).joinedload(DocumentDrafter.user),
                 selectinload(Document.stages).selectinload(DocumentStage.reviewers)
                 .joinedload(DocumentStageReviewer.user),
                 selectinload(Document.stages).selectinload(DocumentStage.decisions).joinedload(ReviewDecision.reviewer),
                 selectinload(Document.stages).selectinload(DocumentStage.decisions)
                 .joinedload(ReviewDecision.doc_version),
                 raiseload("*"))
        .order_by(DocumentType.sort_order, DocumentType.id, Document.id)).unique())


def _folder(number: int, document: Document) -> str:
    return f"01-材料/{number:03d}-{file_name(document.title)}（{document.status.label}）"


def _document_list(meeting: Meeting, documents: list[Document], moment: dt.datetime) -> Iterable[Entry]:
    columns = [Column("序号", "number"), Column("文件夹", width=30), Column("材料", width=30), Column("类型"),
               Column("责任组"), Column("状态"), Column("版本数", "number"), Column("审核流程"),
               Column("定稿时间", "datetime")]
    rows = [[n, _folder(n, d).split("/", 1)[1], d.title, d.type.name, d.group.name if d.group else "",
             d.status.label, d.version_count, d.template_name, d.finalized_at] for n, d in enumerate(documents, 1)]
    data = spreadsheets.workbook_bytes([Table("材料清单", columns, rows, title=f"{meeting.name} 材料清单",
                                              title_row=True)], moment)
    yield Entry("01-材料/材料清单.xlsx", data, "本次会议全部材料及其状态")


def _version_file(version: DocumentVersion) -> tuple[str, bytes] | None:
    """(extension, bytes) of a version as it was submitted; None when its stored file is gone."""
    if version.stored_name is None:
        return "txt", (version.text_content or "").encode("utf-8-sig")
    path = uploads.stored_path(version.stored_name)
    if not path.exists():
        return None
    return version.kind if version.kind in uploads.KINDS else Path(version.original_name).suffix.lstrip("."), \
        path.read_bytes()


def _sign_off_sheet(document: Document, moment: dt.datetime) -> bytes:
    """审签单: the record page's content as a Word table (documents/record.html)."""
    title = f"{document.meeting.name}材料审签单"
    sheet = official.start(title)
    drafters = "、".join(d.user.display_name for d in document.drafters) or "—"
    official.add_table(sheet, ["项目", "内容"], [
        ["材料名称", document.title], ["类型", document.type.name],
        ["责任组", document.group.name if document.group else "—"], ["起草人", drafters],
        ["状态", document.status.label + (f"（{document.current_version.label}）" if document.current_version else "")],
        ["审核流程", document.template_name or "—"],
        ["定稿时间", timeutil.format_datetime(document.finalized_at, weekday=False) if document.finalized_at else "—"],
    ], widths_mm=[35, 121])
    rows = []
    for stage in document.stages:
        if not stage.decisions:
            rows.append([stage.name, "、".join(r.user.display_name for r in stage.reviewers), "未审核", "", "", ""])
        for decision in stage.decisions:
            quoted = f"“{decision.quote[:60]}” " if decision.quote else ""
            rows.append([stage.name, decision.reviewer.display_name, decision.decision.label,
                         decision.doc_version.label, timeutil.format_short(decision.at), quoted + decision.comment])
    official.add_table(sheet, ["审核阶段", "审核人", "意见", "版本", "时间", "意见内容"], rows,
                       widths_mm=[26, 20, 18, 14, 24, 54])
    official.add_text(sheet, f"打印时间：{timeutil.format_datetime(moment, weekday=False)}（归档包）")
    return official.finish(sheet, title)


def _document_entries(document: Document, folder: str, moment: dt.datetime) -> Iterable[Entry]:
    versions = list(db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document.id)
        .options(undefer(DocumentVersion.text_content), joinedload(DocumentVersion.author))
        .order_by(DocumentVersion.number)))
    current = document.current_version
    if document.status == DocumentStatus.FINALIZED and current is not None:
        final = next(v for v in versions if v.id == current.id)
        if final.text_content is not None:
            yield Entry(f"{folder}/定稿（公文格式）.docx", official.official_docx(document.title, final.text_content),
                        f"定稿{final.label}，按公文格式排版")
        if final.stored_name is not None and (found := _version_file(final)) is not None:
            yield Entry(f"{folder}/定稿原件.{found[0]}", found[1], f"定稿{final.label}的原始文件")
    rows = []
    for version in versions:
        found = _version_file(version)
        name = f"{version.label}.{found[0]}" if found else f"{version.label}（文件缺失）"
        if found is not None:
            yield Entry(f"{folder}/版本/{name}", found[1], f"{version.label}"
                        + (f"：{version.note}" if version.note else ""))
        rows.append([version.label, version.author.display_name if version.author else "", version.created_at,
                     version.note, version.kind, version.original_name, version.size, version.sha256,
                     f"版本/{name}" if found else "文件缺失"])
    columns = [Column("版本"), Column("作者"), Column("提交时间", "datetime"), Column("修改说明", width=30),
               Column("格式"), Column("原文件名"), Column("大小（字节）", "number"), Column("SHA-256", "id", width=20),
               Column("包内文件")]
    yield Entry(f"{folder}/版本记录.xlsx", spreadsheets.workbook_bytes(
        [Table("版本记录", columns, rows, title=f"《{document.title}》版本记录", title_row=True)], moment),
        "全部版本的作者、时间、说明和校验值")
    yield Entry(f"{folder}/审签单.docx", _sign_off_sheet(document, moment), "审核各阶段的审核人、意见和时间")


def _agenda(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    sittings = agenda_queries.sittings_of(meeting.id)
    items_of = {sitting.id: agenda_queries.agenda_of(sitting.id) for sitting in sittings}
    agenda_rows, speech_rows = [], []
    for sitting in sittings:
        for item in items_of[sitting.id]:
            presiding = item.presiding_name or (item.presiding_user.display_name if item.presiding_user else "")
            agenda_rows.append([sitting.name, item.position, item.starts_at, item.kind.label, item.title, item.room,
                                presiding])
            if not item.has_speeches:
                continue
            order = agenda_queries.speech_order(item)
            speech_rows += [[sitting.name, item.title, "口头发言", oral.number, oral.slot.speaker_label,
                             oral.slot.document.title, oral.slot.minutes, oral.planned_at] for oral in order.oral]
            speech_rows += [[sitting.name, item.title, "书面发言", number, slot.speaker_label, slot.document.title,
                             None, None] for number, slot in enumerate(order.written, 1)]
            speech_rows += [[sitting.name, item.title, "未列入（发言稿未定稿）", None, slot.speaker_label,
                             slot.document.title, slot.minutes, None] for slot in order.dropped]
    agenda = Table("议程", [Column("会次", width=20), Column("顺序", "number"), Column("开始时间", "datetime"),
                           Column("类型"), Column("议题", width=30), Column("会议室"), Column("主持人")],
                   agenda_rows, title=f"{meeting.name} 议程", title_row=True)
    yield Entry("02-议程与发言/议程.xlsx", spreadsheets.workbook_bytes([agenda], moment), "各会次的议程")
    order = Table("大会发言", [Column("会次", width=20), Column("议程"), Column("方式"), Column("序号", "number"),
                              Column("发言人"), Column("发言稿", width=30), Column("限时（分钟）", "number"),
                              Column("计划开始", "datetime")],
                  speech_rows, title=f"{meeting.name} 大会发言顺序", title_row=True)
    yield Entry("02-议程与发言/大会发言顺序.xlsx", spreadsheets.workbook_bytes([order], moment),
                "大会发言的口头、书面顺序")


def _attendance(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    sittings = attendance_queries.sittings_of(meeting.id)
    by_member, _total = attendance_queries.counts_by_member(meeting.id, moment, per_page=1_000_000)
    grouped = attendance_queries.counts_by_sector_and_group(meeting.id, moment)
    yield Entry("03-出勤/出勤汇总.xlsx", attendance_sheets.summary_workbook(
        meeting, attendance_queries.RATE_FORMULA, sittings, attendance_queries.counts_of(sittings),
        grouped["sector"], grouped["group_name"], by_member), "各会次、界别、讨论组、委员的出勤")
    for number, sitting in enumerate(sittings, 1):
        yield Entry(f"03-出勤/签到表/{number:02d}-{file_name(sitting.name)}.xlsx",
                    attendance_sheets.sign_in_sheet_workbook(sitting, attendance_queries.full_roll(sitting),
                                                             sitting.has_begun(moment)),
                    f"{sitting.name}签到表" + ("（冻结名单）" if sitting.is_closed else ""))
    leaves = db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.meeting_id == meeting.id)
        .options(joinedload(LeaveRequest.member), selectinload(LeaveRequest.sittings),
                 joinedload(LeaveRequest.decided_by), raiseload("*"))
        .order_by(LeaveRequest.requested_at, LeaveRequest.id)).all()
    rows = [[leave.member.member_no, leave.member.name, "、".join(s.name for s in leave.sittings), leave.reason,
             leave.status.label, leave.requested_at, leave.decided_by.display_name if leave.decided_by else "",
             leave.decided_at, leave.decision_note] for leave in leaves]
    columns = [Column("委员编号", "id"), Column("姓名"), Column("会次", width=30), Column("事由", width=30),
               Column("状态"), Column("提交时间", "datetime"), Column("审批人"), Column("审批时间", "datetime"),
               Column("审批意见", width=20)]
    yield Entry("03-出勤/请假记录.xlsx", spreadsheets.workbook_bytes(
        [Table("请假记录", columns, rows, title=f"{meeting.name} 请假记录", title_row=True)], moment), "请假申请及审批")


def _tasks(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    rows = task_queries.export_rows(meeting.id, task_queries.LedgerFilter())
    yield Entry("04-任务台账/任务台账.xlsx", spreadsheets.workbook_bytes(
        [task_export.ledger_table(meeting, rows, moment)], moment), "全部任务及其归档时的状态")
    actor = User.__table__.alias("actor")
    events = db.session.execute(
        select(Task.id, Task.title, TaskEvent.action, TaskEvent.from_status, TaskEvent.to_status,
               actor.c.display_name, TaskEvent.at, TaskEvent.note)
        .join(TaskEvent, TaskEvent.task_id == Task.id).outerjoin(actor, actor.c.id == TaskEvent.actor_id)
        .where(Task.meeting_id == meeting.id).order_by(Task.id, TaskEvent.id)).all()
    history = Table("办理记录", [Column("任务编号", "number"), Column("任务", width=30), Column("步骤"),
                                Column("原状态"), Column("新状态"), Column("办理人"), Column("时间", "datetime"),
                                Column("说明", width=30)],
                    [[task_id, title, event_label(action), source.label, target.label, name or "系统", at, note]
                     for task_id, title, action, source, target, name, at, note in events],
                    title=f"{meeting.name} 任务办理记录", title_row=True)
    author = User.__table__.alias("author")
    comments = db.session.execute(
        select(Task.id, Task.title, author.c.display_name, TaskComment.created_at, TaskComment.body)
        .join(TaskComment, TaskComment.task_id == Task.id).outerjoin(author, author.c.id == TaskComment.author_id)
        .where(Task.meeting_id == meeting.id).order_by(Task.id, TaskComment.id)).all()
    notes = Table("留言", [Column("任务编号", "number"), Column("任务", width=30), Column("留言人"),
                          Column("时间", "datetime"), Column("内容", width=50)],
                  [list(row) for row in comments], title=f"{meeting.name} 任务留言", title_row=True)
    yield Entry("04-任务台账/办理记录.xlsx", spreadsheets.workbook_bytes([history, notes], moment),
                "每项任务的办理经过和留言")
    attachments = db.session.execute(
        select(TaskAttachment, Task.title).join(Task, Task.id == TaskAttachment.task_id)
        .where(Task.meeting_id == meeting.id).order_by(Task.id, TaskAttachment.id)).all()
    for attachment, title in attachments:
        path = uploads.stored_path(attachment.stored_name)
        if path.exists():
            yield Entry(f"04-任务台账/附件/{attachment.task_id}-{file_name(title, 30)}/"
                        f"{attachment.id}-{file_name(attachment.original_name, 60)}", path.read_bytes(),
                        "完成佐证" if attachment.is_evidence else "留言附件")


def _audit(meeting: Meeting, moment: dt.datetime) -> Iterable[Entry]:
    """The meeting's trail, with its documents' versions (their entries carry no meeting of their own)."""
    versions = (select(DocumentVersion.id).join(Document, Document.id == DocumentVersion.document_id)
                .where(Document.meeting_id == meeting.id))
    labels = dict(audited_types())
    entries = db.session.execute(
        select(AuditEntry.at, User.display_name, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
               AuditEntry.object_label, AuditEntry.changes, AuditEntry.message, AuditEntry.ip)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(or_(AuditEntry.meeting_id == meeting.id,
                   (AuditEntry.object_type == "DocumentVersion") & AuditEntry.object_id.in_(versions)))
        .order_by(AuditEntry.id)).all()
    rows = [[at, name or "系统", ACTION_LABELS.get(action, action), labels.get(kind, kind), object_id, label,
             json.dumps(changes, ensure_ascii=False) if changes else "", message, ip or ""]
            for at, name, action, kind, object_id, label, changes, message, ip in entries]
    columns = [Column("时间", "datetime"), Column("操作人"), Column("操作"), Column("对象类型"),
               Column("对象编号", "number"), Column("对象", width=20), Column("变更内容（原值 → 新值）", width=50),
               Column("说明", width=30), Column("IP")]
    yield Entry("09-审计记录/审计记录.xlsx", spreadsheets.workbook_bytes(
        [Table("审计记录", columns, rows, title=f"{meeting.name} 审计记录", title_row=True)], moment),
        f"本次会议的全部操作记录（{len(rows)} 条）")


def parts(meeting: Meeting, moment: dt.datetime) -> list[Part]:
    documents = _documents(meeting.id)
    plan = [Part("说明", partial(_readme, meeting, moment)), Part("会议总结", partial(_summary, meeting, moment)),
            Part("材料清单", partial(_document_list, meeting, documents, moment))]
    plan += [Part(f"材料：{document.title}", partial(_document_entries, document, _folder(n, document), moment))
             for n, document in enumerate(documents, 1)]
    plan += [Part("议程与大会发言", partial(_agenda, meeting, moment)),
             Part("签到表与出勤汇总", partial(_attendance, meeting, moment)),
             Part("任务台账", partial(_tasks, meeting, moment))]
    for path in EXTRA_PARTS:
        module_name, _, name = path.partition(":")
        module = optional_module(module_name)
        if module is not None:
            plan += getattr(module, name)(meeting, moment)
    plan.append(Part("审计记录", partial(_audit, meeting, moment)))
    return plan


# ── writing the zip ────────────────────────────────────────────────────────────────────────────
class _Writer:
    """Adds files to the zip, each once (a repeated path gets a number), and lists them for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, moment: dt.datetime):
        self.archive = archive
        self.stamp = timeutil.to_local(moment).timetuple()[:6]
        self.listed: list[dict] = []
        self.paths: set[str] = set()

    def add(self, entry: Entry) -> None:
        path = entry.path
        stem, dot, extension = path.rpartition(".")
        number = 2
        while path in self.paths or path in (MANIFEST, CHECKSUMS):
            path = f"{stem}（{number}）.{extension}" if dot else f"{entry.path}（{number}）"
            number += 1
        self.paths.add(path)
        self._write(path, entry.data)
        self.listed.append({"path": path, "size": len(entry.data), "sha256": hashlib.sha256(entry.data).hexdigest(),
                            "note": entry.note})

    def _write(self, path: str, data: bytes) -> None:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)

    def close(self, meeting: Meeting, moment: dt.datetime) -> None:
        manifest = {"meeting": {"id": meeting.id, "name": meeting.name,
                                "opens_at": meeting.opens_at.isoformat(), "closes_at": meeting.closes_at.isoformat(),
                                "closed_at": meeting.closed_at.isoformat() if meeting.closed_at else None},
                    "generated_at": moment.isoformat(), "generator": "大会筹备工作平台",
                    "algorithm": "sha256", "file_count": len(self.listed), "files": self.listed}
        self._write(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        self._write(CHECKSUMS, "".join(f"{item['sha256']}  {item['path']}\n" for item in self.listed).encode("utf-8"))


def build(meeting: Meeting, progress: Callable[[int, int, str], None], moment: dt.datetime | None = None) -> Built:
    """Write the archive under the upload folder (``archives/``, a random name) and return where it is.

    ``progress(done, total, label)`` is called before each part (and may raise to stop the build): a file
    half written is removed, so there is never an archive without its manifest."""
    moment = moment or timeutil.now()
    plan = parts(meeting, moment)
    token = secrets.token_hex(16)
    relative = Path("archives") / f"{token}.zip"
    target = uploads.upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    try:
        with open(temporary, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                writer = _Writer(archive, moment)
                for done, part in enumerate(plan):
                    progress(done, len(plan) + 1, part.label)
                    for entry in part.entries():
                        writer.add(entry)
                progress(len(plan), len(plan) + 1, "写入校验清单")
                writer.close(meeting, moment)
            raw.flush()
            os.fsync(raw.fileno())
        digest = hashlib.sha256()
        with open(temporary, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Built(str(relative), target.stat().st_size, digest.hexdigest(), len(writer.listed))
