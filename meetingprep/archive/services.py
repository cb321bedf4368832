"""Archiving a meeting: close it (read-only from then on), build its bundle in the background, reopen it.

Closing and queueing happen in the request; the build runs in the scheduler's process (job
``archive.build``) or, where ``ARCHIVE_BUILD_IN_THREAD`` is set (the dev server, the browser tests), in a
thread the request starts. Either way the job is claimed in ``meeting_archives`` by a conditional UPDATE,
so two builders never take the same job, and held by a lease that the builder renews with every
progress report: a builder that died leaves a job another one takes up. The web workers only read the
row, so the page shows the same progress whichever of several gunicorn workers answers.

Services flush, never commit — except the builder, which is a unit of work of its own per progress report
(the page must see them while it runs).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from meetingprep import audit, timeutil, uploads
from meetingprep.archive import bundle
from meetingprep.archive.models import ArchiveStatus, MeetingArchive
from meetingprep.auth.models import User
from meetingprep.db import forget_request_method, note_request_method, writing
from meetingprep.errors import Conflict, InvalidTransition, ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.services import notify
from meetingprep.permissions import require

log = logging.getLogger(__name__)

#: A builder renews its hold on a job with every progress report; one silent this long has died.
LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
REASON_MAX = 500


def latest_archive(meeting_id: int) -> MeetingArchive | None:
    return db.session.scalar(select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id)
                             .order_by(MeetingArchive.id.desc()).limit(1))


def latest_built(meeting_id: int) -> MeetingArchive | None:
    return db.session.scalar(select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id,
                                                          MeetingArchive.status == ArchiveStatus.DONE)
                             .order_by(MeetingArchive.id.desc()).limit(1))


def archives_of(meeting_id: int) -> list[MeetingArchive]:
    return list(db.session.scalars(select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id)
                                   .options(joinedload(MeetingArchive.requested_by))
                                   .order_by(MeetingArchive.id.desc())))


def _queue(actor: User, meeting: Meeting) -> MeetingArchive:
    archive = MeetingArchive(meeting_id=meeting.id, status=ArchiveStatus.QUEUED, requested_by_id=actor.id,
                             requested_at=timeutil.now(), step="等待生成")
    db.session.add(archive)
    return archive


def confirmation_names(meeting: Meeting) -> set[str]:
    return {name for name in (meeting.name, meeting.short_name) if name}


def archive_meeting(actor: User, meeting: Meeting, *, confirmation: str) -> MeetingArchive:
    """归档: the meeting becomes read-only at once and its bundle is queued. The person types the meeting's
    name to confirm: closing is undone only by an administrator."""
    require(actor, "meeting.archive", meeting)
    if meeting.is_closed:
        raise InvalidTransition("该会议已经归档。如需再次生成归档包，请点“重新生成归档包”。")
    if (confirmation or "").strip() not in confirmation_names(meeting):
        raise ValidationFailed(f"请输入会议名称“{meeting.display_name}”以确认归档（归档后会议资料只读）。")
    meeting.closed_at = timeutil.now()
    archive = _queue(actor, meeting)
    audit.record(db.session, "归档", meeting, actor=actor, message="归档会议：会议资料从此只读，开始生成归档包")
    db.session.flush()
    return archive


def queue_archive(actor: User, meeting: Meeting) -> MeetingArchive:
    """Build the bundle of an archived meeting again (the last one failed, or a file was lost)."""
    require(actor, "meeting.archive", meeting)
    if not meeting.is_closed:
        raise InvalidTransition("会议尚未归档：请先归档会议（归档后资料只读），再生成归档包。")
    latest = latest_archive(meeting.id)
    if latest is not None and latest.is_active:
        raise Conflict("归档包正在生成中，请稍候查看进度。")
    archive = _queue(actor, meeting)
    audit.record(db.session, "重新生成归档包", meeting, actor=actor, message="重新生成归档包")
    db.session.flush()
    return archive


def reopen_meeting(actor: User, meeting: Meeting, reason: str) -> None:
    """Only an administrator, with a reason for the audit trail. Builds still waiting are called off: a
    bundle must show the meeting as it was closed."""
    require(actor, "meeting.reopen", meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写重新打开的原因（将记入审计记录）。")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"原因不能超过 {REASON_MAX} 字。")
    if not meeting.is_closed:
        raise InvalidTransition("该会议没有归档，无需重新打开。")
    meeting.closed_at = None
    db.session.execute(update(MeetingArchive).where(
        MeetingArchive.meeting_id == meeting.id,
        MeetingArchive.status.in_([ArchiveStatus.QUEUED, ArchiveStatus.RUNNING]))
        .values(status=ArchiveStatus.FAILED, finished_at=timeutil.now(), lease_until=None,
                error="会议已重新打开，本次归档包未生成").execution_options(synchronize_session=False))
    audit.record(db.session, "重新打开", meeting, actor=actor, message=f"重新打开已归档的会议。原因：{reason}")
    db.session.flush()


# ── the builder ────────────────────────────────────────────────────────────────────────────────
def _claimable(moment: dt.datetime):
    return and_(MeetingArchive.attempts < MAX_ATTEMPTS, or_(
        MeetingArchive.status == ArchiveStatus.QUEUED,
        and_(MeetingArchive.status == ArchiveStatus.RUNNING, MeetingArchive.lease_until < moment)))


def claim_next() -> MeetingArchive | None:
    """Take the oldest waiting job (or one whose builder died), or None. Commits the claim."""
    moment = timeutil.now()
    db.session.execute(  # builders died on this job again and again: stop, and say so on the page
        update(MeetingArchive).where(MeetingArchive.status == ArchiveStatus.RUNNING,
                                     MeetingArchive.lease_until < moment, MeetingArchive.attempts >= MAX_ATTEMPTS)
        .values(status=ArchiveStatus.FAILED, finished_at=moment, lease_until=None,
                error="生成过程多次中断，请重新生成归档包").execution_options(synchronize_session=False))
    candidate = db.session.scalar(select(MeetingArchive.id).where(_claimable(moment))
                                  .order_by(MeetingArchive.id).limit(1))
    if candidate is None:
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(MeetingArchive).where(MeetingArchive.id == candidate, _claimable(moment))
        .values(status=ArchiveStatus.RUNNING, started_at=moment, lease_until=moment + LEASE,
                attempts=MeetingArchive.attempts + 1, progress_done=0, error="", step="开始生成")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return db.session.get(MeetingArchive, candidate) if claimed else None


class _Withdrawn(Exception):
    """The job is no longer ours: the meeting was reopened, or the lease passed to another builder."""


def _ours(job_id: int, attempt: int):
    """The job as this builder claimed it: still running, and not claimed again by another builder since."""
    return and_(MeetingArchive.id == job_id, MeetingArchive.status == ArchiveStatus.RUNNING,
                MeetingArchive.attempts == attempt)


def _report(job_id: int, attempt: int, done: int, total: int, label: str) -> None:
    with writing(db.session):
        updated = db.session.execute(
            update(MeetingArchive).where(_ours(job_id, attempt))
            .values(progress_done=done, progress_total=total, step=label[:200], lease_until=timeutil.now() + LEASE)
            .execution_options(synchronize_session=False)).rowcount
    if not updated:
        raise _Withdrawn()


def _finish(job_id: int, attempt: int, **values) -> bool:
    """Record the outcome if the job is still this builder's; the caller is inside ``writing``."""
    updated = db.session.execute(
        update(MeetingArchive).where(_ours(job_id, attempt))
        .values(finished_at=timeutil.now(), lease_until=None, **values)
        .execution_options(synchronize_session=False)).rowcount
    return bool(updated)


