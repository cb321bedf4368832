"""Notice pages over HTTP: sending through the form, bad input kept and explained, what each person sees,
the receipts page (its tabs, the failing gateway shown, query counts), 工作台's block."""

from __future__ import annotations

from sqlalchemy import func, select

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notices import services
from meetingprep.notices.models import Notice, NoticeRecipient, NoticeStatus, ScopeKind
from meetingprep.notifications.models import Notification
from meetingprep.notifications.outbox import deliver_due
from tests import factories
from tests.notices.conftest import data, everyone

S = services.ScopeChoice


def _send(world, *scopes, **fields) -> Notice:
    notice = services.create_notice(db.session.get(User, world.secretariat), db.session.get(Meeting, world.meeting),
                                    data(*scopes, **fields))
    db.session.commit()
    return notice


def _as(login, world, name: str) -> User:
    return login(db.session.get(User, getattr(world, name)))


def test_the_secretariat_sends_a_notice_through_the_form(client, login, world, sms_gateway):
    _as(login, world, "secretariat")
    page = client.get("/notices/new").get_data(as_text=True)
    assert "发布通知" in page and "第一组" in page and "经济界" in page and "会务组" in page
    response = client.post("/notices/new", data={
        "category": "schedule", "title": "分组讨论改至下午", "body": "原定上午的分组讨论改至下午 14:30。",
        "discussion_group_ids": [str(world.group_one)], "sectors": ["经济界"], "send_sms": "y", "when": "now",
        "remind_after_hours": "12"})
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice))
    assert response.headers["Location"].endswith(f"/notices/{notice.id}")
    assert notice.status == NoticeStatus.SENT and notice.recipient_count == 5  # 王芳 李强 周杰 赵敏 钱伟
    assert notice.audience == "经济界（界别）、第一组" and notice.remind_after_hours == 12
    deliver_due()
    assert sorted(phone for phone, _text in sms_gateway.texts) == ["13800000001", "13800000002", "13800000006"]
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "已发送通知《分组讨论改至下午》，共 5 人。" in page
    # 钱伟: no account, no mobile; 赵敏: an account never used, no mobile, no e-mail
    assert 'id="read-count">0<' in page and 'id="unreachable-count">2<' in page
    assert "0812-3334444" in page and "短信：已发送 3" in page
    assert "&lt;span" not in page and '<span class="badge text-bg-warning">日程变更</span>' in page  # badges drawn


