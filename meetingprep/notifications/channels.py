"""Push channels: e-mail over SMTP (robots: ``robots.py``).

A sender either returns (delivered) or raises ``DeliveryError`` with a short reason that is stored
on the delivery and shown in the delivery log. Nothing here touches the database.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from meetingprep import timeutil


class DeliveryError(Exception):
    pass


def email_configured() -> bool:
    return bool(current_app.config.get("MAIL_HOST"))


def absolute_link(link: str) -> str:
    if not link or urlsplit(link).scheme:
        return link
    return current_app.config["BASE_URL"].rstrip("/") + "/" + link.lstrip("/")


FOOTER = "——大会筹备工作平台（本邮件由系统自动发送，请勿直接回复）"


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the host people reach the service at (BASE_URL).

    An IPv6 literal is not a dot-atom, so it goes in brackets (RFC 5322 no-fold-literal)."""
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or ""
    if not host:
        return current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    return f"[{host}]" if ":" in host else host


def build_email(to_address: str, subject: str, body: str, link: str) -> EmailMessage:
    """A plain-text part and the same words as HTML (multipart/alternative), both UTF-8; the default
    policy encodes the Chinese subject per RFC 2047.

    ``Date`` and ``Message-ID`` are ours (some relays drop a message without them or count it as
    spam); ``Auto-Submitted`` (RFC 3834) and Exchange's ``X-Auto-Response-Suppress`` keep
    out-of-office robots from answering a reminder."""
    config = current_app.config
    message = EmailMessage()
    subject = " ".join(subject.split())  # a header is one line, whatever the wording says
    message["Subject"] = subject
    message["From"] = formataddr(("大会筹备工作平台", config["MAIL_FROM"]))
    message["To"] = to_address
    message["Date"] = format_datetime(timeutil.local_now())
    message["Message-ID"] = make_msgid(domain=message_id_domain())
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    text = body
    url = absolute_link(link)
    if url and url not in text:
        text = f"{text}\n\n{url}"
    message.set_content(f"{text}\n\n{FOOTER}\n", charset="utf-8")
    paragraphs = [block.splitlines() for block in body.replace("\r\n", "\n").split("\n\n") if block.strip()]
    html = render_template("emails/notification.html", subject=subject, paragraphs=paragraphs, url=url)
    message.add_alternative(html, subtype="html", charset="utf-8")
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
