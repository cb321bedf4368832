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
