"""The demo holds last year's session, held and archived, with attendance and tasks to compare with; and the
demo meeting itself archives into a bundle whose manifest holds."""

from sqlalchemy import func, select

from meetingprep.archive import demo, services, summary
from meetingprep.attendance.models import Sitting, SittingTally
from meetingprep.auth.models import User
from meetingprep.demo import build_demo
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.records import comparison
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests.archive.test_archive import check_manifest


def test_last_years_archived_meeting_and_the_demo_meetings_archive(app, client, login):
    build_demo("small")
    current = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
    last = db.session.scalar(select(Meeting).where(Meeting.name == demo.NAME))
    assert last.is_closed and not last.is_current and last.closes_at < last.closed_at < current.opens_at
    statuses = dict(db.session.execute(select(Task.status, func.count()).where(Task.meeting_id == last.id)
                                       .group_by(Task.status)).all())
    assert set(statuses) == {TaskStatus.DONE} and statuses[TaskStatus.DONE] > 50
    late = db.session.scalar(select(func.count()).where(Task.meeting_id == last.id, Task.submitted_at > Task.due_at))
    assert 5 <= late < statuses[TaskStatus.DONE] // 3
    sittings = db.session.scalars(select(Sitting).where(Sitting.meeting_id == last.id)).all()
    assert len(sittings) == len(demo.SITTINGS) and all(s.is_closed for s in sittings)
    assert db.session.scalar(select(func.count(SittingTally.id)).where(
        SittingTally.sitting_id.in_([s.id for s in sittings])))

    figures = summary.figures(current)
    assert figures.previous.id == last.id
    extra = {section.title: section for section in figures.extra}
    materials, notices, opinions = extra["会议材料发放情况"], extra["通知公告阅读情况"], extra["分组讨论意见采纳情况"]
    assert materials.rows and "阅读率" in materials.paragraphs[0] and notices.rows  # the demo hands out and notifies
    assert "采纳率" in opinions.paragraphs[0]  # … and records discussion opinions
    assert 0.8 < figures.previous_attendance.rate < 0.97 and figures.trend_points is not None
    previous = summary.figures(last)
    assert previous.task_total.done == statuses[TaskStatus.DONE] and previous.task_total.late > 0

    # the comparison of meetings shows last year's line beside this one's, on /records/compare and the dashboard
    login(db.session.scalar(select(User).where(User.username == "mishu")))
    line = next(line for line in comparison.compare_meetings(now()) if line.meeting_id == last.id)
    assert line.attendance.rate_text == previous.attendance.rate_text and line.on_time_percent is not None
    page = client.get("/records/compare").get_data(as_text=True)
    row = page[page.index(f'data-meeting-id="{last.id}"'):]
    row = row[:row.index("</tr>")]
    assert last.display_name in row and line.attendance.rate_text in row and f"{line.on_time_percent}%" in row
    assert f'data-meeting-id="{current.id}"' in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    section = dashboard[dashboard.index('id="section-comparison"'):]
    assert last.display_name in section and line.attendance.rate_text in section

    # the current demo meeting archives, as the secretariat would do it
    response = client.post(f"/meetings/{current.id}/archive", data={"confirmation": current.short_name})
    assert response.status_code == 302
    assert "归档包已生成" in services.run_pending()
    data = client.get(f"/meetings/{current.id}/archive/download").data
    manifest = check_manifest(data)
    paths = [item["path"] for item in manifest["files"]]
    assert sum(p.endswith("审签单.docx") for p in paths) >= 10
    assert sum(p.startswith("03-出勤/签到表/") for p in paths) == 8
    assert {"05-会议材料/材料发放与阅读.xlsx", "06-通知公告/通知公告与回执.xlsx"} <= set(paths)
    assert any(p.startswith("07-分组讨论意见/") and p.endswith("意见采纳情况.xlsx") for p in paths)
