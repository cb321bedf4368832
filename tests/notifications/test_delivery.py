"""Deliveries over real channels on loopback: SMTP (aiosmtpd) and a robot webhook (http.server)."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading

import pytest
from sqlalchemy import func, select

from meetingprep.extensions import db
from meetingprep.notifications import services
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus, GroupWebhook, NotificationPreference
from meetingprep.notifications.outbox import deliver_due
from meetingprep.notifications.scan import scan_reminders
from tests.notifications.conftest import build_task, local

SUBJECT = "【任务提醒】「起草大会议程」将于2027年1月8日 周五 17:00到期"


@pytest.fixture
def app_config(app_config, mail_config):
    # The loopback robot is reachable only because the operator setting names its host.
    return {**app_config, **mail_config, "WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"]}


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def test_email_arrives_with_chinese_subject_and_body(app, cast, clock, smtp_server):
    clock(2027, 1, 5, 10, 0)
    services.notify([cast.owner], kind="task.due", subject=SUBJECT, body="张明：请于1月8日17:00前完成议程初稿。",
                    link="/tasks/42", dedup_key="test:1")
    db.session.commit()
    result = deliver_due()
    assert result.sent == 1
    [message] = smtp_server.messages
    assert message["Subject"] == SUBJECT
    assert message["To"] == "zhangming@zx.example.cn"
    assert "大会筹备工作平台" in message["From"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "请于1月8日17:00前完成议程初稿" in body
    assert "https://chouBei.example.cn/tasks/42" in body
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.sent_at is not None
    assert deliver_due().sent == 0  # at most once per channel
    assert len(smtp_server.messages) == 1


def test_email_headers_are_what_mail_software_expects(app, cast, clock, smtp_server):
    """Parsed by the standard library from what aiosmtpd received: Date, Message-ID, Auto-Submitted and a
    plain-text part beside the HTML one."""
    from email.headerregistry import Address
    from email.utils import parsedate_to_datetime

    moment = clock(2027, 1, 5, 10, 0)
    services.notify([cast.owner], kind="task.due", subject=SUBJECT, body="张明：\n请于1月8日前完成<议程>初稿。",
                    link="/tasks/42", dedup_key="test:headers")
    services.notify([cast.owner], kind="task.due", subject="第二条", body="正文", dedup_key="test:headers2")
    db.session.commit()
    assert deliver_due().sent == 2
    first, second = smtp_server.messages
    assert parsedate_to_datetime(first["Date"]) == moment
    assert first["Date"].endswith("+0800")
    message_id = first["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@choubei\.example\.cn>", message_id, flags=re.IGNORECASE)
    assert message_id != second["Message-ID"]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["MIME-Version"] == "1.0"
    assert first.get_content_type() == "multipart/alternative"
    plain = first.get_body(preferencelist=("plain",))
    html = first.get_body(preferencelist=("html",))
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert "请于1月8日前完成<议程>初稿。" in plain.get_content()
    assert "https://chouBei.example.cn/tasks/42" in plain.get_content()
    html_text = html.get_content()
    assert "&lt;议程&gt;" in html_text and "<议程>" not in html_text  # escaped
    assert 'href="https://chouBei.example.cn/tasks/42"' in html_text
    raw_subject = re.search(rb"^Subject: (.*)$", smtp_server.raw[0], flags=re.MULTILINE).group(1)
    assert raw_subject.startswith(b"=?utf-8?") and raw_subject.isascii()  # RFC 2047 on the wire
    assert first["Subject"] == SUBJECT
    assert first["From"].addresses[0] == Address("大会筹备工作平台", addr_spec="mishu@zx.example.cn")


def test_server_down_then_retried_with_backoff_and_arrives_once(app, cast, clock, smtp_server):
    start = clock(2027, 1, 5, 10, 0)
    smtp_server.stop()
    services.notify([cast.owner], kind="task.due", subject=SUBJECT, body="正文", dedup_key="test:2")
    db.session.commit()

    assert deliver_due().failed == 1
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60)
    assert "邮件发送失败" in delivery.last_error

    assert deliver_due().failed == 0  # not yet due: nothing is attempted before the backoff
    clock(2027, 1, 5, 10, 1, 30)
    assert deliver_due().failed == 1  # still down: second failure, backoff doubles
    [delivery] = deliveries()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == local(2027, 1, 5, 10, 3, 30)

    smtp_server.start()
    clock(2027, 1, 5, 10, 3, 30)
    assert deliver_due().sent == 1
    assert [m["Subject"] for m in smtp_server.messages] == [SUBJECT]
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3 and delivery.last_error == ""
    clock(2027, 1, 5, 12, 0)
    assert deliver_due().sent == 0
    assert len(smtp_server.messages) == 1


def test_gives_up_after_max_attempts_and_resend_requeues(app, cast, clock, smtp_server):
    app.config["DELIVERY_MAX_ATTEMPTS"] = 2
    clock(2027, 1, 5, 10, 0)
    smtp_server.stop()
    services.notify([cast.owner], kind="x", subject="测试", dedup_key="test:3")
    db.session.commit()
    deliver_due()
    clock(2027, 1, 5, 10, 5)
    deliver_due()
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 2
    clock(2027, 1, 6, 10, 0)
    assert deliver_due().sent == 0  # dead stays dead, but is not lost: it is in the log

    from meetingprep.auth.models import User

    services.resend_delivery(db.session.get(User, cast.secretary), delivery)
    db.session.commit()
    smtp_server.start()
    assert deliver_due().sent == 1
    assert len(smtp_server.messages) == 1
    with pytest.raises(Exception, match="只有"):
        services.resend_delivery(db.session.get(User, cast.secretary), deliveries()[0])


def test_a_crashed_sender_is_retried_after_the_lease(app, cast, clock, smtp_server):
    clock(2027, 1, 5, 10, 0)
    services.notify([cast.owner], kind="x", subject="租约", dedup_key="test:4")
    db.session.commit()
    [delivery] = deliveries()
    delivery.status, delivery.claimed_at, delivery.attempts = DeliveryStatus.SENDING, local(2027, 1, 5, 10, 0), 1
    db.session.commit()
    assert deliver_due().sent == 0  # someone else is sending it
    clock(2027, 1, 5, 10, 11)  # past the 10-minute lease: that sender died
    assert deliver_due().sent == 1
    assert len(smtp_server.messages) == 1


def test_channel_choices_and_mail_switched_off(app, cast, clock):
    clock(2027, 1, 5, 10, 0)
    db.session.add(NotificationPreference(user_id=cast.coworker, email_enabled=False))
    db.session.commit()
    services.notify([cast.owner, cast.coworker], kind="x", subject="渠道", dedup_key="test:5")
    db.session.commit()
    assert [(d.channel, d.target) for d in deliveries()] == [(Channel.EMAIL, "zhangming@zx.example.cn")]
    app.config["MAIL_HOST"] = ""  # off when not configured: nothing queued at all
    services.notify([cast.owner], kind="x", subject="渠道2", dedup_key="test:6")
    db.session.commit()
    assert len(deliveries()) == 1


def test_notify_is_idempotent_by_dedup_key(app, cast):
    first = services.notify([cast.owner, cast.owner, cast.coworker], kind="task.accepted", subject="已验收",
                            dedup_key="task.accepted:42")
    again = services.notify([cast.owner, cast.coworker], kind="task.accepted", subject="已验收",
                            dedup_key="task.accepted:42")
    db.session.commit()
    assert [n.recipient_id for n in first] == sorted([cast.owner, cast.coworker]) and again == []
    assert db.session.scalar(select(func.count(Delivery.id))) == 2


def _enable_robot(cast, url: str, user_ids) -> None:
    """The group's robot on, the given people opted in; e-mail off so only the robot is counted."""
    from flask import current_app

    current_app.config["MAIL_HOST"] = ""
    db.session.add(GroupWebhook(group_id=cast.group, url=url, is_enabled=True))
    for user_id in user_ids:
        db.session.add(NotificationPreference(user_id=user_id, webhook_enabled=True))
    db.session.commit()


