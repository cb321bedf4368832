"""Push channels: e-mail over SMTP and a working group's chat robot webhook.

A sender either returns (delivered) or raises ``DeliveryError`` with a short reason that is stored
on the delivery and shown in the delivery log. Nothing here touches the database.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from flask import current_app


class DeliveryError(Exception):
    pass


def email_configured() -> bool:
    return bool(current_app.config.get("MAIL_HOST"))


def absolute_link(link: str) -> str:
    if not link or urlsplit(link).scheme:
        return link
    return current_app.config["BASE_URL"].rstrip("/") + "/" + link.lstrip("/")


def build_email(to_address: str, subject: str, body: str, link: str) -> EmailMessage:
    """A plain-text UTF-8 message; the default policy encodes the Chinese subject per RFC 2047."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # a header is one line, whatever the wording says
    message["From"] = formataddr(("大会筹备工作平台", config["MAIL_FROM"]))
    message["To"] = to_address
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or "localhost")
    text = body
    url = absolute_link(link)
    if url and url not in text:
        text = f"{text}\n\n{url}"
    message.set_content(text + "\n\n——大会筹备工作平台（本邮件由系统自动发送，请勿直接回复）\n", charset="utf-8")
    return message


def send_email(to_address: str, subject: str, body: str, link: str) -> None:
    config = current_app.config
    message = build_email(to_address, subject, body, link)
    timeout = config["MAIL_TIMEOUT"]
    try:
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout)
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"邮件发送失败：{type(error).__name__}: {error}"[:500]) from error


def webhook_payload(subject: str, body: str, link: str) -> dict:
    """WeCom and DingTalk group robots both accept this text message shape."""
    content = f"{subject}\n{body}"
    url = absolute_link(link)
    if url and url not in content:
        content = f"{content}\n{url}"
    return {"msgtype": "text", "text": {"content": content}}


def post_webhook(url: str, subject: str, body: str, link: str) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("Webhook 地址必须以 http:// 或 https:// 开头。")
    data = json.dumps(webhook_payload(subject, body, link), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["WEBHOOK_TIMEOUT"]) as response:
            answer = response.read(4096)
    except OSError as error:  # URLError, HTTPError (4xx/5xx) and timeouts are all OSErrors
        raise DeliveryError(f"Webhook 调用失败：{error}"[:500]) from error
    # WeCom/DingTalk answer 200 with {"errcode": 0} on success and a non-zero errcode on refusal.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise DeliveryError(f"Webhook 拒绝了消息：{answer[:300].decode('utf-8', 'replace')}")
