"""A small roster for materials: two discussion groups, members with and without accounts, a sitting of one
group, and a 定稿 document to publish."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from werkzeug.datastructures import FileStorage

from meetingprep.auth.models import User
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.materials import queries, services
from meetingprep.materials.models import Audience
from meetingprep.permissions import Role
from tests import factories


def pdf_bytes(pages: int = 2) -> bytes:
    """A valid PDF of blank A4 pages (PDFium writes it)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def pdf_upload(pages: int = 2, name: str = "大会日程.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(pdf_bytes(pages)), filename=name)


def finalized_document(role_users, title: str = "常委会工作报告",
                       text: str = "各位委员：\n现在，我代表常务委员会报告工作。"):
    """A document of the meeting taken through a one-stage pipeline (the group lead approves) to 定稿."""
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    document = factories.make_document(role_users["meeting"], template=template, drafters=[role_users["staff"]],
                                       actor=role_users["secretariat"], title=title)
    document = factories.add_text_version(document, role_users["staff"], text)
    document_services.decide(role_users["group_lead"], document, Decision.APPROVE)
    db.session.flush()
    db.session.expire_all()
    return document_queries.document_for_action(document.id)


def refinalize(role_users, document_id: int, text: str):
    """Reopen, revise and approve again: a new 定稿 (the material follows)."""
    document_services.reopen(role_users["secretariat"], document_queries.document_for_action(document_id), "补充数据")
    document = factories.add_text_version(document_queries.document_for_action(document_id), role_users["staff"],
                                          text)
    document_services.decide(role_users["group_lead"], document, Decision.APPROVE)
    db.session.flush()
    db.session.expire_all()


@dataclass
class Roster:
    meeting: object
    group_one: object
    group_two: object
    sitting: object           # 第一组 only
    member: User              # role_users["member"]: 第一组, not 常委
    member_profile: object
    other: User               # 第二组, 常委
    other_profile: object
    offline_profile: object   # 第一组, no account


@pytest.fixture
def roster(app, role_users) -> Roster:
    meeting = role_users["meeting"]
    one = factories.make_discussion_group(meeting, "第一组")
    two = factories.make_discussion_group(meeting, "第二组")
    member = role_users["member"]
    other = factories.make_user(Role.MEMBER, username="weiyuan_b", display_name="李委员")
    member_profile = factories.make_member(meeting, name="张委员", member_no="0007", group=one, user=member)
    other_profile = factories.make_member(meeting, name="李委员", member_no="0008", group=two, user=other,
                                          is_standing=True)
    offline = factories.make_member(meeting, name="王委员", member_no="0009", group=one)
    sitting = factories.make_sitting(meeting, name="分组讨论（第一组）", kind="group", expectation="groups",
                                     groups=[one], starts_in_minutes=24 * 60)
    db.session.commit()
    return Roster(meeting, one, two, sitting, member, member_profile, other, other_profile, offline)


def publish_document(role_users, document, audience=Audience.ALL, **scope):
    material = services.publish(role_users["secretariat"], role_users["meeting"], services.PublishData(
        scope=services.Scope(audience=audience, **scope), document_id=document.id))
    db.session.commit()
    return queries.material(material.id)  # reloaded as a page would, with what the rules read


def publish_pdf(role_users, title="大会日程", audience=Audience.ALL, pages=2, **scope):
    material = services.publish(role_users["secretariat"], role_users["meeting"], services.PublishData(
        scope=services.Scope(audience=audience, **scope), title=title, file=pdf_upload(pages)))
    db.session.commit()
    return queries.material(material.id)