def test_webhook_posts_wecom_markdown_with_the_title_as_a_link(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _enable_robot(cast, robot_server.url, [cast.owner])
    services.notify([cast.owner, cast.coworker], kind="x", subject="【任务提醒】群消息", body="请于今日完成。",
                    link="/tasks/7", dedup_key="test:7")
    db.session.commit()
    assert deliver_due().sent == 1  # only the owner chose the group robot
    [payload] = robot_server.received
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["content"] == "**[【任务提醒】群消息](https://chouBei.example.cn/tasks/7)**\n请于今日完成。"
    [delivery] = deliveries()
    assert delivery.channel == Channel.WEBHOOK and delivery.target == str(cast.group)


def test_webhook_failure_is_retried(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _enable_robot(cast, robot_server.url, [cast.owner])
    robot_server.fail_with = 502
    services.notify([cast.owner], kind="x", subject="重试", dedup_key="test:8")
    db.session.commit()
    assert deliver_due().failed == 1
    robot_server.fail_with, robot_server.errcode = None, 93000  # answers 200 but refuses (bad key)
    clock(2027, 1, 5, 10, 1)
    assert deliver_due().failed == 1
    assert "拒绝" in deliveries()[0].last_error
    robot_server.errcode = 0
    clock(2027, 1, 5, 10, 3)
    assert deliver_due().sent == 1
    assert len(robot_server.received) == 2  # the refused one and the accepted one


def test_webhook_switched_off_before_sending_fails_visibly(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _enable_robot(cast, robot_server.url, [cast.owner])
    services.notify([cast.owner], kind="x", subject="停用", dedup_key="test:9")
    db.session.execute(GroupWebhook.__table__.update().values(is_enabled=False))
    db.session.commit()
    assert deliver_due().failed == 1
    assert "停用" in deliveries()[0].last_error
    assert robot_server.received == []


def test_scan_to_inbox_to_mail_end_to_end(app, cast, clock, smtp_server):
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 17, 0), title="起草大会议程")
    db.session.commit()
    clock(2027, 1, 5, 17, 0)
    scan_reminders()
    db.session.commit()
    deliver_due()
    [message] = smtp_server.messages
    assert message["Subject"] == SUBJECT
    assert "https://chouBei.example.cn/tasks/" in message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_two_outbox_runners_send_each_delivery_once(app, cast, clock, smtp_server):
    clock(2027, 1, 5, 10, 0)
    for n in range(20):
        services.notify([cast.owner, cast.coworker, cast.lead], kind="x", subject=f"并发{n}", dedup_key=f"race:{n}")
    db.session.commit()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def runner():
        with app.app_context():
            try:
                barrier.wait()
                results.append(deliver_due())
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.sent for r in results) == 60
    assert len(smtp_server.messages) == 60
    assert len({(m["Subject"], m["To"]) for m in smtp_server.messages}) == 60
