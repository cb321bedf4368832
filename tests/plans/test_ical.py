import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.tasks.models import TaskCoworker
from meetingprep.tasks.states import TaskStatus
from tests import factories
from tests.plans.helpers import local, make_plan_task, meeting_opening, staffed_group


@pytest.fixture
def person(app, time_machine):
    time_machine.move_to(local(2026, 12, 1, 10), tick=False)
    meeting = meeting_opening(local(2026, 12, 20, 9), name="政协第十届攀枝花市委员会第四次会议")
    hui, lead = staffed_group(meeting, "会务组", "wanghw", "王会务")
    staff = factories.make_user("staff", username="ligs", display_name="李干事", group=hui)
    owned = make_plan_task(meeting, hui, staff, title="印制证件", due_at=local(2026, 12, 13, 17))
    helped = make_plan_task(meeting, hui, lead, title="布置会场", due_at=local(2026, 12, 18, 17))
    db.session.add(TaskCoworker(task_id=helped.id, user_id=staff.id))
    make_plan_task(meeting, hui, staff, title="已办结的任务", due_at=local(2026, 12, 3, 17),
                        status=TaskStatus.DONE)
    make_plan_task(meeting, hui, lead, title="别人的任务", due_at=local(2026, 12, 4, 17))
    db.session.commit()
    return {"staff": staff, "owned": owned, "helped": helped}


def _subscribe(client, login, user) -> str:
    login(user)
    assert client.post("/plans/ical/regenerate").status_code == 302
    db.session.refresh(user)
    return user.ical_token


def test_feed_lists_owned_and_coworked_open_deadlines_with_a_reminder_the_day_before(person, client, login):
    token = _subscribe(client, login, person["staff"])
    assert len(token) >= 40
    page = client.get("/plans/ical").get_data(as_text=True)
    assert f"/plans/ical/{token}.ics" in page
    login(None)

    response = client.get(f"/plans/ical/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"【截止】印制证件", "【截止】布置会场"}
    owned = events["【截止】印制证件"]
    assert owned.decoded("dtstart") == local(2026, 12, 13, 17)
    assert "会务组" in str(owned["description"]) and "责任人" in str(owned["description"])
    assert str(owned["url"]).endswith(f"/tasks/{person['owned'].id}")
    assert "协办" in str(events["【截止】布置会场"]["description"])
    alarm = owned.walk("VALARM")[0]
    assert alarm.decoded("trigger") == -dt.timedelta(days=1) and str(alarm["action"]) == "DISPLAY"
    assert str(calendar["x-wr-calname"]).endswith("李干事的任务节点")


def test_regenerated_and_revoked_tokens_give_a_plain_404(person, client, login):
    staff = person["staff"]
    first = _subscribe(client, login, staff)
    second = _subscribe(client, login, staff)
    assert first != second
    assert client.get(f"/plans/ical/{first}.ics").status_code == 404
    assert client.get(f"/plans/ical/{second}.ics").status_code == 200
    assert client.post("/plans/ical/revoke").status_code == 302
    db.session.refresh(staff)
    assert staff.ical_token is None
    response = client.get(f"/plans/ical/{second}.ics")
    assert response.status_code == 404 and response.mimetype == "text/plain"
    assert "无效或已停用" in response.get_data(as_text=True)
    assert "还没有开启日历订阅" in client.get("/plans/ical").get_data(as_text=True)
    messages = list(db.session.scalars(select(AuditEntry.message).where(AuditEntry.object_type == "User",
                                                                       AuditEntry.object_id == staff.id)))
    assert any("停用了日历订阅地址" in m for m in messages)


@pytest.mark.parametrize("token", ["unknown", "x" * 300, "a.b"])
def test_unknown_tokens_are_404_not_500(person, client, token):
    assert client.get(f"/plans/ical/{token}.ics").status_code == 404


def test_a_nul_byte_in_the_token_is_a_bad_request(person, client):
    assert client.get("/plans/ical/%00.ics").status_code == 400  # refused before routing (ops)


def test_deactivated_user_feed_stops(person, client, login):
    staff = person["staff"]
    token = _subscribe(client, login, staff)
    staff.is_active_account = False
    db.session.commit()
    login(None)
    assert client.get(f"/plans/ical/{token}.ics").status_code == 404


def test_feed_links_name_the_mount_point_once_when_the_site_is_mounted_under_a_path(app, person, client, login):
    """BASE_URL already carries the mount point; the feed's task links must not add it a second time."""
    token = _subscribe(client, login, person["staff"])
    login(None)
    app.config["BASE_URL"] = "https://prep.example.org/prep"
    response = client.get(f"/plans/ical/{token}.ics", base_url="http://localhost/prep")
    urls = {str(e["url"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
    assert f"https://prep.example.org/prep/tasks/{person['owned'].id}" in urls
