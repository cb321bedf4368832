"""The per-user upload quota on every path that stores a file: over quota → a clear Chinese message,
no row, no file left. Each test first fills most of the quota with a real upload on the same path,
so the test also proves the domain's rows are counted."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from meetingprep import uploads
from meetingprep.auth.models import User
from meetingprep.documents.models import DocumentVersion
from meetingprep.extensions import db
from meetingprep.plans import importer
from meetingprep.plans.models import PendingImport
from meetingprep.tasks.models import Task, TaskAttachment
from meetingprep.tasks.states import TaskStatus
from tests import factories

QUOTA = 1000
REFUSED = "您的上传空间不足"


@pytest.fixture(autouse=True)
def small_quota(app):
    app.config["UPLOAD_QUOTA_BYTES"] = QUOTA


def _files() -> set:
    root = uploads.upload_root()
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def _txt(size: int, name: str = "说明.txt"):
    return io.BytesIO(b"x" * size), name


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _assert_refused(response, model, rows_before: int, files_before: set) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert REFUSED in body and "上限 1.0 KB" in body
    db.session.rollback()
    assert _count(model) == rows_before
    assert _files() == files_before


def test_task_comment_attachments_count_and_are_refused_past_the_quota(client, login):
    task = factories.make_task()
    owner = login(db.session.get(User, task.owner_id))
    db.session.commit()
    url = f"/tasks/{task.id}/comments"
    first = client.post(url, data={"body": "初稿见附件", "files": [_txt(900)]}, content_type="multipart/form-data")
    assert first.status_code == 302
    assert uploads.used_bytes(db.session, owner.id) == 900
    rows, files = _count(TaskAttachment), _files()
    response = client.post(url, data={"body": "补充材料", "files": [_txt(200)]}, content_type="multipart/form-data")
    _assert_refused(response, TaskAttachment, rows, files)
    assert "补充材料" in response.get_data(as_text=True)  # the user's text is kept


def test_task_submission_evidence_is_refused_past_the_quota(client, login):
    task = factories.make_task(status=TaskStatus.IN_PROGRESS)
    login(db.session.get(User, task.owner_id))
    db.session.commit()
    assert client.post(f"/tasks/{task.id}/comments", data={"body": "附件", "files": [_txt(900)]},
                       content_type="multipart/form-data").status_code == 302
    rows, files = _count(TaskAttachment), _files()
    response = client.post(f"/tasks/{task.id}/transition/submit", data={"note": "已完成", "evidence": [_txt(200)]},
                           content_type="multipart/form-data")
    _assert_refused(response, TaskAttachment, rows, files)
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == TaskStatus.IN_PROGRESS


def test_document_versions_uploaded_count_typed_ones_do_not(client, login):
    drafter = factories.make_user("staff")
    typed, uploaded, refused = (factories.make_document(drafters=[drafter]) for _ in range(3))
    db.session.commit()
    login(drafter)
    assert client.post(f"/documents/{typed.id}/versions/new", data={"text": "正文" * 400}).status_code == 302
    assert uploads.used_bytes(db.session, drafter.id) == 0  # typed text is not an uploaded file
    assert client.post(f"/documents/{uploaded.id}/versions/new", data={"file": _txt(900, "报告.txt")},
                       content_type="multipart/form-data").status_code == 302
    assert uploads.used_bytes(db.session, drafter.id) == 900
    rows, files = _count(DocumentVersion), _files()
    response = client.post(f"/documents/{refused.id}/versions/new", data={"file": _txt(200, "报告.txt")},
                           content_type="multipart/form-data")
    _assert_refused(response, DocumentVersion, rows, files)


def test_member_speech_upload_is_refused_past_the_quota(client, login):
    member = factories.make_user("member")
    factories.make_meeting()
    db.session.commit()
    login(member)
    response = client.post("/documents/speeches/new", data={"title": "关于加强社区养老的建议", "file": _txt(1200)},
                           content_type="multipart/form-data")
    _assert_refused(response, DocumentVersion, 0, set())
    assert "关于加强社区养老的建议" in response.get_data(as_text=True)


def test_plan_import_is_refused_when_the_user_is_over_quota(app, client, login):
    meeting = factories.make_meeting()
    secretariat = login(factories.make_user("secretariat"))
    task = factories.make_task(meeting)
    db.session.add(TaskAttachment(task_id=task.id, uploaded_by_id=secretariat.id, stored_name="aa/x.txt",
                                  original_name="x.txt", kind="txt", size=QUOTA - 10, sha256="0" * 64))
    db.session.commit()
    workbook = importer.template_workbook(meeting)
    assert len(workbook) > 10
    files = _files()
    response = client.post("/plans/import", data={"meeting_id": meeting.id,
                                                  "file": (io.BytesIO(workbook), "任务表.xlsx")},
                           content_type="multipart/form-data")
    _assert_refused(response, PendingImport, 0, files)
    app.config["UPLOAD_QUOTA_BYTES"] = QUOTA + len(workbook)  # room again: the same file is staged
    response = client.post("/plans/import", data={"meeting_id": meeting.id,
                                                  "file": (io.BytesIO(workbook), "任务表.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and _count(PendingImport) == 1
    # the staged workbook now takes its share: a second one no longer fits beside it
    assert uploads.used_bytes(db.session, secretariat.id) == QUOTA - 10 + len(workbook)
    files = _files()
    response = client.post("/plans/import", data={"meeting_id": meeting.id,
                                                  "file": (io.BytesIO(workbook), "任务表.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    db.session.rollback()
    assert _count(PendingImport) == 1 and _files() == files