def test_bad_input_is_explained_in_chinese_and_kept(client, login, world):
    _as(login, world, "secretariat")
    response = client.post("/notices/new", data={"category": "discipline", "title": "", "body": "会场纪律正文保留",
                                                  "when": "now"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写标题。" in page and "会场纪律正文保留" in page
    response = client.post("/notices/new", data={"category": "discipline", "title": "纪律要求", "body": "正文",
                                                  "when": "now"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请至少选择一个发送范围" in page and 'value="纪律要求"' in page
    response = client.post("/notices/new", data={"category": "discipline", "title": "纪律要求", "body": "正文",
                                                  "all_members": "y", "when": "later", "send_at": ""})
    assert response.status_code == 400 and "请填写发送时间" in response.get_data(as_text=True)
    for hostile in ({"send_at": "9999-12-31T23:59", "when": "later"}, {"when": "tomorrow"},
                    {"discussion_group_ids": "99999999999"}, {"sitting_ids": "-1"}, {"category": "secret"},
                    {"remind_after_hours": "1e9"}, {"sectors": "不存在界"}, {"working_group_ids": "abc"}):
        response = client.post("/notices/new", data={"category": "discipline", "title": "纪律要求", "body": "正文",
                                                      "all_members": "y", "when": "now", **hostile})
        assert response.status_code == 400, hostile
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_choosing_sms_without_a_gateway_is_refused_with_the_input_kept(app, client, login, world):
    app.config["SMS_GATEWAY_URL"] = ""
    _as(login, world, "secretariat")
    response = client.post("/notices/new", data={"category": "registration", "title": "报到须知", "body": "正文留着",
                                                  "all_members": "y", "send_sms": "y", "when": "now"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "短信网关尚未配置" in page and "正文留着" in page
    assert "暂不能发送短信" in page


def test_a_scheduled_notice_is_shown_and_can_be_cancelled(client, login, world):
    import datetime as dt

    from meetingprep.timeutil import now, to_local

    _as(login, world, "secretariat")
    when = to_local(now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/notices/new", data={"category": "schedule", "title": "明日日程", "body": "正文",
                                                  "standing": "y", "when": "later", "send_at": when})
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice))
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "定时待发" in page and "撤销" in page
    stale = client.post(f"/notices/{notice.id}/cancel", data={"version_id": str(notice.version_id + 5)})
    assert stale.status_code == 409
    assert client.post(f"/notices/{notice.id}/cancel", data={"version_id": str(notice.version_id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).status == NoticeStatus.CANCELLED
    assert client.post(f"/notices/{notice.id}/cancel", data={"version_id": str(notice.version_id)}).status_code == 409


def test_a_member_sees_it_on_the_home_page_and_opening_it_is_the_receipt(client, login, world):
    notice = _send(world, S(ScopeKind.STANDING))
    other = _send(world, S(ScopeKind.SECTOR, ref_text="教育界"), title="仅教育界")
    _as(login, world, "wang_user")
    home = client.get("/").get_data(as_text=True)
    assert "通知公告" in home and "大会报到须知" in home and "1 条未读" in home and "仅教育界" not in home
    mine = client.get("/notices/").get_data(as_text=True)
    assert "大会报到须知" in mine and "仅教育界" not in mine
    page = client.get(f"/notices/{notice.id}")
    assert page.status_code == 200 and "请于开幕前一日" in page.get_data(as_text=True)
    assert "&lt;span" not in page.get_data(as_text=True)
    receipt = db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == world.wang_user))
    assert receipt.read_at is not None
    assert db.session.scalar(select(Notification.read_at).where(Notification.recipient_id == world.wang_user))
    assert "1 条未读" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/notices/{other.id}").status_code == 403  # not sent to 王芳


def test_recipients_see_only_their_notices_and_only_the_secretariat_sees_receipts(client, login, world):
    notice = _send(world, S(ScopeKind.WORKING_GROUP, ref_id=world.huiwu))
    for name, status in (("huiwu_staff", 200), ("huiwu_lead", 200), ("cailiao_staff", 403), ("leader", 403),
                         ("li_user", 403), ("secretariat", 200)):
        _as(login, world, name)
        response = client.get(f"/notices/{notice.id}")
        assert response.status_code == status, name
        page = response.get_data(as_text=True)
        assert ("回执" in page or 'id="receipts"' in page) == (name == "secretariat"), name
    _as(login, world, "huiwu_staff")
    assert client.get("/notices/manage").status_code == 403
    assert client.get("/notices/new").status_code == 403
    assert client.post("/notices/new", data={"title": "x"}).status_code == 403


def test_the_receipts_tabs_and_the_failing_gateway_are_shown(client, login, world, sms_gateway):
    notice = _send(world, *everyone(), send_sms=True)
    sms_gateway.fail_with = 500
    assert deliver_due().failed == 5
    services.open_notice(db.session.get(User, world.li_user),
                         db.session.scalar(select(NoticeRecipient).where(NoticeRecipient.user_id == world.li_user)))
    db.session.commit()
    _as(login, world, "secretariat")
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "失败待重试" in page and "短信网关返回 HTTP 500" in page and "待发送/重试中 5" in page
    read = client.get(f"/notices/{notice.id}?show=read").get_data(as_text=True)
    assert "李强" in read and "王芳" not in read
    unread = client.get(f"/notices/{notice.id}?show=unread").get_data(as_text=True)
    assert "王芳" in unread and "李强" not in unread
    unreachable = client.get(f"/notices/{notice.id}?show=unreachable").get_data(as_text=True)
    listed = unreachable.split('id="receipts"')[1]
    assert "钱伟" in listed and "赵敏" in listed and "王芳" not in listed and "孙丽" not in listed
    assert client.get(f"/notices/{notice.id}?show=<script>&page=99999999999").status_code == 200


def test_pages_cost_the_same_at_any_number_of_recipients(client, login, world, count_queries):
    meeting = db.session.get(Meeting, world.meeting)

    def measure(notice_id: int) -> list[int]:
        counts = []
        for url, who in ((f"/notices/{notice_id}", "secretariat"), ("/notices/manage", "secretariat"),
                         ("/notices/", "wang_user"), ("/", "wang_user")):
            _as(login, world, who)
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    small = measure(_send(world, *everyone(), send_sms=True).id)
    for n in range(30):
        member = factories.make_member(meeting, user=factories.make_user("member"), sector="经济界")
        member.phone = f"1390000{n:04d}"
    db.session.commit()
    large_notice = _send(world, *everyone(), send_sms=True)
    for n in range(3):
        _send(world, *everyone(), title=f"又一条{n}")
    assert measure(large_notice.id) == small


def test_the_demo_seeds_two_sent_notices_with_receipts(app):
    import random

    from meetingprep.demo.context import DemoContext
    from meetingprep.notices import demo
    from meetingprep.timeutil import now

    meeting = factories.make_meeting()
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now())
    ctx.secretariat = [factories.make_user("secretariat")]
    for _ in range(40):
        factories.make_member(meeting, user=factories.make_user("member"))
    demo.seed(ctx)
    db.session.commit()
    notices = db.session.scalars(select(Notice).order_by(Notice.id)).all()
    assert [n.category.value for n in notices] == ["discipline", "registration"]
    assert [n.recipient_count for n in notices] == [41, 40]
    assert all(n.status == NoticeStatus.SENT and n.sent_at < now() for n in notices)
    read = dict(db.session.execute(select(NoticeRecipient.notice_id, func.count(NoticeRecipient.id))
                                   .where(NoticeRecipient.read_at.is_not(None))
                                   .group_by(NoticeRecipient.notice_id)).all())
    assert read[notices[0].id] > read[notices[1].id] > 0
    assert notices[1].remind_at is not None and notices[1].reminded_at is None


def test_the_receipt_counts_are_held_until_someone_reads(client, login, world, count_queries):
    """The secretariat's figures are counted once per data version: a second view does not count them again,
    and a member's opening shows on the next view."""
    notice = _send(world, S(ScopeKind.STANDING))
    _as(login, world, "secretariat")
    unread_before = int(client.get(f"/notices/{notice.id}").get_data(as_text=True)
                        .split('id="unread-count">')[1].split("<")[0])
    with count_queries() as counter:
        client.get(f"/notices/{notice.id}")
    assert not any("coalesce(sum(CASE" in statement for statement in counter.statements)  # served as held
    _as(login, world, "wang_user")
    client.get(f"/notices/{notice.id}")
    _as(login, world, "secretariat")
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert f'id="unread-count">{unread_before - 1}<' in page and 'id="read-count">1<' in page
