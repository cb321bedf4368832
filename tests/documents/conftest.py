import io
import zipfile

import pytest

from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories


def docx_bytes(*paragraphs: str) -> bytes:
    """A real .docx written by python-docx."""
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fake_docx_without_body() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


@pytest.fixture
def review(app, role_users):
    """A document of the role_users' meeting: staff drafts, the group lead then the leader review."""
    template = factories.make_pipeline_template(
        [[role_users["group_lead"]], [role_users["leader"]]], actor=role_users["secretariat"], name="两级审核")
    document = factories.make_document(role_users["meeting"], template=template, drafters=[role_users["staff"]],
                                       group=role_users["group"], actor=role_users["secretariat"],
                                       title="政协常委会工作报告")
    db.session.commit()
    return document


@pytest.fixture
def member_speech(app, role_users):
    from meetingprep.documents.services import submit_speech

    document = submit_speech(role_users["member"], role_users["meeting"], title="关于康养产业的发言", text="发言正文")
    db.session.commit()
    return document


@pytest.fixture
def other_member(app):
    user = factories.make_user(Role.MEMBER, display_name="另一位委员")
    db.session.commit()
    return user
