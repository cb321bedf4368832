"""我的日程 (#20): a member's sittings on all days — room (their discussion group's), 座区 where the sitting is
seated by area, their agenda items, their speaking slot, what to bring, leave — on a phone, in a fixed number
of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from meetingprep.agenda import services
from meetingprep.agenda.models import AgendaItemKind, SpeechMode
from meetingprep.extensions import db
from tests import factories
from tests.agenda.conftest import finalized_speech, item_data


@pytest.fixture
def schedule_world(role_users):
    meeting, sec = role_users["meeting"], role_users["secretariat"]
    g1 = factories.make_discussion_group(meeting, "第一组")
    g2 = factories.make_discussion_group(meeting, "第二组")
    zhang = factories.make_member(meeting, name="张三", member_no="0001", group=g1, user=role_users["member"])
    zhang.seat_area = "一楼 A 区 3 排 12 座"
    day = 24 * 60
    opening = factories.make_sitting(meeting, name="开幕大会", kind="opening", starts_in_minutes=day)
    opening.seated, opening.bring_note = True, "请携带委员证；着正装；8:50 前入场。"
    group = factories.make_sitting(meeting, name="分组讨论（一）", kind="group", starts_in_minutes=day + 360,
                                   expectation="groups", groups=[g1, g2])
    speeches = factories.make_sitting(meeting, name="全体会议（大会发言）", starts_in_minutes=2 * day)
    standing = factories.make_sitting(meeting, name="常委会议", kind="standing", expectation="standing",
                                      starts_in_minutes=2 * day + 300)
    services.add_item(sec, opening, item_data(opening, title="听取常委会工作报告"))
    services.add_item(sec, group, item_data(group, AgendaItemKind.GROUP, "第一组：审议常委会工作报告",
                                            room="驻地二楼 201 会议室", discussion_group_id=g1.id))
    services.add_item(sec, group, item_data(group, AgendaItemKind.GROUP, "第二组：审议常委会工作报告",
                                            room="驻地二楼 202 会议室", discussion_group_id=g2.id))
    speech_item = services.add_item(sec, speeches, item_data(speeches, AgendaItemKind.SPEECHES, "大会发言"))
    other = factories.make_user("member", display_name="李委员")
    services.add_speech(sec, speech_item, finalized_speech(role_users, "关于钒钛产业延链补链的发言", member=other),
                        mode=SpeechMode.ORAL, minutes=10)
    services.add_speech(sec, speech_item, finalized_speech(role_users, "关于擦亮阳光康养名片的发言"),
                        mode=SpeechMode.ORAL, minutes=8)
    factories.make_leave(zhang, [speeches], requested_by=role_users["member"])
    db.session.commit()
    return {**role_users, "zhang": zhang, "opening": opening, "group": group, "speeches": speeches,
            "standing": standing, "g2": g2, "speech_item": speech_item}


def test_the_schedule_shows_rooms_seat_items_slot_and_what_to_bring(client, login, schedule_world):
    w = schedule_world
    login(w["member"])
    response = client.get("/agenda/schedule")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("开幕大会") < html.index("分组讨论（一）") < html.index("全体会议（大会发言）")
    assert "常委会议" not in html  # not expected there
    assert "一楼 A 区 3 排 12 座" in html and html.count("座区</dt>") == 1  # only the sitting seated by area
    assert "请携带委员证；着正装；8:50 前入场。" in html and "听取常委会工作报告" in html
    # their own group's room and item, not the other group's
    assert "驻地二楼 201 会议室" in html and "驻地二楼 202 会议室" not in html and "第二组：" not in html
    assert "口头发言第 2 位" in html and "限时 8 分钟" in html and "关于擦亮阳光康养名片的发言" in html
    assert "请假待审批" in html and "市会议中心大礼堂" in html
    starts = w["speeches"].starts_at + dt.timedelta(minutes=10)
    from meetingprep.timeutil import format_time

    assert f"预计 {format_time(starts)} 开始" in html
    assert 'href="/agenda/schedule"' in client.get("/").get_data(as_text=True)  # from the member's home and nav


def test_who_sees_a_schedule(client, login, schedule_world, role_users):
    for role in ("staff", "leader", "secretariat"):
        login(role_users[role])
        assert client.get("/agenda/schedule").status_code == 403, role
    login(factories.make_user("member", display_name="名册外委员"))
    db.session.commit()
    page = client.get("/agenda/schedule")
    assert page.status_code == 200 and "尚未被列入本次会议的委员名册" in page.get_data(as_text=True)


def test_an_item_for_another_meetings_group_is_refused(client, login, schedule_world, role_users):
    foreign = factories.make_discussion_group(factories.make_meeting(is_current=False), "外组")
    db.session.commit()
    login(role_users["secretariat"])
    sitting = schedule_world["group"]
    data = {"starts_at": "", "kind": "group", "title": "外组讨论", "room": "301",
            "discussion_group_id": str(foreign.id)}
    from meetingprep.timeutil import to_local

    data["starts_at"] = to_local(sitting.starts_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "所选讨论组不在本次会议中" in text and "外组讨论" in text
    for hostile in ("abc", "-5", "9" * 40, "\x00"):
        data["discussion_group_id"] = hostile
        assert client.post(f"/agenda/sittings/{sitting.id}/items", data=data).status_code < 500, hostile
    data["discussion_group_id"] = str(schedule_world["g2"].id)
    assert client.post(f"/agenda/sittings/{sitting.id}/items", data=data).status_code == 302
    assert "第二组" in client.get(f"/agenda/sittings/{sitting.id}").get_data(as_text=True)


def test_the_schedule_costs_the_same_whatever_the_roster_and_agenda(client, login, schedule_world, count_queries):
    w = schedule_world
    login(w["member"])

    def cost() -> int:
        client.get("/agenda/schedule")
        with count_queries() as counter:
            assert client.get("/agenda/schedule").status_code == 200
        return counter.count

    before = cost()
    for n in range(20):
        factories.make_member(w["meeting"], member_no=f"9{n:03d}", group=w["g2"])
        services.add_item(w["secretariat"], w["group"], item_data(
            w["group"], AgendaItemKind.GROUP, f"第二组补充议题{n}", room="202", discussion_group_id=w["g2"].id))
    services.add_item(w["secretariat"], w["opening"], item_data(w["opening"], title="听取提案工作情况报告"))
    db.session.commit()
    assert cost() == before


def test_a_speaker_reads_the_whole_published_order_from_their_schedule(client, login, schedule_world, role_users):
    """The order "shows to the speakers": from 我的日程 a speaker opens the item's 大会发言顺序 — everyone's place,
    name, title and minutes, read-only; not the arranging page, not the reopened speeches (internal), and a member
    who does not speak there is refused."""
    w = schedule_world
    item = w["speech_item"]
    order_url = f"/agenda/items/{item.id}/speeches/print"
    dropped = finalized_speech(role_users, "关于重新修改的发言", member=factories.make_user("member"))
    services.add_speech(w["secretariat"], item, dropped, mode=SpeechMode.ORAL, minutes=5)
    from tests.agenda.conftest import reopen

    reopen(role_users, dropped)
    db.session.commit()
    login(w["member"])
    assert f'href="{order_url}"' in client.get("/agenda/schedule").get_data(as_text=True)
    assert f'href="{order_url}"' in client.get("/agenda/mine").get_data(as_text=True)
    response = client.get(order_url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "大会发言顺序" in html
    # the other speaker first, with their title and minutes, then this member
    assert html.index("李委员") < html.index("关于钒钛产业延链补链的发言") < html.index("关于擦亮阳光康养名片的发言")
    assert "10 分钟" in html and "8 分钟" in html
    assert "关于重新修改的发言" not in html and "已重新打开" not in html  # the secretariat's business
    assert client.get(f"/agenda/items/{item.id}/speeches").status_code == 403  # the arranging page stays closed

    login(factories.make_user("member"))  # a member without a slot in it
    db.session.commit()
    assert client.get(order_url).status_code == 403
    login(w["secretariat"])
    assert "另有 1 篇发言稿已重新打开" in client.get(order_url).get_data(as_text=True)
