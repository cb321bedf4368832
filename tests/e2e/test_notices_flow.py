"""通知公告 in a browser: the secretariat sends a notice with SMS through the loopback SMS gateway to the
members, a member opens it on a phone (390 px), and the secretariat sees the receipt and who has not read."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notices.models import NoticeRecipient
from meetingprep.notifications.outbox import deliver_due
from meetingprep.timeutil import now
from tests import factories
from tests.e2e.conftest import log_in
from tests.sms_gateway import running_gateway


def test_a_notice_goes_out_by_sms_is_read_on_a_phone_and_the_receipt_shows(live_server, page, phone_page):
    with running_gateway() as gateway:
        live_server.app.config.update(gateway.config(BASE_URL=live_server.url))
        with live_server.data():
            meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
            factories.make_user("secretariat", username="mishu", display_name="秘书处刘")
            wang = factories.make_user("member", username="weiyuan001", display_name="王芳")
            wang.last_login_at = now()
            factories.make_member(meeting, name="王芳", user=wang, sector="经济界").phone = "13800000001"
            factories.make_member(meeting, name="孙丽", sector="教育界").phone = "13800000004"  # no account
            factories.make_member(meeting, name="钱伟", sector="经济界")  # no account, no phone
            db.session.commit()

        log_in(page, live_server, "mishu", factories.PASSWORD)
        page.get_by_role("link", name="通知公告").first.click()
        page.get_by_role("link", name="发布通知").click()
        page.get_by_label("类别").select_option("registration")
        page.get_by_label("标题").fill("大会报到须知")
        page.get_by_label("正文").fill("请于开幕前一日 9:00—18:00 到会议中心一楼报到，凭签到码领取委员证。")
        page.get_by_label("全体委员", exact=True).check()
        page.get_by_label("同时发送短信（有手机号的人员）").check()
        page.get_by_label("未读提醒（小时）").fill("24")
        page.get_by_role("button", name="发送", exact=True).click()
        expect(page.get_by_text("已发送通知《大会报到须知》，共 3 人。")).to_be_visible()
        expect(page.locator("#read-count")).to_have_text("0")
        expect(page.locator("#unreachable-count")).to_have_text("1")  # 钱伟

        with live_server.data():
            assert deliver_due().sent == 2
        assert sorted(phone for phone, _text in gateway.texts) == ["13800000001", "13800000004"]
        assert all(r.signature_ok for r in gateway.received)
        texts = dict(gateway.texts)
        assert texts["13800000001"].startswith("【大会秘书处】【报到须知】大会报到须知：请于开幕前一日")
        assert f"{live_server.url}/notices/" in texts["13800000001"]
        assert "/notices/" not in texts["13800000004"]  # no account: no link that needs a login

        member = phone_page
        log_in(member, live_server, "weiyuan001", factories.PASSWORD)
        member.goto(f"{live_server.url}/")
        block = member.locator("#my-notices")
        expect(block).to_contain_text("1 条未读")
        block.get_by_role("link", name="大会报到须知").click()
        expect(member.get_by_role("heading", name="大会报到须知")).to_be_visible()
        expect(member.get_by_text("凭签到码领取委员证")).to_be_visible()
        width = member.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1]  # no sideways scrolling on the phone
        member.goto(f"{live_server.url}/")
        expect(member.locator("#my-notices")).not_to_contain_text("条未读")

        page.reload()
        expect(page.locator("#read-count")).to_have_text("1")
        expect(page.locator("#unread-count")).to_have_text("2")
        expect(page.locator("#receipts")).to_contain_text("王芳")
        expect(page.locator("#channel-counts")).to_contain_text("短信：已发送 2")
        page.get_by_role("link", name="未读", exact=True).click()
        receipts = page.locator("#receipts")
        expect(receipts).to_contain_text("孙丽")
        expect(receipts).to_contain_text("钱伟")
        expect(receipts).not_to_contain_text("王芳")
        page.get_by_role("link", name="无可用渠道", exact=True).click()
        expect(page.locator("#receipts")).to_contain_text("钱伟")
        expect(page.locator("#receipts")).not_to_contain_text("孙丽")
        with live_server.data():
            read_at = db.session.scalar(select(NoticeRecipient.read_at).where(NoticeRecipient.name == "王芳"))
            assert read_at is not None
