"""Upload quota per user; a full or unwritable disk leaves no half-written file behind."""

import errno
import io
import os

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert
from werkzeug.datastructures import FileStorage

from meetingprep import uploads
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from tests import factories


def _file(data: bytes, name: str = "a.txt") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _leftovers() -> list:
    root = uploads.upload_root()
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def attachments(app, monkeypatch):
    """A stand-in for a domain's attachment table, registered as a quota source."""
    table = Table("test_attachments", MetaData(), Column("id", Integer, primary_key=True),
                  Column("size", Integer), Column("uploaded_by_id", Integer))
    table.create(db.session.connection())
    monkeypatch.setattr(uploads, "_QUOTA_SOURCES", {})
    uploads.count_towards_quota(table.c.size, table.c.uploaded_by_id)
    yield table
    db.session.rollback()
    table.drop(db.engine, checkfirst=True)


def test_quota_counts_every_registered_source(app, attachments, monkeypatch):
    second = Table("test_versions", MetaData(), Column("id", Integer, primary_key=True),
                   Column("bytes", Integer), Column("author_id", Integer))
    second.create(db.session.connection())
    uploads.count_towards_quota(second.c.bytes, second.c.author_id)
    user, other = factories.make_user(), factories.make_user()
    db.session.execute(insert(attachments), [{"size": 300, "uploaded_by_id": user.id},
                                             {"size": 999, "uploaded_by_id": other.id}])
    db.session.execute(insert(second), [{"bytes": 200, "author_id": user.id}])
    assert uploads.used_bytes(db.session, user.id) == 500
    assert uploads.used_bytes(db.session, factories.make_user().id) == 0
    second.drop(db.session.connection())


def test_upload_past_the_quota_is_refused_with_the_numbers(app, attachments):
    app.config["UPLOAD_QUOTA_BYTES"] = 1024 * 1024
    user = factories.make_user()
    db.session.execute(insert(attachments), [{"size": 1024 * 1024 - 10, "uploaded_by_id": user.id}])
    uploads.save_upload(db.session, _file(b"x" * 10), allowed={"txt"}, owner_id=user.id)  # exactly full: fine
    with pytest.raises(ValidationFailed, match=r"上传空间不足：已用 1\.0 MB，上限 1\.0 MB"):
        uploads.save_upload(db.session, _file(b"x" * 11), allowed={"txt"}, owner_id=user.id)
    # another user is not affected, and no quota at all when it is 0
    uploads.save_upload(db.session, _file(b"x" * 11), allowed={"txt"}, owner_id=factories.make_user().id)
    app.config["UPLOAD_QUOTA_BYTES"] = 0
    uploads.save_upload(db.session, _file(b"x" * 11), allowed={"txt"}, owner_id=user.id)


def test_default_quota_is_500_mb(app):
    assert app.config["UPLOAD_QUOTA_BYTES"] == 500 * 1024 * 1024


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("target", ["os.replace", "os.fsync", "open"])
def test_disk_full_gives_a_clear_message_and_leaves_no_file(app, monkeypatch, target):
    kept = uploads.store_bytes(db.session, b"stored before the disk filled up", "before.txt", "txt")
    assert uploads.stored_path(kept.stored_name).exists()
    if target == "open":
        monkeypatch.setattr(uploads, "open", _no_space, raising=False)
    else:
        monkeypatch.setattr(uploads.os, target.split(".")[1], _no_space)
    with pytest.raises(ValidationFailed, match="文件保存失败（服务器存储空间不足或不可写）"):
        uploads.store_bytes(db.session, b"y" * 4096, "after.txt", "txt")
    monkeypatch.undo()
    assert [path.name for path in _leftovers()] == [os.path.basename(kept.stored_name)]  # no .part left
    db.session.rollback()  # the request fails: the file stored earlier in it goes too
    assert _leftovers() == []


def test_disk_full_during_an_http_upload_is_a_clear_400_not_a_500(app, client, login, monkeypatch):
    @app.post("/test/upload")
    def upload_view():
        from flask import request

        try:
            uploads.save_upload(db.session, request.files.get("file"), allowed={"txt"})
        except ValidationFailed as error:
            db.session.rollback()
            return error.message, 400
        db.session.commit()
        return "ok"

    login(factories.make_user())
    monkeypatch.setattr(uploads.os, "replace", _no_space)
    response = client.post("/test/upload", data={"file": (io.BytesIO(b"hello"), "a.txt")})
    assert response.status_code == 400 and "存储空间不足" in response.get_data(as_text=True)
    assert _leftovers() == []
