"""Moving the opening in a browser: the secretariat edits the meeting's opening two days later, sees which
sittings would move (old → new start, a closed sitting left out), confirms, and finds the sittings and their
agenda at their new times."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from meetingprep import timeutil
from meetingprep.agenda import services as agenda
from meetingprep.agenda.models import AgendaItemKind
from meetingprep.attendance import services as attendance
from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories
from tests.e2e.conftest import log_in


def _field(moment: dt.datetime) -> str:
    return timeutil.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_moving_the_opening_previews_and_moves_the_sittings(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        secretariat = factories.make_user(Role.SECRETARIAT, username="mishu", display_name="秘书处甲")
        opening = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=3 * 24 * 60)
        held = factories.make_sitting(meeting, name="常委会议", starts_in_minutes=-120)
        attendance.close_sitting(secretariat, held)
        report = agenda.add_item(secretariat, opening, agenda.ItemData(
            starts_at=opening.starts_at + dt.timedelta(minutes=30), kind=AgendaItemKind.PLENARY,
            title="听取常委会工作报告"))
        db.session.commit()
        ids = meeting.id, opening.id, report.id
        opens, closes, opening_starts = meeting.opens_at, meeting.closes_at, opening.starts_at
        report_starts = report.starts_at
    shift = dt.timedelta(days=2)

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/meetings/{ids[0]}/edit")
    page.get_by_role("textbox", name="开幕时间").fill(_field(opens + shift))
    page.get_by_role("textbox", name="闭幕时间").fill(_field(closes + shift))
    expect(page.get_by_label("会次随开幕时间一起平移（已结束签到的会次不动）")).to_be_checked()
    page.get_by_role("button", name="保存").click()

    preview = page.get_by_role("status")
    expect(preview).to_contain_text("开幕时间将推迟 2天")
    row = preview.get_by_role("row", name="开幕大会")
    expect(row).to_contain_text(timeutil.format_datetime(opening_starts))
    expect(row).to_contain_text(timeutil.format_datetime(opening_starts + shift))
    expect(preview).not_to_contain_text("常委会议")  # its roll is frozen where it happened
    with live_server.data():
        assert db.session.get(type(meeting), ids[0]).opens_at == opens  # nothing saved by the preview

    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").or_(page.locator(".alert-success"))).to_be_visible()
    page.goto(f"{live_server.url}/attendance/sittings/{ids[1]}")
    expect(page.get_by_text(timeutil.format_datetime(opening_starts + shift)).first).to_be_visible()
    # the agenda moved with its sitting: the item keeps its half hour after the start, two days later
    page.goto(f"{live_server.url}/agenda/sittings/{ids[1]}")
    expect(page.get_by_role("row", name="听取常委会工作报告")).to_contain_text(
        timeutil.format_time(report_starts + shift))
    page.goto(f"{live_server.url}/agenda/items/{ids[2]}/edit")
    expect(page.get_by_label("开始时间")).to_have_value(_field(report_starts + shift))
    with live_server.data():
        from meetingprep.agenda.models import AgendaItem
        from meetingprep.attendance.models import Sitting

        db.session.expire_all()
        assert db.session.get(Sitting, ids[1]).starts_at == opening_starts + shift
        assert db.session.get(AgendaItem, ids[2]).starts_at == report_starts + shift
        assert db.session.get(type(meeting), ids[0]).opens_at == opens + shift
