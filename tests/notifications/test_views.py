"""Inbox, settings, wording, robots and the admin page over HTTP: outcomes, permissions, bad input."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, insert, select

from meetingprep.extensions import db
from meetingprep.notifications.models import (
    Delivery,
    DeliveryStatus,
    GroupWebhook,
    JobRun,
    MessageTemplate,
    Notification,
    NotificationPreference,
)
from meetingprep.timeutil import now
from tests import factories


def test_inbox_lists_own_notifications_with_unread_badge_and_filters(app, client, login, role_users):
    staff = role_users["staff"]
    factories.make_notification(staff, subject="第一条未读", kind="task.due")
    factories.make_notification(staff, subject="已读的逾期", kind="task.overdue", is_read=True)
    factories.make_notification(role_users["member"], subject="别人的通知")
    db.session.commit()
    login(staff)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "第一条未读" in page and "已读的逾期" in page and "别人的通知" not in page
    assert 'aria-label="1 条未读"' in page  # the badge in the navigation bar
    unread = client.get("/notifications/?status=unread").get_data(as_text=True)
    assert "第一条未读" in unread and "已读的逾期" not in unread
    by_kind = client.get("/notifications/?kind=task.overdue").get_data(as_text=True)
    assert "已读的逾期" in by_kind and "第一条未读" not in by_kind
    assert client.get("/notifications/?page=abc&kind=" + "x" * 500).status_code == 200


def test_inbox_query_count_does_not_grow(app, client, login, role_users, count_queries):
    staff = role_users["staff"]
    counts = []
    for total in (10, 500):
        existing = db.session.scalar(select(func.count(Notification.id)))
        db.session.execute(insert(Notification), [
            {"recipient_id": staff.id, "kind": "task.due", "subject": f"通知{n}", "body": "", "link": "",
             "dedup_key": f"bulk:{total}:{n}", "is_escalation": False, "created_at": now()}
            for n in range(total - existing)])
        db.session.commit()
        login(staff)
        client.get("/notifications/")  # warm the user's per-instance caches (one session in tests)
        with count_queries() as counter:
            assert client.get("/notifications/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_mark_read_follows_the_link_and_others_cannot(app, client, login, role_users):
    note = factories.make_notification(role_users["staff"], link="/notifications/settings")
    db.session.commit()
    login(role_users["member"])
    assert client.post(f"/notifications/{note.id}/read").status_code == 403
    assert client.post("/notifications/999999/read").status_code == 404
    login(role_users["staff"])
    response = client.post(f"/notifications/{note.id}/read", data={"go": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/settings")
    assert db.session.get(Notification, note.id).read_at is not None


def test_an_external_link_is_never_followed(app, client, login, role_users):
    note = factories.make_notification(role_users["staff"], link="https://evil.example.com/")
    db.session.commit()
    login(role_users["staff"])
    response = client.post(f"/notifications/{note.id}/read", data={"go": "1"})
    assert response.headers["Location"].endswith("/notifications/")


def test_mark_all_read(app, client, login, role_users):
    for _ in range(3):
        factories.make_notification(role_users["staff"])
    other = factories.make_notification(role_users["member"])
    db.session.commit()
    login(role_users["staff"])
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "已将 3 条通知标为已读" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) == 1
    assert db.session.get(Notification, other.id).read_at is None


def test_settings_save_and_malformed_quiet_hours_are_kept_with_a_message(app, client, login, role_users):
    login(role_users["staff"])
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="22:00"' in page and 'value="07:00"' in page
    response = client.post("/notifications/settings", data={
        "email_enabled": "y", "quiet_enabled": "y", "quiet_start": "25:99", "quiet_end": "7点"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "免打扰开始时间格式不正确" in text and 'value="25:99"' in text and 'value="7点"' in text
    assert db.session.get(NotificationPreference, role_users["staff"].id) is None
    same = client.post("/notifications/settings", data={"quiet_enabled": "y", "quiet_start": "8:00",
                                                        "quiet_end": "08:00"})
    assert same.status_code == 400 and "不能相同" in same.get_data(as_text=True)
    ok = client.post("/notifications/settings", data={"webhook_enabled": "y", "quiet_enabled": "y",
                                                      "quiet_start": "21:30", "quiet_end": "6:45"})
    assert ok.status_code == 302
    preference = db.session.get(NotificationPreference, role_users["staff"].id)
    assert (preference.email_enabled, preference.webhook_enabled) == (False, True)
    assert (preference.quiet_start, preference.quiet_end) == (dt.time(21, 30), dt.time(6, 45))


def test_wording_preview_save_unknown_placeholder_and_reset(app, client, login, role_users):
    login(role_users["secretariat"])
    page = client.get("/notifications/admin/wording/task.due").get_data(as_text=True)
    assert "{任务}" in page and "{截止时间}" in page
    preview = client.post("/notifications/admin/wording/task.due", data={
        "action": "preview", "subject": "提醒：{任务}", "body": "{责任人}请在{截止时间}前完成", "version_id": ""})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "提醒：起草大会主席团第一次会议议程" in text and "张明请在2027年1月8日 周五 17:00前完成" in text
    assert db.session.scalar(select(func.count(MessageTemplate.id))) == 0  # a preview saves nothing

    bad = client.post("/notifications/admin/wording/task.due", data={
        "action": "save", "subject": "提醒：{任务名称}", "body": "{责任人", "version_id": ""})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "花括号不成对" in text or "未知的占位符" in text
    assert "提醒：{任务名称}" in text  # the input is kept
    bad2 = client.post("/notifications/admin/wording/task.due", data={
        "action": "save", "subject": "提醒：{任务名称}", "body": "正文", "version_id": ""})
    assert bad2.status_code == 400 and "未知的占位符：{任务名称}" in bad2.get_data(as_text=True)

    saved = client.post("/notifications/admin/wording/task.due", data={
        "action": "save", "subject": "提醒：{任务}", "body": "{责任人}请尽快", "version_id": ""})
    assert saved.status_code == 302
    row = db.session.scalar(select(MessageTemplate))
    assert (row.kind, row.subject) == ("task.due", "提醒：{任务}")
    stale = client.post("/notifications/admin/wording/task.due", data={
        "action": "save", "subject": "又改：{任务}", "body": "x", "version_id": "0"})
    assert stale.status_code == 409 and "又改：{任务}" in stale.get_data(as_text=True)

    assert client.post("/notifications/admin/wording/task.due/reset").status_code == 302
    assert db.session.scalar(select(func.count(MessageTemplate.id))) == 0
    assert client.get("/notifications/admin/wording/no.such.kind").status_code == 404
    assert client.post("/notifications/admin/wording/no.such.kind/reset").status_code == 404


def _fake_dns(monkeypatch, table: dict[str, list[str]]) -> None:
    """Stand-in DNS: names in ``table`` resolve to those addresses; IP literals to themselves."""
    import ipaddress
    import socket

    from meetingprep.notifications import robots

    def resolve(host, _port):
        if host in table:
            return table[host]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None  # not in our DNS
        return [host]

    monkeypatch.setattr(robots, "resolve_host", resolve)


def test_secretariat_sets_the_robot_and_bad_urls_are_refused(app, client, login, role_users, monkeypatch):
    _fake_dns(monkeypatch, {"qyapi.weixin.qq.com": ["101.91.22.57"], "oapi.dingtalk.com": ["203.119.206.75"],
                            "robot.intranet.cn": ["10.1.2.3"], "rebind.example.cn": ["8.8.8.8", "127.0.0.1"]})
    group = role_users["group"]
    login(role_users["group_lead"])  # #17: a group lead can no longer point the robot anywhere
    assert client.get("/notifications/webhooks").status_code == 403
    assert client.post(f"/notifications/webhooks/{group.id}",
                       data={"url": "http://127.0.0.1:8080/", "is_enabled": "y"}).status_code == 403
    login(role_users["secretariat"])
    assert "会务组" in client.get("/notifications/webhooks").get_data(as_text=True)
    edit = f"/notifications/webhooks/{group.id}"
    for url, words in [("file:///etc/passwd", "https://"),
                       ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "必须以 https:// 开头"),
                       ("https://127.0.0.1/send", "本机、内网或保留地址"),
                       ("https://[::1]/send", "本机、内网或保留地址"),
                       ("https://[::ffff:127.0.0.1]/send", "本机、内网或保留地址"),
                       ("https://169.254.169.254/latest/meta-data", "本机、内网或保留地址"),
                       ("https://192.168.1.10/robot", "本机、内网或保留地址"),
                       ("https://robot.intranet.cn/send", "robot.intranet.cn → 10.1.2.3"),
                       ("https://rebind.example.cn/send", "127.0.0.1"),
                       ("https://no-such-host.example.cn/send", "无法解析"),
                       ("https://user:pw@qyapi.weixin.qq.com/x", "用户名或密码")]:
        bad = client.post(edit, data={"url": url, "is_enabled": "y"})
        assert bad.status_code == 400, url
        assert words in bad.get_data(as_text=True), url
    assert db.session.scalar(select(GroupWebhook)) is None
    empty = client.post(edit, data={"url": "", "is_enabled": "y"})
    assert empty.status_code == 400 and "先填写" in empty.get_data(as_text=True)
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    ok = client.post(edit, data={"url": url, "is_enabled": "y", "version_id": "", "platform": "wecom"})
    assert ok.status_code == 302
    hook = db.session.scalar(select(GroupWebhook))
    assert (hook.url, hook.is_enabled, hook.platform, hook.secret) == (url, True, "wecom", "")
    stale = client.post(edit, data={"url": url, "version_id": "7"})
    assert stale.status_code == 409
    assert client.get("/notifications/webhooks/99999").status_code == 404

    # DingTalk with 加签: the secret is kept, never shown again, never in the audit trail.
    ding = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    secret = "SEC0123456789abcdef"
    wecom_secret = client.post(edit, data={"url": url, "platform": "wecom", "secret": secret,
                                           "version_id": str(hook.version_id)})
    assert wecom_secret.status_code == 400 and "只有钉钉" in wecom_secret.get_data(as_text=True)
    assert client.post(edit, data={"url": ding, "platform": "dingtalk", "secret": secret, "is_enabled": "y",
                                   "version_id": str(hook.version_id)}).status_code == 302
    db.session.expire_all()
    assert (hook.platform, hook.secret) == ("dingtalk", secret)
    page = client.get(edit).get_data(as_text=True)
    assert secret not in page and "已保存加签密钥" in page
    assert client.post(edit, data={"url": ding, "platform": "dingtalk", "secret": "", "is_enabled": "y",
                                   "version_id": str(hook.version_id)}).status_code == 302
    db.session.expire_all()
    assert hook.secret == secret  # left empty: unchanged
    from meetingprep.audit import AuditEntry

    trail = " ".join(str(vars(entry)) for entry in db.session.scalars(select(AuditEntry)))
    assert "oapi.dingtalk.com" in trail and secret not in trail


def test_operator_allowed_host_may_be_http_and_internal(app, client, login, role_users, monkeypatch):
    _fake_dns(monkeypatch, {"robot.intranet.cn": ["10.1.2.3"]})
    app.config["WEBHOOK_ALLOWED_HOSTS"] = "robot.intranet.cn, 127.0.0.1"
    login(role_users["secretariat"])
    edit = f"/notifications/webhooks/{role_users['group'].id}"
    for url in ("http://robot.intranet.cn/send?key=1", "http://127.0.0.1:9000/send"):
        assert client.post(edit, data={"url": url, "is_enabled": "y", "version_id": (
            str(db.session.scalar(select(GroupWebhook.version_id))) if db.session.scalar(select(GroupWebhook))
            else "")}).status_code == 302, url
    refused = client.post(edit, data={"url": "http://192.168.0.1/send", "version_id": str(
        db.session.scalar(select(GroupWebhook.version_id)))})
    assert refused.status_code == 400


def test_admin_page_jobs_pause_resume_run_and_resend(app, client, login, role_users):
    delivery = factories.make_delivery(factories.make_notification(role_users["staff"], subject="发不出去的邮件"),
                                       status="failed")
    factories.make_delivery(factories.make_notification(role_users["staff"], subject="已发出"), status="sent")
    db.session.commit()
    login(role_users["secretariat"])
    page = client.get("/notifications/admin").get_data(as_text=True)
    for label in ("扫描到期提醒", "发送待发消息", "每日简报", "调度器心跳"):
        assert label in page
    assert "发不出去的邮件" in page and "连接被拒绝" in page
    failed_only = client.get("/notifications/admin?status=failed").get_data(as_text=True)
    assert "发不出去的邮件" in failed_only and "已发出" not in failed_only
    assert client.get("/notifications/admin?status=bogus&channel=fax&page=-3").status_code == 200

    assert client.post("/notifications/admin/jobs/reminders.scan/pause").status_code == 302
    assert "已暂停" in client.get("/notifications/admin").get_data(as_text=True)
    assert client.post("/notifications/admin/jobs/reminders.scan/resume").status_code == 302
    assert "已暂停" not in client.get("/notifications/admin").get_data(as_text=True)
    run = client.post("/notifications/admin/jobs/reminders.scan/run", follow_redirects=True)
    assert "已执行" in run.get_data(as_text=True)
    assert db.session.get(JobRun, "reminders.scan").succeeded
    assert client.post("/notifications/admin/jobs/nope/run").status_code == 404
    assert client.post("/notifications/admin/jobs/reminders.scan/explode").status_code == 404

    assert client.post(f"/notifications/admin/deliveries/{delivery.id}/resend").status_code == 302
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.PENDING
    again = client.post(f"/notifications/admin/deliveries/{delivery.id}/resend", follow_redirects=True)
    assert "只有" in again.get_data(as_text=True)
    assert client.post("/notifications/admin/deliveries/424242/resend").status_code == 404


def test_leave_wordings_open_in_the_editor_and_refuse_unknown_placeholders(app, client, login, role_users):
    login(role_users["secretariat"])
    listing = client.get("/notifications/admin/wording").get_data(as_text=True)
    assert "委员请假待审批（大会秘书处）" in listing and "请假审批结果（委员）" in listing
    page = client.get("/notifications/admin/wording/attendance.leave_decided").get_data(as_text=True)
    assert "您的请假申请{结果}" in page and "{意见}" in page
    bad = client.post("/notifications/admin/wording/attendance.leave_decided", data={
        "action": "save", "subject": "请假{批复}", "body": "正文", "version_id": ""})
    assert bad.status_code == 400 and "未知的占位符：{批复}" in bad.get_data(as_text=True)
    assert "请假{批复}" in bad.get_data(as_text=True)  # the input is kept
    assert db.session.scalar(select(func.count(MessageTemplate.id))) == 0


def test_inbox_filters_by_chinese_type_names_and_links_are_real_links(app, client, login, role_users):
    staff = role_users["staff"]
    mention = factories.make_notification(staff, subject="有人提到您", kind="task.mention", link="/tasks/mine")
    factories.make_notification(staff, subject="外部", kind="task.returned", link="https://evil.example.com/")
    db.session.commit()
    login(staff)
    page = client.get("/notifications/").get_data(as_text=True)
    assert '<option value="task.mention" >留言中提到我</option>' in page
    assert '<option value="task.returned" >任务退回</option>' in page
    assert ">task.mention<" not in page and ">task.returned<" not in page
    # 查看 is an <a href> (a new tab works); app.js marks it read through the same POST as 标为已读
    link = re.search(r'<a class="btn btn-sm btn-primary" href="/tasks/mine" data-mark-read="([^"]+)"', page)
    assert link and link.group(1) == f"/notifications/{mention.id}/read"
    assert 'href="https://evil.example.com/"' not in page  # an outside link is never drawn


def test_a_stored_link_opens_under_the_applications_mount_point(app, client, login, role_users):
    """Stored links are paths inside the application (tasks.links): served under /prep, 查看 leads to /prep/…"""
    from meetingprep.tasks.links import my_tasks_path

    staff = role_users["staff"]
    note = factories.make_notification(staff, subject="新任务", kind="task.assigned", link=my_tasks_path())
    db.session.commit()
    login(staff)
    prefix = {"SCRIPT_NAME": "/prep"}
    page = client.get("/notifications/", environ_overrides=prefix).get_data(as_text=True)
    assert 'href="/prep/tasks/mine"' in page
    response = client.post(f"/notifications/{note.id}/read", data={"go": "1"}, environ_overrides=prefix)
    assert response.status_code == 302 and response.headers["Location"].endswith("/prep/tasks/mine")
