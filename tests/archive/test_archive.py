"""One-click archive: close (confirmed by the meeting's name), build in the background with progress, a .zip
whose manifest's checksums all hold, download by the secretariat, reopen by an administrator with a reason."""

import datetime as dt
import hashlib
import io
import json

from openpyxl import load_workbook
from sqlalchemy import select, update

from meetingprep import timeutil, uploads
from meetingprep.archive import services
from meetingprep.archive.models import ArchiveStatus, MeetingArchive
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.models import Notification
from tests.archive.conftest import read_zip


def _entries(meeting_id: int) -> list[tuple[str, str]]:
    return [(e.action, e.message) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.meeting_id == meeting_id, AuditEntry.object_type == "Meeting")
        .order_by(AuditEntry.id))]


def check_manifest(data: bytes) -> dict:
    """Every file the manifest lists is in the zip with that size and SHA-256 (recomputed here), and nothing
    else is; SHA256SUMS says the same."""
    archive = read_zip(data)
    manifest = json.loads(archive.read("manifest.json"))
    listed = {item["path"]: item for item in manifest["files"]}
    assert set(archive.namelist()) == set(listed) | {"manifest.json", "SHA256SUMS"}
    for path, item in listed.items():
        content = archive.read(path)
        assert len(content) == item["size"], path
        assert hashlib.sha256(content).hexdigest() == item["sha256"], path
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert sums == {path: item["sha256"] for path, item in listed.items()}
    assert manifest["file_count"] == len(listed)
    return manifest


def test_archiving_asks_for_the_meeting_name_and_keeps_the_input(client, login, world):
    login(world.secretariat)
    page = client.get(f"/meetings/{world.meeting.id}/archive")
    assert page.status_code == 200 and "归档并关闭会议" in page.get_data(as_text=True)
    wrong = client.post(f"/meetings/{world.meeting.id}/archive", data={"confirmation": "别的会议"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "请输入会议名称“测试会议”以确认归档" in body and 'value="别的会议"' in body
    empty = client.post(f"/meetings/{world.meeting.id}/archive", data={"confirmation": ""})
    assert empty.status_code == 400 and "请输入会议名称以确认归档" in empty.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Meeting, world.meeting.id).is_closed


def test_archive_builds_in_the_background_with_progress_and_a_checked_manifest(client, login, world, monkeypatch):
    login(world.secretariat)
    response = client.post(f"/meetings/{world.meeting.id}/archive", data={"confirmation": world.meeting.name})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, world.meeting.id).is_closed
    queued = client.get(f"/meetings/{world.meeting.id}/archive/progress").get_json()
    assert queued["status"] == "queued" and queued["active"] and queued["closed"]
    assert "data-archive-progress" in client.get(f"/meetings/{world.meeting.id}/archive").get_data(as_text=True)
    assert client.get(f"/meetings/{world.meeting.id}/archive/download").status_code == 302  # not yet: back to the page

    reports = []
    original = services._report
    monkeypatch.setattr(services, "_report", lambda *args: (reports.append(args[2:]), original(*args))[1])
    assert "归档包已生成" in services.run_pending()
    assert [done for done, _total, _label in reports] == list(range(len(reports)))  # reported part by part
    assert reports[-1][2] == "写入校验清单" and len(reports) > 8

    done = client.get(f"/meetings/{world.meeting.id}/archive/progress").get_json()
    assert done["status"] == "done" and done["percent"] == 100 and done["download"]
    download = client.get(done["download"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.data
    job = services.latest_built(world.meeting.id)
    assert hashlib.sha256(data).hexdigest() == job.sha256 == download.headers["X-Archive-SHA256"]
    assert len(data) == job.size
    manifest = check_manifest(data)
    names = [item["path"] for item in manifest["files"]]
    assert job.file_count == len(names)
    folder = next(n.rsplit("/", 1)[0] for n in names if n.endswith("审签单.docx") and "常委会工作报告" in n)
    for expected in ("说明.txt", "01-材料/材料清单.xlsx", "02-议程与发言/议程.xlsx", "02-议程与发言/大会发言顺序.xlsx",
                     "03-出勤/出勤汇总.xlsx", "03-出勤/请假记录.xlsx", "04-任务台账/任务台账.xlsx",
                     "04-任务台账/办理记录.xlsx", "09-审计记录/审计记录.xlsx",
                     f"{folder}/定稿（公文格式）.docx", f"{folder}/版本/第1稿.txt", f"{folder}/版本/第2稿.txt",
                     f"{folder}/版本记录.xlsx", f"{folder}/审签单.docx"):
        assert expected in names, expected
    assert any(n.startswith("00-会议总结/") and n.endswith(".docx") for n in names)
    assert sum(n.startswith("03-出勤/签到表/") for n in names) == 2
    archive = read_zip(data)
    assert archive.read(f"{folder}/版本/第2稿.txt").decode("utf-8-sig").startswith("一、总体情况。")
    assert "（定稿）" in folder
    entries = [(action, message) for action, message in _entries(world.meeting.id) if action != "update"]
    assert [action for action, _ in entries][-2:] == ["归档", "归档包已生成"]
    assert job.sha256 in entries[-1][1]
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == world.secretariat.id,
                                                        Notification.subject.contains("归档包已生成")))


