import io

from werkzeug.datastructures import FileStorage

from meetingprep.documents import queries, services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from tests import factories
from tests.access import MANAGERS, READERS, Case, check_cases

ENDPOINTS = {
    "documents.board", "documents.queue", "documents.my_speeches", "documents.submit_speech",
    "documents.create", "documents.edit", "documents.detail", "documents.decide", "documents.comment",
    "documents.add_version", "documents.version", "documents.download", "documents.final_docx", "documents.diff",
    "documents.record",
    "documents.reopen", "documents.assign", "documents.templates", "documents.template_new",
    "documents.template_edit", "documents.types", "documents.type_defaults", "documents.type_edit",
}


def test_route_role_table(app, client, login, role_users, review):
    """The review document has a file v1 (returned) and a text v2 waiting on the group lead."""
    staff, lead = role_users["staff"], role_users["group_lead"]
    first_draft = FileStorage(io.BytesIO("正文".encode()), "初稿.txt")
    services.add_version(staff, queries.document_for_action(review.id), file=first_draft)
    db.session.expire_all()
    services.decide(lead, queries.document_for_action(review.id), Decision.RETURN, comment="请修改")
    db.session.expire_all()
    factories.add_text_version(queries.document_for_action(review.id), staff, "正文（修改）")
    speech = services.submit_speech(role_users["member"], role_users["meeting"], title="发言", text="发言稿")
    template = queries.templates()[0]
    doc_type = factories.make_document_type("other")
    db.session.commit()
    d = f"/documents/{review.id}"
    cases = [
        Case("documents.board", "/documents/", READERS),
        Case("documents.queue", "/documents/queue", READERS),
        Case("documents.my_speeches", "/documents/speeches/mine", {"member"}),
        Case("documents.submit_speech", "/documents/speeches/new", {"member"}),
        Case("documents.create", "/documents/new", MANAGERS),
        Case("documents.edit", f"{d}/edit", MANAGERS),
        Case("documents.detail", d, READERS),
        Case("documents.detail", f"/documents/{speech.id}", READERS | {"member"}),
        Case("documents.decide", f"{d}/decide", {"group_lead"}, method="POST", data={}),
        Case("documents.comment", f"{d}/comments", READERS, method="POST", data={}),
        Case("documents.add_version", f"{d}/versions/new", MANAGERS | {"staff"}),
        Case("documents.version", f"{d}/versions/2", READERS),
        Case("documents.download", f"{d}/versions/1/download", READERS),
        Case("documents.final_docx", f"{d}/final.docx", READERS),  # not final yet: 409 for readers, 403 others
        Case("documents.diff", f"{d}/diff", READERS),
        Case("documents.record", f"{d}/record", READERS),
        Case("documents.reopen", f"{d}/reopen", MANAGERS),
        Case("documents.assign", f"/documents/{speech.id}/assign", MANAGERS),
        Case("documents.templates", "/documents/pipelines", MANAGERS),
        Case("documents.template_new", "/documents/pipelines/new", MANAGERS),
        Case("documents.template_edit", f"/documents/pipelines/{template.id}/edit", MANAGERS),
        Case("documents.types", "/documents/types", MANAGERS),
        Case("documents.type_defaults", "/documents/types/defaults", MANAGERS, method="POST"),
        Case("documents.type_edit", f"/documents/types/{doc_type.id}/edit", MANAGERS),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
