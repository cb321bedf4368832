"""会中 on the dashboard under a controlled clock (before the opening, during, after the closing), the 大会发言
order and who speaks now on the page and the wall, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, insert, select

from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.attendance.models import CheckIn, CheckInMethod, MemberProfile, Registration, Sitting
from meetingprep.dashboard import kiosk
from meetingprep.dashboard.models import DashboardSnapshot
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.meetings.models import Phase
from meetingprep.tasks.states import TaskStatus
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPEAKERS = ("张三（民建界）", "李四（教育界）", "王五（经济界）")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def plenary(app, role_users, time_machine):
    """A meeting from 1 March 09:00 to 5 March 12:00; on 2 March a 全体会议 09:00–12:00 whose 大会发言 (three
    oral speeches of 8 minutes from 09:00, one written) and 4 members (3 checked in, 2 registered), and a 分组讨论
    15:00–17:30; two 会中 tasks, one overdue by then."""
    time_machine.move_to(local(2027, 2, 20, 10, 0), tick=False)
    meeting, group = role_users["meeting"], role_users["group"]
    meeting.opens_at, meeting.closes_at = local(2027, 3, 1, 9, 0), local(2027, 3, 5, 12, 0)
    sitting = Sitting(meeting_id=meeting.id, kind="plenary", name="第二次全体会议", starts_at=local(2027, 3, 2, 9, 0),
                      ends_at=local(2027, 3, 2, 12, 0), venue="大礼堂")
    group_sitting = Sitting(meeting_id=meeting.id, kind="group", name="分组讨论", starts_at=local(2027, 3, 2, 15, 0),
                            ends_at=local(2027, 3, 2, 17, 30), venue="各讨论室")
    db.session.add_all([sitting, group_sitting])
    db.session.flush()
    members = [factories.make_member(meeting) for _ in range(4)]
    for member in members[:3]:
        db.session.add(CheckIn(sitting_id=sitting.id, member_id=member.id, checked_in_at=sitting.starts_at,
                               method=CheckInMethod.DESK))
    for member in members[:2]:
        db.session.add(Registration(meeting_id=meeting.id, member_id=member.id, registered_at=meeting.opens_at,
                                    method=CheckInMethod.DESK))
    item = AgendaItem(meeting_id=meeting.id, sitting_id=sitting.id, position=1, starts_at=sitting.starts_at,
                      kind=AgendaItemKind.SPEECHES, title="大会发言", slots=[])
    db.session.add(item)
    db.session.flush()
    for n, speaker in enumerate((*SPEAKERS, "赵六（农业界）")):
        speech = factories.make_document(meeting, title=f"发言稿{n + 1}", type_code="speech")
        speech.status = DocumentStatus.FINALIZED
        written = n == 3
        db.session.add(SpeechSlot(meeting_id=meeting.id, item_id=item.id, document_id=speech.id, position=n,
                                  mode=SpeechMode.WRITTEN if written else SpeechMode.ORAL,
                                  minutes=None if written else 8, speaker=speaker))
    factories.make_task(meeting, group, role_users["staff"], title="会中简报编印", phase=Phase.DURING,
                        due_at=local(2027, 3, 2, 8, 0))
    factories.make_task(meeting, group, role_users["staff"], title="闭幕式布置", phase=Phase.DURING,
                        due_at=local(2027, 3, 4, 18, 0))
    db.session.commit()
    return {"meeting": meeting, "sitting": sitting, "item": item}


def at(time_machine, login, user, moment: dt.datetime):
    time_machine.move_to(moment, tick=False)
    login(user)  # a login made at that moment (sessions end after SESSION_ABSOLUTE_HOURS)


def test_before_during_and_after_the_meeting(client, login, role_users, plenary, time_machine):
    leader = role_users["leader"]
    at(time_machine, login, leader, local(2027, 2, 28, 10, 0))
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="section-session"' not in html and "大会已开幕" not in html and "距开幕还有" in html
    assert client.get("/api/dashboard").get_json()["session"]["in_session"] is False

    at(time_machine, login, leader, local(2027, 3, 2, 9, 10))  # the second speaker has the floor
    html = client.get("/dashboard").get_data(as_text=True)
    assert "大会已开幕 · 第 2 天" in html
    assert html.index('id="section-session"') < html.index('id="section-overview"')  # it opens on 会中
    assert "正在发言：第 2 位 李四（教育界）《发言稿2》" in html
    assert "第二次全体会议" in html and "分组讨论" in html and "会中简报编印" in html
    data = client.get("/api/dashboard").get_json()["session"]
    plenary_row, group_row = data["sittings"]
    assert (plenary_row["present"], plenary_row["expected"], plenary_row["state"]) == (3, 4, "进行中")
    assert group_row["state"] == "未开始"
    assert data["registration"]["registered"] == 2 and data["registration"]["expected"] == 4
    # 报到 x/y opens the 未报到 list, each sitting's 实到 / 应到 its 未签到 list — not the whole roster — and the
    # leader looking at the dashboard may open both (without the members' phone numbers)
    missing = f"/attendance/sittings/{plenary['sitting'].id}/missing"
    assert data["registration"]["url"] == "/attendance/registration/missing"
    assert plenary_row["missing_url"] == missing
    assert 'href="/attendance/registration/missing"' in html and f'href="{missing}"' in html
    assert 'href="/attendance/roster"' not in html
    for url in (data["registration"]["url"], missing):
        page = client.get(url)
        assert page.status_code == 200 and "<th>手机</th>" not in page.get_data(as_text=True)
    rows = data["speeches"][0]["rows"]
    assert [r["speaker"] for r in rows] == list(SPEAKERS)  # oral only; the written one is listed apart
    assert [(r["is_done"], r["is_now"]) for r in rows] == [(True, False), (False, True), (False, False)]
    assert data["speeches"][0]["written"] == ["赵六（农业界）"]
    assert data["tasks"]["total"] == 2 and data["tasks"]["overdue"] == 1
    assert data["tasks"]["rows"][0]["title"] == "会中简报编印"  # overdue first
    # materials and notices are read from their receipts (none here)
    assert [(r["id"], r["available"], r["total"]) for r in data["read_rates"]] == [("materials", True, 0),
                                                                                   ("notices", True, 0)]
    assert "模块接入后显示" not in html

    at(time_machine, login, leader, local(2027, 3, 5, 12, 30))  # after the closing
    html = client.get("/dashboard").get_data(as_text=True)
    assert "大会已闭幕" in html and "大会已开幕" not in html and 'id="section-session"' not in html


def test_who_speaks_now_follows_the_clock_on_stored_figures(client, login, role_users, plenary, time_machine):
    at(time_machine, login, role_users["leader"], local(2027, 3, 2, 9, 15, 50))
    assert "第 2 位 李四" in client.get("/dashboard").get_data(as_text=True)
    computed = client.get("/api/dashboard").get_json()["generated_at"]
    time_machine.move_to(local(2027, 3, 2, 9, 16, 10), tick=False)  # the snapshot is still fresh
    html = client.get("/dashboard").get_data(as_text=True)
    assert "正在发言：第 3 位 王五（经济界）" in html
    assert client.get("/api/dashboard").get_json()["generated_at"] == computed  # the same stored figures
    time_machine.move_to(local(2027, 3, 2, 9, 40), tick=False)
    assert "口头发言已结束" in client.get("/dashboard").get_data(as_text=True)


def test_a_snapshot_from_before_the_opening_is_not_served_after_it(client, login, role_users, plenary, time_machine):
    at(time_machine, login, role_users["leader"], local(2027, 3, 1, 8, 59, 50))
    assert "大会已开幕" not in client.get("/dashboard").get_data(as_text=True)
    time_machine.move_to(local(2027, 3, 1, 9, 0, 10), tick=False)
    assert "大会已开幕 · 第 1 天" in client.get("/dashboard").get_data(as_text=True)


def test_the_wall_shows_the_speaking_order_during_a_speeches_sitting(client, login, role_users, plenary,
                                                                      time_machine):
    link = kiosk.create_link(role_users["secretariat"], plenary["meeting"], "主会场屏")
    db.session.commit()
    token = kiosk.token_for(link)
    at(time_machine, login, role_users["secretariat"], local(2027, 3, 2, 9, 2))
    for url in ("/dashboard/wall", f"/wall/{token}"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-list="session.wall_speeches"' in html
        assert "正在发言：第 1 位 张三（民建界）《发言稿1》" in html and "speech-slot is-now" in html
    figures = client.get(f"/wall/{token}/figures.json").get_json()["session"]
    assert [item["title"] for item in figures["wall_speeches"]] == ["大会发言"]

    at(time_machine, login, role_users["secretariat"], local(2027, 3, 2, 15, 30))  # the group discussion
    html = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "大会已开幕" in html and "正在发言" not in html
    assert client.get(f"/wall/{token}/figures.json").get_json()["session"]["wall_speeches"] == []


def test_the_session_section_costs_the_same_at_any_size(client, login, role_users, plenary, time_machine,
                                                         count_queries):
    meeting, sitting, item = plenary["meeting"], plenary["sitting"], plenary["item"]
    at(time_machine, login, role_users["leader"], local(2027, 3, 2, 9, 10))
    client.get("/api/dashboard")

    def computing() -> int:
        db.session.execute(delete(DashboardSnapshot))
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/api/dashboard").status_code == 200
        return counter.count

    small = computing()
    first, before = 1000, db.session.scalar(db.select(db.func.max(MemberProfile.id)))
    db.session.execute(insert(MemberProfile), [
        {"meeting_id": meeting.id, "member_no": f"{first + n:06d}", "name": f"委员{first + n}"} for n in range(200)])
    ids = db.session.scalars(db.select(MemberProfile.id).where(MemberProfile.id > before)).all()
    db.session.execute(insert(CheckIn), [{"sitting_id": sitting.id, "member_id": member_id,
                                          "checked_in_at": sitting.starts_at, "method": CheckInMethod.DESK}
                                         for member_id in ids[::2]])
    for n in range(20):
        speech = factories.make_document(meeting, title=f"更多发言{n}", type_code="speech")
        speech.status = DocumentStatus.FINALIZED
        db.session.add(SpeechSlot(meeting_id=meeting.id, item_id=item.id, document_id=speech.id, position=10 + n,
                                  mode=SpeechMode.ORAL, minutes=5))
    for n in range(30):
        factories.make_task(meeting, role_users["group"], role_users["staff"], title=f"会中任务{n}",
                            phase=Phase.DURING, status=TaskStatus.IN_PROGRESS, due_at=local(2027, 3, 3, 9, 0))
    db.session.commit()
    large = computing()
    data = client.get("/api/dashboard").get_json()["session"]
    assert data["sittings"][0]["expected"] == 204 and len(data["speeches"][0]["rows"]) == 23
    assert large == small


def test_the_materials_read_rate_comes_from_their_receipts(client, login, role_users, plenary, time_machine):
    from meetingprep.materials import services as material_services
    from meetingprep.materials.models import Audience
    from tests.materials.conftest import pdf_upload

    meeting = plenary["meeting"]
    reader = factories.make_user("member", display_name="读者委员")
    member = factories.make_member(meeting, user=reader)
    material = material_services.publish(role_users["secretariat"], meeting, material_services.PublishData(
        material_services.Scope(Audience.ALL), title="大会日程", file=pdf_upload()))
    material_services.record_reading(material, member, reader)
    db.session.commit()
    at(time_machine, login, role_users["leader"], local(2027, 3, 2, 9, 10))
    rates = {r["id"]: r for r in client.get("/api/dashboard").get_json()["session"]["read_rates"]}
    assert (rates["materials"]["read"], rates["materials"]["total"], rates["materials"]["percent"]) == (1, 5, 20)
    assert rates["notices"]["available"] is True and rates["notices"]["total"] == 0
    html = client.get("/dashboard").get_data(as_text=True)
    assert "材料阅读率：" in html and "（1 / 5）" in html


def test_the_notices_read_rate_comes_from_their_receipts(client, login, role_users, plenary, time_machine):
    from meetingprep.notices import services as notice_services
    from meetingprep.notices.models import NoticeCategory, NoticeRecipient, ScopeKind

    meeting = plenary["meeting"]
    reader = factories.make_user("member", display_name="读者委员")
    factories.make_member(meeting, user=reader)
    notice_services.create_notice(role_users["secretariat"], meeting, notice_services.NoticeData(
        category=NoticeCategory.DISCIPLINE, title="会议纪律要求", body="请准时出席。",
        scopes=[notice_services.ScopeChoice(ScopeKind.ALL_MEMBERS)]))
    receipt = db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == reader.id))
    notice_services.open_notice(reader, receipt)
    db.session.commit()
    total = db.session.scalar(select(func.count(NoticeRecipient.id)))
    at(time_machine, login, role_users["leader"], local(2027, 3, 2, 9, 10))
    rates = {r["id"]: r for r in client.get("/api/dashboard").get_json()["session"]["read_rates"]}
    assert (rates["notices"]["read"], rates["notices"]["total"]) == (1, total) and total > 1
    assert "通知阅读率：" in client.get("/dashboard").get_data(as_text=True)