def test_the_audit_trail_and_ledger_in_the_archive_hold_the_meeting(world):
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id),
                             confirmation="测试会议")
    db.session.commit()
    services.run_pending()
    archive = read_zip(uploads.stored_path(services.latest_built(world.meeting.id).stored_name).read_bytes())
    ledger = load_workbook(io.BytesIO(archive.read("04-任务台账/任务台账.xlsx")))
    titles = {row[2] for row in ledger.active.iter_rows(values_only=True)}
    assert {"按时完成的任务", "逾期完成的任务", "仍在办理的任务", "取消的任务"} <= titles
    trail = load_workbook(io.BytesIO(archive.read("09-审计记录/审计记录.xlsx")))
    actions = {row[2] for row in trail.active.iter_rows(values_only=True)}
    assert "归档" in actions and "创建" in actions


def test_only_the_secretariat_archives_and_downloads(client, login, world):
    for role in ("leader", "group_lead", "staff", "member"):
        login(getattr(world, role))
        assert client.get(f"/meetings/{world.meeting.id}/archive").status_code == 403
        assert client.post(f"/meetings/{world.meeting.id}/archive",
                           data={"confirmation": world.meeting.name}).status_code == 403
    db.session.expire_all()
    assert not db.session.get(Meeting, world.meeting.id).is_closed


def test_reopen_is_for_an_administrator_with_a_reason(client, login, world):
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), confirmation="测试会议")
    db.session.commit()
    login(world.secretariat)
    assert client.get(f"/meetings/{world.meeting.id}/reopen").status_code == 403
    assert client.post(f"/meetings/{world.meeting.id}/reopen", data={"reason": "想改"}).status_code == 403
    login(world.admin)
    assert client.get(f"/meetings/{world.meeting.id}/reopen").status_code == 200
    missing = client.post(f"/meetings/{world.meeting.id}/reopen", data={"reason": "  "})
    assert missing.status_code == 400 and "请填写重新打开的原因" in missing.get_data(as_text=True)
    reopened = client.post(f"/meetings/{world.meeting.id}/reopen", data={"reason": "补录闭幕大会的签到"})
    assert reopened.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Meeting, world.meeting.id).is_closed
    assert ("重新打开", "重新打开已归档的会议。原因：补录闭幕大会的签到") in _entries(world.meeting.id)
    # the queued build was called off: a bundle shows the meeting as it was closed
    assert services.latest_archive(world.meeting.id).status == ArchiveStatus.FAILED
    assert services.run_pending() == "没有待生成的归档包"
    again = client.post(f"/meetings/{world.meeting.id}/reopen", data={"reason": "再来一次"})
    assert again.status_code == 409 and "没有归档" in again.get_data(as_text=True)


def test_rebuild_is_refused_while_one_is_under_way_and_for_an_open_meeting(client, login, world):
    login(world.secretariat)
    refused = client.post(f"/meetings/{world.meeting.id}/archive/rebuild", follow_redirects=True)
    assert "请先归档会议" in refused.get_data(as_text=True)
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), confirmation="测试会议")
    db.session.commit()
    busy = client.post(f"/meetings/{world.meeting.id}/archive/rebuild", follow_redirects=True)
    assert "归档包正在生成中" in busy.get_data(as_text=True)
    services.run_pending()
    assert client.post(f"/meetings/{world.meeting.id}/archive/rebuild").status_code == 302
    assert services.latest_archive(world.meeting.id).status == ArchiveStatus.QUEUED


def test_a_job_is_claimed_once_and_taken_up_again_when_its_builder_died(world):
    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), confirmation="测试会议")
    db.session.commit()
    first = services.claim_next()
    assert first is not None and first.status == ArchiveStatus.RUNNING and first.attempts == 1
    assert services.claim_next() is None  # held by its lease
    db.session.execute(update(MeetingArchive).values(lease_until=timeutil.now() - dt.timedelta(seconds=1)))
    db.session.commit()
    again = services.claim_next()
    assert again is not None and again.id == first.id and again.attempts == 2
    # the first builder, back from the dead, finds the job no longer its own and leaves it alone
    assert services._build(again.id, 1, again.meeting_id, None).endswith("归档任务已撤回")
    assert "归档包已生成" in services.build(db.session.get(MeetingArchive, again.id))


def test_a_failed_build_is_shown_and_can_be_queued_again(client, login, world, monkeypatch):
    from meetingprep.archive import bundle

    services.archive_meeting(world.secretariat, db.session.get(Meeting, world.meeting.id), confirmation="测试会议")
    db.session.commit()
    monkeypatch.setattr(bundle, "_audit", lambda *_args: (_ for _ in ()).throw(OSError("磁盘已满")))
    assert "生成失败" in services.run_pending()
    failed = services.latest_archive(world.meeting.id)
    assert failed.status == ArchiveStatus.FAILED and "磁盘已满" in failed.error
    assert not list((uploads.upload_root() / "archives").glob("*"))  # no half-written file left
    login(world.secretariat)
    page = client.get(f"/meetings/{world.meeting.id}/archive").get_data(as_text=True)
    assert "生成失败" in page and "重新生成归档包" in page
    monkeypatch.undo()
    assert client.post(f"/meetings/{world.meeting.id}/archive/rebuild").status_code == 302
    assert "归档包已生成" in services.run_pending()
