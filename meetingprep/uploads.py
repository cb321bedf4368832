"""Uploaded files: checked by content, stored under the instance folder with random names,
served only through a permission-checked view as attachments.

A file is written before its row is committed; if the transaction rolls back, the files it wrote
are deleted again (``_discard_on_rollback``), so there is never a file without a row nor a row
without its file.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import ColumnElement, event, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from meetingprep.errors import ValidationFailed

# kind → (extensions, mimetype, label)
KINDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
    "pdf": ((".pdf",), "application/pdf", "PDF"),
    "txt": ((".txt",), "text/plain; charset=utf-8", "文本"),
    "md": ((".md", ".markdown"), "text/markdown; charset=utf-8", "Markdown 文本"),
    "png": ((".png",), "image/png", "PNG 图片"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg", "JPEG 图片"),
}
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200


@dataclass(frozen=True)
class StoredFile:
    stored_name: str      # relative path under the upload folder, random
    original_name: str    # what the user called it (kept for the download name)
    kind: str
    size: int
    sha256: str

    @property
    def mimetype(self) -> str:
        return KINDS[self.kind][1]


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _kind_for_name(filename: str, allowed: set[str]) -> str:
    suffix = Path(filename).suffix.lower()
    for kind in allowed:
        if suffix in KINDS[kind][0]:
            return kind
    labels = "、".join(sorted({ext for kind in allowed for ext in KINDS[kind][0]}))
    raise ValidationFailed(f"不支持这种文件类型，请上传 {labels} 文件。")


def _check_zip(data: bytes, kind: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ValidationFailed(f"文件内容不是有效的{KINDS[kind][2]}，可能已损坏或被改了扩展名。") from error
    names = {info.filename for info in infos}
    marker = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    if "[Content_Types].xml" not in names or marker not in names:
        raise ValidationFailed(f"文件内容不是有效的{KINDS[kind][2]}，可能已损坏或被改了扩展名。")
    total = sum(info.file_size for info in infos)
    compressed = max(1, sum(info.compress_size for info in infos))
    if len(infos) > ZIP_MAX_ENTRIES or total > ZIP_MAX_UNCOMPRESSED or total / compressed > ZIP_MAX_RATIO:
        raise ValidationFailed("文件解压后异常巨大（疑似压缩炸弹），已拒绝。")


def _check_text(data: bytes) -> None:
    if b"\x00" in data:
        raise ValidationFailed("文本文件中含有二进制内容，请确认文件类型。")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise ValidationFailed("无法识别文本文件的编码，请另存为 UTF-8 后再上传。") from error


def check_content(data: bytes, kind: str) -> None:
    """The bytes must be what the extension claims: a renamed executable is refused."""
    if kind in ("docx", "xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise ValidationFailed(f"文件内容不是有效的{KINDS[kind][2]}，可能已损坏或被改了扩展名。")
        _check_zip(data, kind)
    elif kind == "pdf":
        if not data.lstrip()[:5] == b"%PDF-":
            raise ValidationFailed("文件内容不是有效的 PDF，可能已损坏或被改了扩展名。")
    elif kind in ("txt", "md"):
        _check_text(data)
    elif kind == "png":
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValidationFailed("文件内容不是有效的 PNG 图片。")
    elif kind == "jpg" and not data.startswith(b"\xff\xd8\xff"):
        raise ValidationFailed("文件内容不是有效的 JPEG 图片。")


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_upload(file: FileStorage | None, *, allowed: set[str], max_bytes: int | None = None) -> tuple[bytes, str]:
    """Read and check an upload without storing it: (bytes, kind). Raises ValidationFailed."""
    if file is None or not file.filename:
        raise ValidationFailed("请选择要上传的文件。")
    limit = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    kind = _kind_for_name(file.filename, allowed)
    data = file.stream.read(limit + 1)
    if not data:
        raise ValidationFailed("上传的文件是空的。")
    if len(data) > limit:
        raise ValidationFailed(f"文件太大：不能超过 {limit // (1024 * 1024)} MB。")
    check_content(data, kind)
    return data, kind


def store_bytes(session: Session, data: bytes, original_name: str, kind: str) -> StoredFile:
    """Write atomically (temp file, then rename) under a random name; deleted again on rollback."""
    session.connection()  # begin the transaction whose rollback will discard this file
    root = upload_root()
    token = secrets.token_hex(16)
    relative = Path(token[:2]) / f"{token}{KINDS[kind][0][0]}"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ValidationFailed("文件保存失败（服务器存储空间不足或不可写），请稍后重试或联系管理员。") from error
    session.info.setdefault("uploaded_files", []).append(target)
    safe_name = Path(original_name).name[:200] or f"file{KINDS[kind][0][0]}"
    return StoredFile(stored_name=str(relative), original_name=safe_name, kind=kind, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest())


def save_upload(session: Session, file: FileStorage | None, *, allowed: set[str],
                max_bytes: int | None = None, owner_id: int | None = None) -> StoredFile:
    """``owner_id``: the uploader, whose quota the file must fit (see ``count_towards_quota``)."""
    data, kind = read_upload(file, allowed=allowed, max_bytes=max_bytes)
    if owner_id is not None:
        check_quota(session, owner_id, len(data))
    return store_bytes(session, data, file.filename, kind)


# ── per-user quota ──────────────────────────────────────────────────────────────────────────────
# Uploaded files live in several domains' tables (task attachments, document versions …). Each
# domain registers once, at import, the columns holding a stored file's size and its uploader:
#     uploads.count_towards_quota(TaskAttachment.size, TaskAttachment.uploaded_by_id)
# and its views pass ``owner_id=current_user.id`` to ``save_upload`` (or call ``check_quota`` before
# ``store_bytes``). Usage is summed from those rows in one query, so it never drifts from the data:
# deleting a row frees its space. Two simultaneous uploads may both pass: the quota is a guard
# against filling the disk, not an exact meter.
_QUOTA_SOURCES: dict[str, tuple[ColumnElement, ColumnElement]] = {}


def count_towards_quota(size_column, owner_column) -> None:
    _QUOTA_SOURCES[f"{size_column.table.name}.{size_column.key}"] = (size_column, owner_column)


def used_bytes(session: Session, owner_id: int) -> int:
    if not _QUOTA_SOURCES:
        return 0
    totals = [select(func.coalesce(func.sum(size), 0)).where(owner == owner_id).scalar_subquery()
              for size, owner in _QUOTA_SOURCES.values()]
    return sum(int(total or 0) for total in session.execute(select(*totals)).one())


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_quota(session: Session, owner_id: int, incoming_bytes: int) -> None:
    """Refuse a file that would take the uploader past UPLOAD_QUOTA_BYTES (0 = no quota)."""
    limit = current_app.config["UPLOAD_QUOTA_BYTES"]
    if not limit:
        return
    used = used_bytes(session, owner_id)
    if used + incoming_bytes > limit:
        raise ValidationFailed(
            f"您的上传空间不足：已用 {_megabytes(used)}，上限 {_megabytes(limit)}，"
            f"这个文件有 {_megabytes(incoming_bytes)}。请删除不再需要的旧文件，或联系管理员提高上限。")


def stored_path(stored_name: str) -> Path:
    root = upload_root().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:
        raise ValidationFailed("文件路径无效。")
    return path


def send_stored(stored_name: str, download_name: str, kind: str):
    """Always as an attachment (never rendered inline), with the user's filename, Chinese kept."""
    path = stored_path(stored_name)
    if not path.exists():
        from meetingprep.errors import NotFound

        raise NotFound("文件不存在或已被删除。")
    response = send_file(path, mimetype=KINDS[kind][1], as_attachment=True, download_name=download_name,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@event.listens_for(Session, "after_commit")
def _forget_committed_files(session: Session) -> None:
    session.info.pop("uploaded_files", None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_on_rollback(session: Session, _previous_transaction) -> None:
    discard_uncommitted(session)


def discard_uncommitted(session: Session) -> None:
    """Delete files whose rows never committed (also called when the request's session ends)."""
    for path in session.info.pop("uploaded_files", []):
        Path(path).unlink(missing_ok=True)
