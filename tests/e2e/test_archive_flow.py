"""会后 in a browser, on the demo: the secretariat downloads the summary draft, archives the meeting (its name to
confirm), watches the bundle being built and downloads it — every checksum in its manifest holds; forms left
open before the archiving are refused with a clear message (a task edit, a check-in, a document upload);
an administrator reopens the meeting with a reason, which the meeting's history shows."""

from __future__ import annotations

import io

from docx import Document as read_docx
from playwright.sync_api import expect
from sqlalchemy import select

from meetingprep.attendance.models import Sitting
from meetingprep.demo import build_demo
from meetingprep.documents.models import Document
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests.archive.test_archive import check_manifest
from tests.e2e.conftest import log_in, log_out

PASSWORD = "demo12345"
CLOSED = "已归档，会议资料只读"


def test_archive_the_demo_meeting_refuse_writes_and_reopen(live_server, page, tmp_path):
    live_server.app.config["ARCHIVE_BUILD_IN_THREAD"] = True  # no scheduler beside this server
    with live_server.data():
        build_demo("small")
        meeting = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
        meeting_id, short_name = meeting.id, meeting.short_name
        task_id = db.session.scalar(select(Task.id).where(Task.meeting_id == meeting_id,
                                                          Task.status == TaskStatus.IN_PROGRESS).limit(1))
        document_id = db.session.scalar(select(Document.id).where(
            Document.meeting_id == meeting_id,
            Document.status.in_([DocumentStatus.DRAFTING, DocumentStatus.RETURNED])).order_by(Document.id).limit(1))
        sitting_id = db.session.scalar(select(Sitting.id).where(Sitting.meeting_id == meeting_id,
                                                                Sitting.closed_at.is_(None), Sitting.starts_at > now())
                                       .order_by(Sitting.starts_at).limit(1))

    log_in(page, live_server, "mishu", PASSWORD)
    # People still at work when the meeting is archived: their forms were opened before.
    task_tab, upload_tab, desk_tab = (page.context.new_page() for _ in range(3))
    task_tab.goto(f"{live_server.url}/tasks/{task_id}/edit")
    upload_tab.goto(f"{live_server.url}/documents/{document_id}/versions/new")
    desk_tab.goto(f"{live_server.url}/attendance/sittings/{sitting_id}/desk")

    page.goto(f"{live_server.url}/meetings/{meeting_id}")
    page.get_by_role("link", name="会议总结与归档").click()
    with page.expect_download() as summary_download:
        page.get_by_role("link", name="下载会议总结草稿（Word）").click()
    summary = read_docx(io.BytesIO(summary_download.value.path().read_bytes()))
    summary_text = "\n".join(p.text for p in summary.paragraphs)
    assert "会议总结（草稿）" in summary_text and "与上次会议（市政协十届三次会议" in summary_text

    page.on("dialog", lambda dialog: dialog.accept())
    confirmation = page.get_by_label("输入会议名称以确认")
    confirmation.fill("别的会议")
    page.get_by_role("button", name="归档并关闭会议").click()
    expect(page.locator(".invalid-feedback")).to_contain_text(f"请输入会议名称“{short_name}”以确认归档")
    expect(page.get_by_label("输入会议名称以确认")).to_have_value("别的会议")
    page.get_by_label("输入会议名称以确认").fill(short_name)
    page.get_by_role("button", name="归档并关闭会议").click()
    expect(page.locator(".alert-success").first).to_contain_text("归档包正在后台生成")
    expect(page.locator("[data-archive-bar]")).to_be_visible()  # the progress, polled while the thread builds
    expect(page.locator("[data-archive-status]")).to_have_text("已完成", timeout=90_000)
    expect(page.locator("[data-archive-bar]")).to_have_attribute("aria-valuenow", "100")
    with page.expect_download() as bundle_download:
        page.get_by_role("link", name="下载归档包（.zip）").click()
    data = bundle_download.value.path().read_bytes()
    manifest = check_manifest(data)  # every file's size and SHA-256 recomputed
    assert manifest["file_count"] > 50

    # The forms opened before: each refusal says why, nothing is lost from what was typed, no error page.
    task_tab.locator("#title").fill("归档后改的标题")
    task_tab.get_by_role("button", name="保存").click()
    expect(task_tab.locator(".alert-danger").first).to_contain_text(CLOSED)
    expect(task_tab.locator("#title")).to_have_value("归档后改的标题")
    upload_note = tmp_path / "稿子.txt"
    upload_note.write_text("归档之后才写好的稿子", encoding="utf-8")
    upload_tab.locator("#file").set_input_files(str(upload_note))
    upload_tab.locator("#note").fill("归档后上传")
    upload_tab.get_by_role("button", name="提交第").click()
    expect(upload_tab.locator(".alert-danger").first).to_contain_text(CLOSED)
    search = desk_tab.get_by_label("姓名、拼音首字母（如 zs）或委员编号")
    search.fill("0001")
    expect(desk_tab.locator("#desk-results")).not_to_be_empty()
    search.press("Enter")
    expect(desk_tab.locator("#desk-message")).to_contain_text(CLOSED)
    expect(desk_tab.locator("#desk-message")).to_have_class("alert alert-danger")
    page.goto(f"{live_server.url}/tasks/{task_id}/edit")  # opened now: said at once, no form to fill
    expect(page.get_by_text(CLOSED).first).to_be_visible()

    # Only an administrator reopens, with a reason that the meeting's history shows.
    page.goto(f"{live_server.url}/meetings/{meeting_id}")
    assert page.get_by_role("link", name="重新打开…").count() == 0
    log_out(page)
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{meeting_id}")
    page.get_by_role("link", name="重新打开…").click()
    page.get_by_label("重新打开的原因").fill("补录闭幕大会的签到")
    page.get_by_role("button", name="重新打开").click()
    expect(page.locator(".alert-success").first).to_contain_text("已重新打开")
    expect(page.locator(".audit-trail")).to_contain_text("补录闭幕大会的签到")
    expect(page.locator("[data-meeting-closed]")).to_have_count(0)
