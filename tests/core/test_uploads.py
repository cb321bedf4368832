import io
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from meetingprep import uploads
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db


def _docx_bytes(extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_docx_is_stored_under_a_random_name_and_kept_on_commit(app):
    stored = uploads.save_upload(db.session, _file(_docx_bytes(), "工作报告.docx"), allowed={"docx"})
    db.session.commit()
    path = uploads.stored_path(stored.stored_name)
    assert path.exists() and "工作报告" not in stored.stored_name
    assert stored.original_name == "工作报告.docx"


def test_rollback_removes_the_file(app):
    stored = uploads.save_upload(db.session, _file(b"hello", "a.txt"), allowed={"txt"})
    path = uploads.stored_path(stored.stored_name)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00binary", "setup.docx", "不是有效的"),
    (b"", "empty.pdf", "空的"),
    (b"not a pdf", "a.pdf", "不是有效的 PDF"),
    (b"text", "virus.exe", "不支持"),
])
def test_bad_uploads_are_refused_with_a_reason(app, data, name, message):
    with pytest.raises(ValidationFailed, match=message):
        uploads.save_upload(db.session, _file(data, name), allowed={"docx", "pdf", "txt"})
    assert not any(uploads.upload_root().rglob("*.*")) if uploads.upload_root().exists() else True


def test_zip_bomb_is_refused(app):
    bomb = _docx_bytes({"word/media/big.bin": b"\0" * (30 * 1024 * 1024)})
    with pytest.raises(ValidationFailed, match="压缩炸弹"):
        uploads.save_upload(db.session, _file(bomb, "bomb.docx"), allowed={"docx"})


def test_too_large(app):
    app.config["UPLOAD_MAX_BYTES"] = 10
    with pytest.raises(ValidationFailed, match="文件太大"):
        uploads.save_upload(db.session, _file(b"x" * 11, "a.txt"), allowed={"txt"})
