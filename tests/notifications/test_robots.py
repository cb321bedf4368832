"""Group robots: platform byte limits for long input, splitting on lines, DingTalk 加签 against a known
vector, @-mentions, the per-robot rate queue, and the address checks at send time — against a robot
served on loopback (allowed by the operator setting, as an intranet robot gateway would be)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notifications import robots, services
from meetingprep.notifications.models import Delivery, DeliveryStatus, GroupWebhook, NotificationPreference
from meetingprep.notifications.outbox import deliver_due
from meetingprep.notifications.robots import Message, Platform
from tests.notifications.conftest import local

WECOM_LIMITS = {"text": robots.WECOM_TEXT_BYTES, "markdown": robots.WECOM_MARKDOWN_BYTES}


TITLE = "关于做好政协第十届委员会第四次会议大会发言材料汇编印制并按时分送各界别委员驻地工作第{}项"


def merged_reminder(items: int = 30) -> str:
    """The "合并提醒" body as the scan writes it (scan._message_for), with long task titles."""
    lines = [f"{n}. 【逾期提醒】「{TITLE.format(n)}」已逾期3天2小时\n"
             f"   https://choubei.example.cn/tasks/{1000 + n}" for n in range(1, items + 1)]
    return ("张明，您好：\n以下事项需要您关注：\n" + "\n".join(lines)
            + "\n\n请登录大会筹备工作平台查看：https://choubei.example.cn/notifications/")


def check_limits(platform: Platform, payloads: list[dict]) -> None:
    for payload in payloads:
        body = robots.payload_bytes(payload)
        if platform == Platform.WECOM:
            content = robots.content_of(payload)
            assert len(content.encode("utf-8")) <= WECOM_LIMITS[payload["msgtype"]]
        else:
            assert len(body) <= robots.DINGTALK_BODY_BYTES
        json.loads(body.decode("utf-8"))  # whole characters only: it decodes


@pytest.mark.parametrize("platform,mobiles,kind,parts", [
    (Platform.WECOM, (), "markdown", 2),
    (Platform.WECOM, ("13800001111",), "text", 4),
    (Platform.DINGTALK, ("13800001111",), "markdown", 1),
])
def test_the_6866_byte_merged_reminder_is_split_within_the_limits(app, platform, mobiles, kind, parts):
    body = merged_reminder()
    assert 6500 < len(body.encode("utf-8")) < 7500  # the size that was refused
    message = Message("【大会筹备】您有30项待办提醒", body, "https://choubei.example.cn/notifications/", mobiles)
    payloads = robots.build_payloads(platform, message, max_parts=4)
    assert len(payloads) == parts and {p["msgtype"] for p in payloads} == {kind}
    check_limits(platform, payloads)
    text = "\n".join(robots.content_of(p) for p in payloads)
    for n in range(1, 31):  # every item, in order, none cut in two
        assert text.count(f"第{n}项」已逾期") == 1
    positions = [text.index(f"第{n}项」") for n in range(1, 31)]
    assert positions == sorted(positions)
    if kind == "markdown":  # the task title is the link
        assert f"[【逾期提醒】「{TITLE.format(7)}」已逾期3天2小时](https://choubei.example.cn/tasks/1007)" in text
    if parts > 1:
        assert robots.content_of(payloads[0]).split("\n", 1)[0].endswith(f"（1/{parts}）")
    if mobiles and platform == Platform.WECOM:  # only the first part pings the person
        assert payloads[0]["text"]["mentioned_mobile_list"] == ["13800001111"]
        assert all("mentioned_mobile_list" not in p["text"] for p in payloads[1:])
    if platform == Platform.DINGTALK:
        assert payloads[0]["at"]["atMobiles"] == ["13800001111"] and "@13800001111" in payloads[0]["markdown"]["text"]


def test_beyond_the_parts_allowed_the_rest_is_summarised_with_a_link(app):
    message = Message("很长", merged_reminder(200), "https://choubei.example.cn/notifications/")
    payloads = robots.build_payloads(Platform.WECOM, message, max_parts=3)
    check_limits(Platform.WECOM, payloads)
    assert len(payloads) == 3
    last = robots.content_of(payloads[-1])
    assert "其余" in last and "(https://choubei.example.cn/notifications/)" in last
    shown = "\n".join(robots.content_of(p) for p in payloads).count("已逾期")
    left = int(last.rsplit("其余 ", 1)[1].split(" 行", 1)[0])
    assert 0 < shown < 200 and left > 0


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)
lines = st.lists(st.one_of(texts, st.text("中文字😀\"\\<>[]()*", min_size=0, max_size=2500)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from(list(Platform)), subject=st.text(max_size=250), body_lines=lines,
       mention=st.booleans(), url=st.sampled_from(["", "https://choubei.example.cn/tasks/42"]))
def test_every_produced_message_is_within_the_platform_limit(app, platform, subject, body_lines, mention, url):
    body = "\n".join(body_lines)
    message = Message(subject, body, url, ("13800001111",) if mention else ())
    payloads = robots.build_payloads(platform, message, max_parts=4)
    assert 1 <= len(payloads) <= 4
    check_limits(platform, payloads)


@given(line_list=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400), max_size=30),
       budget=st.integers(min_value=8, max_value=600))
def test_packing_keeps_lines_whole_and_cuts_only_over_long_ones(line_list, budget):
    parts = robots.pack_lines(line_list, budget, robots.utf8_len)
    for part in parts:
        assert len("\n".join(part).encode("utf-8")) <= budget
    pieces = [piece for part in parts for piece in part]
    rebuilt, index = [], 0
    for line in line_list:  # each line is one piece, or consecutive pieces that join back to it
        if len(line.encode("utf-8")) <= budget:
            assert pieces[index] == line
            index += 1
        else:
            joined = ""
            while joined != line:
                joined += pieces[index]
                index += 1
        rebuilt.append(line)
    assert index == len(pieces) and rebuilt == line_list


def test_dingtalk_sign_matches_a_known_vector():
    # From an independent implementation (the Rust crate "dingding", signature.rs test).
    assert robots.dingtalk_sign(1700000000000, "secret") == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    path = robots.signed_path("/robot/send?access_token=abc&sign=old", 1700000000000, "secret")
    assert path == "/robot/send?access_token=abc&timestamp=1700000000000&sign=" \
                   "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"


@pytest.mark.parametrize("phone,mobile", [("13800001111", "13800001111"), ("+86 138-0000-1111", "13800001111"),
                                          ("0812-3334444", None), ("", None), (None, None), ("1380000111", None)])
def test_mobile_numbers(phone, mobile):
    assert robots.mobile_number(phone) == mobile


# ── end to end through the outbox ──────────────────────────────────────────────────────────────
@pytest.fixture
def app_config(app_config):
    return {**app_config, "BASE_URL": "https://choubei.example.cn", "MAIL_HOST": "",
            "WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"]}


def _robot(cast, url: str, *, platform: str = "wecom", secret: str = "", people=None) -> GroupWebhook:
    hook = GroupWebhook(group_id=cast.group, url=url, is_enabled=True, platform=platform, secret=secret)
    db.session.add(hook)
    for user_id in people or [cast.owner]:
        db.session.add(NotificationPreference(user_id=user_id, webhook_enabled=True))
    db.session.commit()
    return hook


def _deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def test_dingtalk_signed_markdown_with_mention_reaches_the_robot(app, cast, clock, robot_server):
    from meetingprep.auth.models import User

    moment = clock(2027, 1, 5, 10, 0)
    db.session.get(User, cast.owner).phone = "138 0000 1111"
    secret = "SECd7c3f0f0a1b2"
    _robot(cast, robot_server.url.replace("key=test", "access_token=tok"), platform="dingtalk", secret=secret)
    services.notify([cast.owner], kind="task.due", subject="【任务提醒】「起草议程」将于明天到期", body="请尽快办理。",
                    link="/tasks/42", dedup_key="ding:1")
    db.session.commit()
    assert deliver_due().sent == 1
    [payload], [query] = robot_server.received, robot_server.queries
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["text"].startswith("#### [【任务提醒】「起草议程」将于明天到期](https://choubei.example.cn/tasks/42)")
    assert payload["at"] == {"atMobiles": ["13800001111"], "isAtAll": False}
    assert payload["markdown"]["text"].endswith("@13800001111")
    # What the robot checks: the timestamp is now, the sign is HMAC-SHA256 over "timestamp\nsecret".
    assert query["access_token"] == "tok" and int(query["timestamp"]) == int(moment.timestamp() * 1000)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == expected  # parse_qs undid the one URL-encoding


def test_wecom_mention_is_a_text_message(app, cast, clock, robot_server):
    from meetingprep.auth.models import User

    clock(2027, 1, 5, 10, 0)
    db.session.get(User, cast.owner).phone = "13800001111"
    _robot(cast, robot_server.url)
    services.notify([cast.owner], kind="x", subject="【提醒】群消息", body="请于今日完成。", link="/tasks/7",
                    dedup_key="wecom:mention")
    db.session.commit()
    assert deliver_due().sent == 1
    [payload] = robot_server.received
    assert payload == {"msgtype": "text", "text": {
        "content": "【提醒】群消息\n请于今日完成。\nhttps://choubei.example.cn/tasks/7",
        "mentioned_mobile_list": ["13800001111"]}}


def test_rate_limit_queues_the_rest_for_the_next_minute(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url)
    for n in range(25):
        services.notify([cast.owner], kind="x", subject=f"第{n}条", body="正文", dedup_key=f"rate:{n}")
    db.session.commit()
    result = deliver_due()
    assert (result.sent, result.queued, result.failed) == (20, 5, 0)
    assert len(robot_server.received) == 20
    waiting = [d for d in _deliveries() if d.status == DeliveryStatus.PENDING]
    assert len(waiting) == 5
    assert {d.next_attempt_at for d in waiting} == {local(2027, 1, 5, 10, 1)}
    assert {d.attempts for d in waiting} == {0} and "每分钟最多发送 20 条" in waiting[0].last_error
    clock(2027, 1, 5, 10, 0, 40)
    assert deliver_due().sent == 0 and len(robot_server.received) == 20  # nothing due yet
    clock(2027, 1, 5, 10, 1)
    assert deliver_due().sent == 5
    assert sorted(p["markdown"]["content"] for p in robot_server.received) == sorted(
        f"**第{n}条**\n正文" for n in range(25))  # each exactly once
    assert {d.status for d in _deliveries()} == {DeliveryStatus.SENT}


def test_a_failed_part_is_retried_without_repeating_the_parts_accepted(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url)
    robot_server.fail_posts = {2}  # the robot refuses the second post once
    services.notify([cast.owner], kind="reminder.group", subject="【大会筹备】您有30项待办提醒", body=merged_reminder(),
                    link="/notifications/", dedup_key="parts:1")
    db.session.commit()
    assert deliver_due().failed == 1
    [delivery] = _deliveries()
    assert (delivery.status, delivery.parts_sent, len(robot_server.received)) == (DeliveryStatus.FAILED, 1, 1)
    clock(2027, 1, 5, 10, 1)
    assert deliver_due().sent == 1
    contents = [p["markdown"]["content"] for p in robot_server.received]
    assert len(contents) == 2 and contents[0] != contents[1]
    assert [c.split("\n", 1)[0][-5:] for c in contents] == ["（1/2）", "（2/2）"]


def test_at_send_time_a_loopback_robot_is_refused_without_the_operator_setting(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url)  # saved while it was allowed (or written to the database directly)
    app.config["WEBHOOK_ALLOWED_HOSTS"] = []
    services.notify([cast.owner], kind="x", subject="不该发出", dedup_key="ssrf:1")
    db.session.commit()
    assert deliver_due().failed == 1
    assert robot_server.posts == 0
    assert "https://" in _deliveries()[0].last_error


def test_redirects_are_not_followed(app, cast, clock, robot_server):
    clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url)
    robot_server.redirect_to = "http://169.254.169.254/latest/meta-data/"
    services.notify([cast.owner], kind="x", subject="重定向", dedup_key="redirect:1")
    db.session.commit()
    assert deliver_due().failed == 1
    assert robot_server.posts == 1 and "重定向" in _deliveries()[0].last_error


def test_platform_throttle_answer_waits_instead_of_failing(app, cast, clock, robot_server):
    moment = clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url.replace("key=test", "access_token=t"), platform="dingtalk")
    robot_server.errcode = 130101  # DingTalk: send too fast, blocked for 10 minutes
    services.notify([cast.owner], kind="x", subject="太快", dedup_key="throttle:1")
    db.session.commit()
    assert deliver_due().queued == 1
    [delivery] = _deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert delivery.next_attempt_at == moment.replace(minute=10)


def test_the_connection_goes_to_a_checked_address_trying_the_next_when_one_refuses(app, cast, clock, robot_server,
                                                                                   monkeypatch):
    # "robot.test" exists only in this stand-in DNS: the post can only arrive through the checked addresses.
    monkeypatch.setattr(robots, "resolve_host", lambda host, port: ["127.0.0.2", "127.0.0.1"])
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["robot.test"]
    clock(2027, 1, 5, 10, 0)
    _robot(cast, robot_server.url.replace("127.0.0.1", "robot.test"))
    services.notify([cast.owner], kind="x", subject="经检查的地址", dedup_key="pinned:1")
    db.session.commit()
    assert deliver_due().sent == 1
    assert robot_server.posts == 1 and robot_server.received[0]["markdown"]["content"] == "**经检查的地址**"
