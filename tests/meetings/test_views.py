import datetime as dt

from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from tests import factories

FORM = {"name": "政协第十届攀枝花市委员会第四次会议", "short_name": "十届四次", "opens_at": "2027-01-10T09:00",
        "closes_at": "2027-01-14T12:00", "venue": "市会议中心", "description": ""}


def test_create_converts_local_time_to_utc(app, client, login_as):
    login_as("secretariat")
    response = client.post("/meetings/new", data=FORM)
    assert response.status_code == 302
    meeting = db.session.query(Meeting).one()
    assert meeting.opens_at == dt.datetime(2027, 1, 10, 1, 0, tzinfo=dt.UTC)
    assert meeting.is_current
    body = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "2027年1月10日 周日 09:00" in body and "变更记录" in body


def test_closing_before_opening_is_kept_with_a_chinese_message(app, client, login_as):
    login_as("secretariat")
    response = client.post("/meetings/new", data={**FORM, "closes_at": "2027-01-09T09:00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "闭幕时间必须晚于开幕时间" in body and 'value="2027-01-09T09:00"' in body
    assert db.session.query(Meeting).count() == 0


def test_edit_form_shows_local_times_and_a_stale_save_conflicts(app, client, login_as):
    login_as("admin")
    meeting = factories.make_meeting()
    db.session.commit()
    body = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    local = meeting.opens_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in body
    response = client.post(f"/meetings/{meeting.id}/edit", data={**FORM, "version_id": meeting.version_id + 5,
                                                                 "venue": "我填的会场"})
    assert response.status_code == 409
    assert "已被他人修改" in response.get_data(as_text=True) and "我填的会场" in response.get_data(as_text=True)


def test_set_current_moves_the_flag_and_is_audited(app, client, login_as):
    login_as("secretariat")
    old = factories.make_meeting(is_current=True)
    new = factories.make_meeting(is_current=False)
    db.session.commit()
    assert client.post(f"/meetings/{new.id}/current").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Meeting, old.id).is_current and db.session.get(Meeting, new.id).is_current
    changes = [e.changes for e in db.session.query(AuditEntry).filter_by(object_type="Meeting", action="update")]
    assert {"is_current": [False, True]} in changes and {"is_current": [True, False]} in changes


def test_member_sees_the_meeting_but_not_its_groups_or_trail(app, client, login_as):
    meeting = factories.make_meeting()
    factories.make_group(meeting, name="安全保卫组")
    login_as("member")
    body = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert meeting.name in body and "安全保卫组" not in body and "变更记录" not in body and "编辑" not in body


def test_meeting_list_query_count_is_fixed(app, client, login_as, count_queries):
    login_as("leader")

    def measure():
        with count_queries() as counter:
            assert client.get("/meetings/").status_code == 200
        return counter.count

    for _ in range(3):
        factories.make_group(factories.make_meeting(is_current=False))
    db.session.commit()
    small = measure()
    for _ in range(60):
        factories.make_group(factories.make_meeting(is_current=False))
    db.session.commit()
    assert measure() == small


def _edit_form(meeting, opens_at: dt.datetime, **extra) -> dict:
    local = dt.timezone(dt.timedelta(hours=8))
    return {**FORM, "opens_at": opens_at.astimezone(local).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens_at + dt.timedelta(days=4)).astimezone(local).strftime("%Y-%m-%dT%H:%M"),
            "version_id": meeting.version_id, **extra}


def test_moving_the_opening_previews_the_sittings_then_moves_the_open_ones(app, client, login_as):
    import re

    from meetingprep.attendance import services as attendance

    admin = login_as("admin")
    meeting = factories.make_meeting()
    opens = meeting.opens_at
    open_sitting = factories.make_sitting(meeting, name="预备会议", starts_in_minutes=600)
    closed_sitting = factories.make_sitting(meeting, name="常委会议", starts_in_minutes=-600)
    attendance.close_sitting(admin, closed_sitting)
    db.session.commit()
    open_start, closed_start = open_sitting.starts_at, closed_sitting.starts_at
    later = opens + dt.timedelta(days=2)

    preview = client.post(f"/meetings/{meeting.id}/edit", data=_edit_form(meeting, later, move_sittings="y"))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "推迟" in body and "2天" in body
    assert "预备会议" in body and "常委会议" not in body  # a closed sitting's roll stays where it happened
    db.session.expire_all()
    assert meeting.opens_at == opens and open_sitting.starts_at == open_start  # nothing changed yet

    seen = re.search(r'name="shift_seen"[^>]*value="([^"]+)"', body).group(1)
    moved = client.post(f"/meetings/{meeting.id}/edit",
                        data=_edit_form(meeting, later, move_sittings="y", shift_seen=seen))
    assert moved.status_code == 302
    db.session.expire_all()
    assert meeting.opens_at == later
    assert open_sitting.starts_at == open_start + dt.timedelta(days=2)
    assert closed_sitting.starts_at == closed_start
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "会次随开幕调整").count() == 1

    # Moved again, with the sittings left where they are; a different move than the one previewed is shown first.
    earlier = later - dt.timedelta(hours=3)
    again = client.post(f"/meetings/{meeting.id}/edit", data=_edit_form(meeting, earlier, shift_seen=seen))
    assert again.status_code == 200 and "提前" in again.get_data(as_text=True)
    seen = re.search(r'name="shift_seen"[^>]*value="([^"]+)"', again.get_data(as_text=True)).group(1)
    kept = client.post(f"/meetings/{meeting.id}/edit", data=_edit_form(meeting, earlier, shift_seen=seen))
    assert kept.status_code == 302
    db.session.expire_all()
    assert meeting.opens_at == earlier and open_sitting.starts_at == open_start + dt.timedelta(days=2)
