"""Following up who is missing (#20): the 未签到 / 未报到 lists and their filters, reminders through the real
channels (in-app and e-mail over SMTP on loopback), the printed list for phoning, follow-up items written when
a sitting's roll freezes (never for approved leave) and resolved with a note, each audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from meetingprep.attendance import queries, services
from meetingprep.attendance.models import (
    AbsenceFollowUp,
    CheckInMethod,
    FollowUpOutcome,
    RollStatus,
    SittingRollEntry,
)
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.notifications.outbox import deliver_due
from tests import factories
from tests.notifications.conftest import clock, mail_config, smtp_server  # noqa: F401  (fixtures)

ABSENT_SUBJECT = "【签到提醒】开幕大会已开始签到，您尚未签到"


@pytest.fixture
def app_config(app_config, mail_config):  # noqa: F811
    return {**app_config, **mail_config}


@pytest.fixture
def world(role_users, clock):  # noqa: F811
    """开幕大会 began five minutes ago (09:00, check-in open). 张三 (中共, 第一组, 常委) and 李四 (民盟, 第二组)
    have accounts and have not checked in; 王五 (民盟, 第一组) has no account; 赵六 is on approved leave; 钱七
    checked in."""
    clock(2027, 1, 12, 9, 5)
    meeting = role_users["meeting"]
    g1 = factories.make_discussion_group(meeting, "第一组")
    g2 = factories.make_discussion_group(meeting, "第二组")
    accounts = {name: factories.make_user("member", display_name=name, email=f"{pinyin}@zx.example.cn")
                for name, pinyin in (("李四", "lisi"), ("赵六", "zhaoliu"), ("钱七", "qianqi"))}
    make = factories.make_member
    people = {
        "zhang": make(meeting, name="张三", member_no="0001", sector="中共", group=g1, is_standing=True,
                      user=role_users["member"]),
        "li": make(meeting, name="李四", member_no="0002", sector="民盟", group=g2, user=accounts["李四"]),
        "wang": make(meeting, name="王五", member_no="0003", sector="民盟", group=g1),
        "zhao": make(meeting, name="赵六", member_no="0004", sector="中共", group=g2, user=accounts["赵六"]),
        "qian": make(meeting, name="钱七", member_no="0005", sector="民盟", group=g2, user=accounts["钱七"]),
    }
    for number, member in enumerate(people.values(), start=1):
        member.phone = f"1390000000{number}"
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-5)
    factories.make_leave(people["zhao"], [sitting], status="approved")
    services.check_in(role_users["secretariat"], sitting, people["qian"], method=CheckInMethod.DESK)
    db.session.commit()
    return {**role_users, **people, "sitting": sitting, "g1": g1, "g2": g2, "accounts": accounts}


def names_in(html: str) -> set[str]:
    return {name for name in ("张三", "李四", "王五", "赵六", "钱七") if f">{name}<" in html}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# ── the lists and their filters ────────────────────────────────────────────────────────────────────
def test_the_absent_list_shows_who_has_not_checked_in_and_filters_them(client, login, world):
    login(world["secretariat"])
    url = f"/attendance/sittings/{world['sitting'].id}/missing"
    html = page(client, url)
    assert names_in(html) == {"张三", "李四", "王五"}  # not 赵六 (approved leave), not 钱七 (checked in)
    assert "3 人" in html and "13900000003" in html and "无账号" in html
    g1, g2 = world["g1"].id, world["g2"].id
    assert names_in(page(client, f"{url}?sector=民盟")) == {"李四", "王五"}
    assert names_in(page(client, f"{url}?group={g1}")) == {"张三", "王五"}
    assert names_in(page(client, f"{url}?standing=1")) == {"张三"}
    assert names_in(page(client, f"{url}?sector=民盟&group={g2}")) == {"李四"}
    filtered = page(client, f"{url}?sector=民盟&group={g1}")
    assert "筛选：界别：民盟；讨论组：第一组" in filtered
    assert 'value="民盟"' in filtered  # the remind form posts the same filter
    # hostile or malformed filters are ignored, never a 500
    for query in ("group=abc", "group=99999999999999", "standing=yes", "page=-3", "page=9999999999999999",
                  "sector=" + "界" * 300, "group=0"):
        assert client.get(f"{url}?{query}").status_code == 200, query
    assert client.get(f"{url}?sector=%00x").status_code == 400  # NUL is refused before any view (web.py)


def test_a_pending_leave_request_is_flagged_and_only_the_secretariat_sees_phones(client, login, world):
    factories.make_leave(world["li"], [world["sitting"]], requested_by=world["accounts"]["李四"])
    db.session.commit()
    url = f"/attendance/sittings/{world['sitting'].id}/missing"
    login(world["secretariat"])
    assert "请假待审批" in page(client, url)
    login(world["staff"])
    html = page(client, url)
    assert names_in(html) == {"张三", "李四", "王五"} and "13900000001" not in html and "一键提醒" not in html
    assert "打印电话联系名单" not in html
    assert client.get(f"{url}/print").status_code == 403
    login(world["member"])
    assert client.get(url).status_code == 403


def test_the_unregistered_list_leaves_out_who_registered(client, login, world):
    services.register(world["secretariat"], world["zhang"], method=CheckInMethod.DESK)
    services.register(world["secretariat"], world["qian"], method=CheckInMethod.DESK)
    db.session.commit()
    login(world["secretariat"])
    html = page(client, "/attendance/registration/missing")
    assert names_in(html) == {"李四", "王五", "赵六"} and "未报到名单" in html
    assert names_in(page(client, "/attendance/registration/missing?sector=中共")) == {"赵六"}
    assert names_in(page(client, f"/attendance/registration/missing?group={world['g1'].id}")) == {"王五"}
    assert names_in(page(client, "/attendance/registration/missing?standing=1")) == set()
    # the overview's count now opens the list, not the whole roster
    assert 'href="/attendance/registration/missing"' in page(client, "/attendance/")


# ── reminding them through their channels ────────────────────────────────────────────────────────
def test_remind_the_absent_of_one_sector_through_in_app_and_email(client, login, world, smtp_server):  # noqa: F811
    login(world["secretariat"])
    sitting = world["sitting"]
    response = client.post(f"/attendance/sittings/{sitting.id}/missing/remind", data={"sector": "民盟"})
    assert response.status_code == 302
    assert "sector=" in response.headers["Location"] and "/missing" in response.headers["Location"]
    flashed = page(client, response.headers["Location"])
    assert "已向 1 位委员发送提醒" in flashed and "另有 1 人没有登录账号" in flashed
    notes = db.session.scalars(select(Notification).where(Notification.kind == "attendance.absent")).all()
    assert [n.recipient_id for n in notes] == [world["accounts"]["李四"].id]
    assert notes[0].subject == ABSENT_SUBJECT and notes[0].link == "/agenda/schedule"
    assert deliver_due().sent == 1
    [mail] = smtp_server.messages
    assert mail["To"] == "lisi@zx.example.cn" and mail["Subject"] == ABSENT_SUBJECT
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "开幕大会" in body and "市会议中心大礼堂" in body and "https://chouBei.example.cn/agenda/schedule" in body
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "remind_missing")).all()
    assert entry.actor_id == world["secretariat"].id and entry.object_type == "Sitting"
    assert entry.message == "提醒未签到委员 1 人（界别：民盟）；1 人无登录账号，需电话联系"
    # a second click within the minute sends nothing twice
    client.post(f"/attendance/sittings/{sitting.id}/missing/remind", data={"sector": "民盟"})
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "attendance.absent")) == 1


def test_remind_everyone_unregistered(client, login, world, smtp_server):  # noqa: F811
    services.register(world["secretariat"], world["li"], method=CheckInMethod.DESK)
    db.session.commit()
    login(world["secretariat"])
    response = client.post("/attendance/registration/missing/remind", data={})
    assert response.status_code == 302
    recipients = set(db.session.scalars(select(Notification.recipient_id)
                                        .where(Notification.kind == "attendance.unregistered")))
    assert recipients == {world["member"].id, world["accounts"]["赵六"].id, world["accounts"]["钱七"].id}
    deliver_due()
    assert sorted(m["To"] for m in smtp_server.messages) == ["qianqi@zx.example.cn", "zhaoliu@zx.example.cn"]
    assert smtp_server.messages[0]["Subject"].startswith("【报到提醒】请到")
    assert db.session.scalar(select(AuditEntry.message).where(AuditEntry.action == "remind_missing")) \
        == "提醒未报到委员 3 人（全部）；1 人无登录账号，需电话联系"


def test_refused_reminders_say_why_in_chinese_and_keep_the_filter(client, login, world):
    meeting, sitting = world["meeting"], world["sitting"]
    login(world["secretariat"])
    nobody = client.post(f"/attendance/sittings/{sitting.id}/missing/remind",
                         data={"sector": "民革", "group": str(world["g1"].id)})
    text = nobody.get_data(as_text=True)
    assert nobody.status_code == 400 and "筛选范围（界别：民革；讨论组：第一组）内没有未签到的委员，无需提醒" in text
    assert 'value="民革"' in text  # the filter is kept in the form
    only_phone = client.post(f"/attendance/sittings/{sitting.id}/missing/remind",
                             data={"sector": "民盟", "group": str(world["g1"].id)})
    assert only_phone.status_code == 400 and "都没有登录账号" in only_phone.get_data(as_text=True)
    later = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=3 * 24 * 60)
    db.session.commit()
    early = client.post(f"/attendance/sittings/{later.id}/missing/remind", data={})
    assert early.status_code == 409 and "签到开放后才能提醒" in early.get_data(as_text=True)
    services.close_sitting(world["secretariat"], sitting)
    db.session.commit()
    closed = client.post(f"/attendance/sittings/{sitting.id}/missing/remind", data={"sector": "民盟"})
    assert closed.status_code == 409 and "已结束签到，不再发送签到提醒" in closed.get_data(as_text=True)
    for hostile in ({"group": "x" * 5000}, {"standing": "\x00"}, {"sector": "=cmd|' /C calc'!A0"}):
        assert client.post(f"/attendance/sittings/{sitting.id}/missing/remind", data=hostile).status_code < 500
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "attendance.absent")) == 0


def test_who_may_remind(client, login, world):
    sitting = world["sitting"]
    url = f"/attendance/sittings/{sitting.id}/missing/remind"
    for role in ("staff", "group_lead", "leader", "member"):
        login(world[role])
        assert client.post(url, data={}).status_code == 403, role
    factories.make_duty(world["staff"], sitting)  # whoever runs the desk may remind
    db.session.commit()
    login(world["staff"])
    assert client.post(url, data={}).status_code == 302
    assert client.post("/attendance/registration/missing/remind", data={}).status_code == 403  # not the meeting's


# ── the printed list for phoning ─────────────────────────────────────────────────────────────────
def test_the_printed_list_has_name_sector_phone_on_a4(client, login, world):
    login(world["secretariat"])
    html = page(client, f"/attendance/sittings/{world['sitting'].id}/missing/print?sector=民盟")
    assert "开幕大会 未签到委员电话联系名单" in html and "界别：民盟 · 共 2 人" in html
    assert names_in(html) == {"李四", "王五"}
    assert "13900000002" in html and "13900000003" in html and "联系情况" in html
    assert re.search(r'<tr class="print-only"><th colspan="\d+"', html)  # the title repeats on every page
    assert "css/app.css" in html  # @page A4, 第 N 页 共 M 页
    unregistered = page(client, "/attendance/registration/missing/print")
    assert "未报到委员电话联系名单" in unregistered and len(names_in(unregistered)) == 5


# ── follow-up items when a sitting closes ───────────────────────────────────────────────────────────
def _items(sitting_id: int) -> dict[str, AbsenceFollowUp]:
    db.session.expire_all()
    rows = db.session.scalars(select(AbsenceFollowUp).where(AbsenceFollowUp.sitting_id == sitting_id))
    return {item.name: item for item in rows}


def test_closing_a_sitting_lists_each_absence_without_leave_for_follow_up(client, login, world):
    sitting = world["sitting"]
    factories.make_leave(world["li"], [sitting], requested_by=world["accounts"]["李四"])  # pending: not leave
    db.session.commit()
    login(world["secretariat"])
    assert client.post(f"/attendance/sittings/{sitting.id}/close").status_code == 302
    items = _items(sitting.id)
    assert set(items) == {"张三", "李四", "王五"}  # 赵六's approved leave and 钱七's check-in make no item
    assert all(i.is_open and i.sector and i.member_id for i in items.values())
    assert db.session.scalar(select(AuditEntry.message).where(AuditEntry.action == "close")) \
        == "结束签到，冻结名单；3 名无假缺席的委员列入缺席跟进"
    listed = page(client, "/attendance/follow-ups")
    assert all(name in listed for name in ("张三", "李四", "王五")) and "钱七" not in listed
    assert "待跟进" in listed and "13900000001" in listed
    home = page(client, "/")
    assert 'id="follow-ups"' in home and "缺席待跟进" in home and "王五" in home
    # reopened by mistake: open items go with the frozen roll; closed again: written again, no duplicates
    services.resolve_follow_up(world["secretariat"], items["王五"], FollowUpOutcome.UNEXCUSED, "电话未接通",
                               version_id=items["王五"].version_id)
    services.reopen_sitting(world["secretariat"], sitting)
    db.session.commit()
    assert set(_items(sitting.id)) == {"王五"}
    services.close_sitting(world["secretariat"], sitting)
    db.session.commit()
    again = _items(sitting.id)
    assert set(again) == {"张三", "李四", "王五"} and not again["王五"].is_open


def test_correcting_the_frozen_roll_keeps_the_follow_ups_true(world):
    sitting, secretariat = world["sitting"], world["secretariat"]
    services.close_sitting(secretariat, sitting)
    services.correct_record(secretariat, sitting, world["zhang"], RollStatus.PRESENT, "纸质签到表上有签名")
    services.correct_record(secretariat, sitting, world["qian"], RollStatus.ABSENT, "代签，本人未到")
    db.session.commit()
    assert set(_items(sitting.id)) == {"李四", "王五", "钱七"}


def test_resolve_a_follow_up_with_a_note(client, login, world):
    sitting = world["sitting"]
    services.close_sitting(world["secretariat"], sitting)
    db.session.commit()
    items = _items(sitting.id)
    login(world["secretariat"])
    url = f"/attendance/follow-ups/{items['张三'].id}"
    form = page(client, url)
    assert "已联系" in form and "补假" in form and "无故缺席" in form and "13900000001" in form
    missing_outcome = client.post(url, data={"note": "已电话联系", "version_id": "1"})
    text = missing_outcome.get_data(as_text=True)
    assert missing_outcome.status_code == 400 and "请选择处理结果" in text and "已电话联系" in text  # input kept
    no_note = client.post(url, data={"outcome": "contacted", "note": "  ", "version_id": "1"})
    assert no_note.status_code == 400 and "请填写处理说明" in no_note.get_data(as_text=True)
    bad = client.post(url, data={"outcome": "forgiven", "note": "x", "version_id": "1"})
    assert bad.status_code == 400
    stale = client.post(url, data={"outcome": "contacted", "note": "已联系", "version_id": "7"})
    assert stale.status_code == 409 and "已联系" in stale.get_data(as_text=True)
    done = client.post(url, data={"outcome": "contacted", "note": "已电话联系，临时有接待任务", "version_id": "1"})
    assert done.status_code == 302
    item = _items(sitting.id)["张三"]
    assert (item.outcome, item.note, item.resolved_by_id) == (FollowUpOutcome.CONTACTED, "已电话联系，临时有接待任务",
                                                              world["secretariat"].id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "AbsenceFollowUp",
                                                       AuditEntry.action == "update"))
    assert entry.changes["outcome"] == [None, "contacted"] and entry.actor_id == world["secretariat"].id
    again = client.post(url, data={"outcome": "unexcused", "note": "再次处理", "version_id": "2"})
    text = again.get_data(as_text=True)
    assert again.status_code == 409 and "处理为“已联系”，您的处理没有保存" in text and "再次处理" in text
    assert client.get("/attendance/follow-ups/99999999999").status_code == 404
    assert client.get("/attendance/follow-ups/2147483647").status_code == 404
    login(world["staff"])
    assert client.get(url).status_code == 403 and client.get("/attendance/follow-ups").status_code == 403


def test_leave_granted_afterwards_counts_as_leave(client, login, world):
    sitting = world["sitting"]
    services.close_sitting(world["secretariat"], sitting)
    db.session.commit()
    before = queries.sitting_counts(sitting)
    item = _items(sitting.id)["李四"]
    login(world["secretariat"])
    response = client.post(f"/attendance/follow-ups/{item.id}",
                           data={"outcome": "excused", "note": "突发疾病就医，已补交说明", "version_id": "1"})
    assert response.status_code == 302
    after = queries.sitting_counts(sitting)
    assert (after.leave, after.absent) == (before.leave + 1, before.absent - 1)
    entry = db.session.scalar(select(SittingRollEntry).where(SittingRollEntry.sitting_id == sitting.id,
                                                             SittingRollEntry.member_no == "0002"))
    assert entry.status == RollStatus.LEAVE
    assert db.session.scalar(select(AuditEntry.message).where(AuditEntry.action == "correct")).startswith(
        "李四（0002）补假：“开幕大会”出勤 缺席 → 请假")
    assert not _items(sitting.id)["李四"].is_open  # a resolved item stays as the record


def test_the_follow_up_list_pages_every_item_in_order_with_the_direct_total(world):
    """The page is chosen apart from the joins that draw it and the total is counted apart: pages laid end
    to end must still be every item of the state, newest sitting first then member number, each page with
    the direct count."""
    secretariat, meeting = world["secretariat"], world["meeting"]
    earlier = factories.make_sitting(meeting, name="培训会", starts_in_minutes=-600)
    services.close_sitting(secretariat, earlier)
    services.close_sitting(secretariat, world["sitting"])
    db.session.commit()
    for item in (_items(world["sitting"].id)["王五"], _items(earlier.id)["张三"]):
        services.resolve_follow_up(secretariat, item, FollowUpOutcome.UNEXCUSED, "电话未接通",
                                   version_id=item.version_id)
    db.session.commit()
    everything = db.session.scalars(select(AbsenceFollowUp).options(joinedload(AbsenceFollowUp.sitting))
                                    .where(AbsenceFollowUp.meeting_id == meeting.id)).all()
    assert len(everything) > 6

    def newest_sitting_first(item):
        return -item.sitting.starts_at.timestamp(), item.member_no

    for state, wanted in (("open", lambda i: i.is_open), ("resolved", lambda i: not i.is_open),
                          ("all", lambda i: True)):
        expected = sorted((i for i in everything if wanted(i)), key=newest_sitting_first)
        pages = [queries.follow_ups_page(meeting.id, state=state, page=n, per_page=2) for n in range(1, 7)]
        assert [i.id for items, _total in pages for i in items] == [i.id for i in expected], state
        assert {total for items, total in pages if items} == {len(expected)}, state
        assert pages[-1] == ([], 0)
    items, total = queries.follow_ups_page(meeting.id, state="all", sitting_id=earlier.id)
    assert total == len(items) == sum(i.sitting_id == earlier.id for i in everything)
    assert {i.sitting.name for i in items} == {"培训会"}
    assert queries.follow_ups_page(meeting.id + 1000) == ([], 0)


# ── query counts do not grow with members ──────────────────────────────────────────────────────────
def _queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm: first-request work (templates, navigation) is not the page's
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_lists_cost_the_same_whatever_the_roster(client, login, world, count_queries):
    sitting = world["sitting"]
    login(world["secretariat"])
    urls = [f"/attendance/sittings/{sitting.id}/missing?sector=民盟", "/attendance/registration/missing",
            f"/attendance/sittings/{sitting.id}/missing/print", "/attendance/follow-ups", "/"]
    services.close_sitting(world["secretariat"], factories.make_sitting(world["meeting"], name="培训会",
                                                                         starts_in_minutes=-600))
    db.session.commit()
    before = [_queries_for(client, count_queries, url) for url in urls]
    for n in range(30):
        user = factories.make_user("member") if n % 2 else None
        factories.make_member(world["meeting"], member_no=f"1{n:03d}", sector="民盟", group=world["g2"], user=user)
    services.close_sitting(world["secretariat"], factories.make_sitting(world["meeting"], name="座谈会",
                                                                         starts_in_minutes=-300))
    db.session.commit()
    after = [_queries_for(client, count_queries, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))