def size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def build(job: MeetingArchive) -> str:
    """Build one claimed job; the outcome is committed and recorded on the meeting's trail.

    The bundle is read as a page is (``db.note_request_method``): on SQLite without holding the write lock
    while a part is assembled, so the meeting's other users — and the next meeting's — are not kept waiting;
    each progress report and the outcome are short writes of their own (``writing``)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False  # progress commits keep what the parts loaded
    session.commit()
    note_request_method("GET")
    try:
        return _build(job.id, job.attempts, job.meeting_id, job.requested_by_id)
    finally:
        forget_request_method()
        session.expire_on_commit = keep


def _build(job_id: int, attempt: int, meeting_id: int, requester: int | None) -> str:
    meeting = db.session.get(Meeting, meeting_id)
    name = meeting.display_name
    try:
        if not meeting.is_closed:
            raise _Withdrawn()
        built = bundle.build(meeting, lambda done, total, label: _report(job_id, attempt, done, total, label))
    except _Withdrawn:
        db.session.rollback()
        return f"{name}：归档任务已撤回"
    except Exception as error:  # a failed build is shown on the page and may be queued again
        db.session.rollback()
        log.exception("archive %s of meeting %s failed", job_id, meeting_id)
        with writing(db.session):
            if _finish(job_id, attempt, status=ArchiveStatus.FAILED, error=f"{type(error).__name__}: {error}"[:500]):
                audit.record(db.session, "归档包生成失败", object_type="Meeting", object_id=meeting_id,
                             meeting_id=meeting_id, message=f"归档包生成失败（{type(error).__name__}），可重新生成")
        return f"{name}：归档包生成失败"
    message = f"归档包已生成：{built.file_count} 个文件，{size_label(built.size)}，SHA-256 {built.sha256}"
    with writing(db.session):
        finished = _finish(job_id, attempt, status=ArchiveStatus.DONE, stored_name=built.stored_name,
                           size=built.size, sha256=built.sha256, file_count=built.file_count, progress_done=1,
                           progress_total=1, step="已完成")
        if finished:
            audit.record(db.session, "归档包已生成", object_type="Meeting", object_id=meeting_id,
                         meeting_id=meeting_id, message=message)
            if requester is not None:
                notify([requester], kind="text", subject=f"“{name}”的归档包已生成", body=message,
                       link=f"/meetings/{meeting_id}/archive", dedup_key=f"archive.done:{job_id}",
                       meeting_id=meeting_id)
    if not finished:
        uploads.stored_path(built.stored_name).unlink(missing_ok=True)
        return f"{name}：归档任务已撤回"
    return f"{name}：{message}"


def run_pending(limit: int = 3) -> str:
    """The scheduler's tick (and the dev thread): build waiting jobs one after the other."""
    outcomes = []
    for _ in range(limit):
        job = claim_next()
        if job is None:
            break
        outcomes.append(build(job))
    return "；".join(outcomes) or "没有待生成的归档包"


def build_soon(app: Flask) -> None:
    """Where no scheduler runs beside the web server (dev server, browser tests): build in a thread now."""
    if not app.config.get("ARCHIVE_BUILD_IN_THREAD"):
        return
    threading.Thread(target=_build_in_thread, args=(app,), name="archive-builder", daemon=True).start()


def _build_in_thread(app: Flask) -> None:
    with app.app_context():
        try:
            run_pending()
        except Exception:
            log.exception("archive builder thread failed")
        finally:
            db.session.remove()


def archive_path(archive: MeetingArchive) -> Path | None:
    """The built file, or None when it is not (or no longer) there."""
    if archive.status != ArchiveStatus.DONE or not archive.stored_name:
        return None
    path = uploads.stored_path(archive.stored_name)
    return path if path.exists() else None

