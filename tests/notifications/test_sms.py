"""The SMS channel (notifications/sms.py) against a real HTTP server on loopback: the request as configured,
its escaping and signature, the platform's answers, retries through the outbox, and reminder kinds by SMS."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notifications import services, sms
from meetingprep.notifications.channels import DeliveryError
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus
from meetingprep.notifications.outbox import deliver_due
from tests import factories
from tests.sms_gateway import running_gateway

MOMENT = dt.datetime(2027, 1, 10, 1, 0, tzinfo=dt.UTC)
TRICKY = '会议"改期"{text}\\ & <b>，请知悉\n第二行'


@pytest.fixture
def gateway():
    with running_gateway() as running:
        yield running


@pytest.fixture
def app_config(app_config, gateway):
    return {**app_config, **gateway.config(), "BASE_URL": "https://choubei.example.cn"}


def test_the_text_is_one_line_cut_to_fit_with_the_link_whole(app):
    app.config["SMS_MAX_CHARS"] = 80
    text = sms.message_text("【日程变更】分组讨论改期", "内容" * 100, "https://choubei.example.cn/notices/3")
    assert len(text) == 80 and text.endswith(" 详见：https://choubei.example.cn/notices/3")
    assert text.startswith("【大会秘书处】【日程变更】分组讨论改期：内容") and "…" in text
    assert sms.message_text("标题", "第一行\n第二行") == "【大会秘书处】标题：第一行 第二行"
    assert sms.message_text("标题", "正文 https://x.cn/a", "https://x.cn/a").count("https://x.cn/a") == 1


@pytest.mark.parametrize(("content_type", "template", "read"), [
    ("application/json; charset=utf-8", '{"mobile": "{phone}", "content": "{text}"}',
     lambda body: json.loads(body)["content"]),
    ("application/x-www-form-urlencoded", "to={phone}&msg={text}",
     lambda body: parse_qs(body.decode())["msg"][0]),
    ("application/xml", "<sms><to>{phone}</to><text>{text}</text></sms>",
     lambda body: ElementTree.fromstring(body).find("text").text),
])
def test_placeholders_are_escaped_for_the_content_type(app, content_type, template, read):
    app.config.update(SMS_GATEWAY_CONTENT_TYPE=content_type, SMS_GATEWAY_BODY=template)
    request = sms.build_request("13800000001", TRICKY, "meetingprep-1", MOMENT)
    assert read(request.body) == TRICKY  # the text arrives as it was, and cannot change the request's shape
    assert request.headers["Content-Type"] == content_type


def test_a_get_gateway_takes_the_text_in_its_address_and_signs_the_query(app, gateway):
    app.config.update(SMS_GATEWAY_METHOD="GET", SMS_GATEWAY_URL=gateway.url + "?to={phone}&msg={text}&id={msgid}")
    sms.send_sms("13800000001", TRICKY, msgid="meetingprep-7", now=MOMENT)
    [received] = gateway.received
    assert received.method == "GET" and received.signature_ok
    assert received.query == {"to": "13800000001", "msg": TRICKY, "id": "meetingprep-7"}


def test_the_gateway_receives_a_signed_request(app, gateway):
    app.config["SMS_GATEWAY_HEADERS"] = {"X-App-Id": "meetingprep"}
    sms.send_sms("13800000001", "【大会秘书处】测试", msgid="meetingprep-1", now=MOMENT)
    [received] = gateway.received
    assert received.signature_ok and received.headers["x-app-id"] == "meetingprep"
    assert received.json == {"mobile": "13800000001", "content": "【大会秘书处】测试", "msgid": "meetingprep-1"}
    app.config["SMS_GATEWAY_SIGNATURE"] = "hmac-sha256-base64"  # the loopback gateway wants hex: refused
    with pytest.raises(DeliveryError, match="HTTP 401"):
        sms.send_sms("13800000001", "测试", msgid="meetingprep-2", now=MOMENT)


def test_the_platforms_answers_become_chinese_reasons(app, gateway):
    gateway.fail_with = 500
    with pytest.raises(DeliveryError, match="短信网关返回 HTTP 500"):
        sms.send_sms("13800000001", "测试", msgid="m1", now=MOMENT)
    gateway.fail_with, gateway.answer = None, {"code": "1002", "msg": "号码在黑名单"}
    with pytest.raises(DeliveryError, match=r"拒绝了短信.*1002"):
        sms.send_sms("13800000001", "测试", msgid="m2", now=MOMENT)
    gateway.answer, gateway.delay = {"code": "0"}, 1.0
    app.config["SMS_GATEWAY_TIMEOUT"] = 0.3
    with pytest.raises(DeliveryError, match="无应答"):
        sms.send_sms("13800000001", "测试", msgid="m3", now=MOMENT)
    app.config.update(SMS_GATEWAY_SIGNATURE="md5")
    with pytest.raises(DeliveryError, match="配置有误"):
        sms.send_sms("13800000001", "测试", msgid="m4", now=MOMENT)
    app.config.update(SMS_GATEWAY_SIGNATURE="hmac-sha256", SMS_GATEWAY_URL="ftp://sms.example")
    with pytest.raises(DeliveryError, match="配置有误"):
        sms.send_sms("13800000001", "测试", msgid="m5", now=MOMENT)


def _sms_delivery(phone: str = "13800000001") -> Delivery:
    notification = factories.make_notification(subject="【日程变更】分组讨论改至下午", body="请相互转告。",
                                               link="/notices/1")
    delivery = Delivery(notification_id=notification.id, channel=Channel.SMS, target=phone,
                        status=DeliveryStatus.PENDING, attempts=0)
    db.session.add(delivery)
    db.session.commit()
    return delivery


def test_the_outbox_retries_a_gateway_that_fails_or_times_out_and_shows_why(app, gateway, time_machine):
    time_machine.move_to(MOMENT, tick=False)
    delivery_id = _sms_delivery().id
    gateway.fail_with = 500
    assert deliver_due().failed == 1
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "HTTP 500" in delivery.last_error and delivery.next_attempt_at == MOMENT + dt.timedelta(minutes=1)
    assert deliver_due().failed == 0  # not yet due again
    gateway.fail_with, gateway.delay = None, 1.0
    app.config["SMS_GATEWAY_TIMEOUT"] = 0.3
    time_machine.move_to(MOMENT + dt.timedelta(minutes=1), tick=False)
    assert deliver_due().failed == 1
    db.session.expire_all()
    assert "无应答" in db.session.get(Delivery, delivery_id).last_error
    gateway.delay = 0
    time_machine.move_to(MOMENT + dt.timedelta(minutes=4), tick=False)
    assert deliver_due().sent == 1
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3 and delivery.last_error == ""
    [(phone, text)] = gateway.texts
    assert phone == "13800000001"
    assert text == "【大会秘书处】【日程变更】分组讨论改至下午：请相互转告。 详见：https://choubei.example.cn/notices/1"
    assert deliver_due().sent == 0 and len(gateway.texts) == 1  # once


def test_a_gateway_that_keeps_failing_is_given_up_and_shown_in_the_delivery_log(app, gateway, client, login_as):
    app.config["DELIVERY_MAX_ATTEMPTS"] = 1
    _sms_delivery()
    gateway.fail_with = 503
    assert deliver_due().dead == 1
    login_as("secretariat")
    page = client.get("/notifications/admin?channel=sms").get_data(as_text=True)
    assert "短信" in page and "13800000001" in page and "HTTP 503" in page and "已放弃" in page


def test_listed_reminder_kinds_also_go_by_sms_to_a_members_roster_phone(app, gateway, time_machine):
    time_machine.move_to(MOMENT, tick=False)  # 09:00 in Shanghai: outside the default quiet hours
    meeting = factories.make_meeting()
    member_user = factories.make_user("member")
    member = factories.make_member(meeting, user=member_user)
    member.phone = "139-0000-0009"
    staff = factories.make_user("staff")
    staff.phone = "13900000008"
    db.session.commit()
    services.notify([member_user.id, staff.id], kind="attendance.sitting", subject="【会议提醒】开幕大会",
                    body="请按时出席。", dedup_key="t:1")
    db.session.commit()
    assert db.session.scalars(select(Delivery).where(Delivery.channel == Channel.SMS)).all() == []  # off by default
    app.config["SMS_NOTIFICATION_KINDS"] = ("attendance.sitting",)
    services.notify([member_user.id, staff.id], kind="attendance.sitting", subject="【会议提醒】开幕大会",
                    body="请按时出席。", dedup_key="t:2")
    services.notify([member_user.id], kind="task.due", subject="不发短信", dedup_key="t:3")
    db.session.commit()
    targets = sorted(d.target for d in db.session.scalars(select(Delivery).where(Delivery.channel == Channel.SMS)))
    assert targets == ["13900000008", "13900000009"]
    assert deliver_due().sent == 2
    assert sorted(phone for phone, _text in gateway.texts) == ["13900000008", "13900000009"]


def test_settings_given_as_environment_variables_arrive_parsed_and_still_work(app, gateway):
    # MEETINGPREP_SMS_GATEWAY_BODY='{"mobile": "{phone}", "content": "{text}"}' is read as JSON: a dict
    app.config.update(SMS_GATEWAY_BODY={"mobile": "{phone}", "content": "{text}"},
                      SMS_NOTIFICATION_KINDS="attendance.sitting, task.due")
    assert sms.notification_kinds() == {"attendance.sitting", "task.due"}
    sms.send_sms("13800000001", '引号"与{text}', msgid="m1", now=MOMENT)
    assert gateway.texts == [("13800000001", '引号"与{text}')]
