import datetime as dt
import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from meetingprep import uploads
from meetingprep.documents import queries, services
from meetingprep.documents.models import Document, DocumentVersion
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db
from tests import factories
from tests.documents.conftest import docx_bytes, fake_docx_without_body


def upload(client, document, data: bytes, name: str, note="初稿"):
    return client.post(f"/documents/{document.id}/versions/new",
                       data={"file": (io.BytesIO(data), name), "note": note}, content_type="multipart/form-data")


def stored_files():
    root = uploads.upload_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_docx_upload_extracts_text_and_enters_review(client, login, role_users, review):
    login(role_users["staff"])
    response = upload(client, review, docx_bytes("一、过去一年的工作", "二、今年的任务"), "常委会工作报告.docx")
    assert response.status_code == 302
    version = db.session.query(DocumentVersion).one()
    db.session.refresh(version)
    assert version.kind == "docx" and "二、今年的任务" in version.text_content
    assert len(stored_files()) == 1
    assert db.session.get(Document, review.id).status == DocumentStatus.IN_REVIEW


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00\x03binary", "报告.docx", "不是有效的"),            # renamed executable
    (b"MZ\x90\x00\x03binary", "setup.exe", "不支持这种文件类型"),     # wrong type
    (b"", "空文件.txt", "空的"),                                       # empty
    (b"not a pdf", "报告.pdf", "不是有效的 PDF"),
    (fake_docx_without_body(), "报告.docx", "不是有效的"),
])
def test_bad_uploads_get_a_message_and_leave_no_file(client, login, role_users, review, data, name, message):
    login(role_users["staff"])
    response = upload(client, review, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored_files() == []
    assert db.session.query(DocumentVersion).count() == 0


def test_too_large_upload(app, client, login, role_users, review):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    login(role_users["staff"])
    response = upload(client, review, b"x" * 2048, "长文.txt")
    assert response.status_code == 400 and "文件太大" in response.get_data(as_text=True)
    assert stored_files() == []


def test_failure_after_storing_removes_the_file(client, login, role_users, review, monkeypatch):
    """The file is written, then the unit of work fails: the rollback deletes it again."""
    from meetingprep.errors import Conflict

    def refuse(*_args, **_kwargs):
        raise Conflict("模拟并发冲突")

    monkeypatch.setattr(services, "_start_stage", refuse)
    login(role_users["staff"])
    response = upload(client, review, "正文".encode(), "a.txt")
    assert response.status_code == 409 and "模拟并发冲突" in response.get_data(as_text=True)
    assert stored_files() == []


def test_download_keeps_the_chinese_filename(client, login, role_users, review):
    login(role_users["staff"])
    upload(client, review, docx_bytes("正文"), "常委会工作报告（征求意见稿）.docx")
    login(role_users["leader"])
    response = client.get(f"/documents/{review.id}/versions/1/download")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("常委会工作报告（征求意见稿）.docx") in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login(role_users["member"])
    assert client.get(f"/documents/{review.id}/versions/1/download").status_code == 403


def test_text_version_return_and_diff(client, login, role_users, review):
    login(role_users["staff"])
    client.post(f"/documents/{review.id}/versions/new", data={"text": "第一段\n第二段写错了", "note": "初稿"})
    login(role_users["group_lead"])
    response = client.post(f"/documents/{review.id}/decide",
                           data={"decision": "return", "comment": "", "version_number": "1"})
    assert response.status_code == 400 and "请填写意见" in response.get_data(as_text=True)
    response = client.post(f"/documents/{review.id}/decide", data={
        "decision": "return", "comment": "第二段请改正", "quote": "第二段写错了", "version_number": "1"})
    assert response.status_code == 302
    login(role_users["staff"])
    page = client.get(f"/documents/{review.id}").get_data(as_text=True)
    assert "第二段请改正" in page and "退回修改" in page
    client.post(f"/documents/{review.id}/versions/new", data={"text": "第一段\n第二段已改正", "note": "修改稿"})
    body = client.get(f"/documents/{review.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "<del>写错了</del>" in body and "<ins>已改正</ins>" in body
    assert 'class="diff-changed"' in body


def test_stale_decision_form_is_refused_with_a_message(client, login, role_users, review):
    factories.add_text_version(queries.document_for_action(review.id), role_users["staff"], "正文")
    db.session.commit()
    login(role_users["group_lead"])
    client.post(f"/documents/{review.id}/decide", data={"decision": "approve", "version_number": "1"})
    # the same reviewer submits again from an old tab: the stage has moved on
    response = client.post(f"/documents/{review.id}/decide", data={"decision": "approve", "version_number": "1"})
    assert response.status_code == 409
    assert "已由其他审核人处理完毕" in response.get_data(as_text=True)


def test_diff_of_pdf_says_not_supported(client, login, role_users, review):
    login(role_users["staff"])
    upload(client, review, b"%PDF-1.4\n%%EOF", "a.pdf")
    db.session.expire_all()
    document = queries.document_for_action(review.id)
    services.decide(role_users["group_lead"], document, Decision.RETURN, comment="重写")
    db.session.commit()
    upload(client, review, b"%PDF-1.4\n%\xe2\xe3\n%%EOF", "b.pdf")
    body = client.get(f"/documents/{review.id}/diff").get_data(as_text=True)
    assert "PDF 不支持文字比对" in body


def test_members_see_only_their_own_submissions(client, login, role_users, member_speech, other_member, review):
    login(role_users["member"])
    assert client.get(f"/documents/{member_speech.id}").status_code == 200
    assert client.get(f"/documents/{review.id}").status_code == 403
    mine = client.get("/documents/speeches/mine").get_data(as_text=True)
    assert "关于康养产业的发言" in mine
    login(other_member)
    assert client.get(f"/documents/{member_speech.id}").status_code == 403
    assert "关于康养产业的发言" not in client.get("/documents/speeches/mine").get_data(as_text=True)
    assert client.get("/documents/").status_code == 403


def test_member_sees_comments_meant_for_them_but_not_internal_ones(client, login, role_users, member_speech):
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    db.session.commit()
    login(role_users["secretariat"])
    response = client.post(f"/documents/{member_speech.id}/assign", data={"template_id": template.id, "group_id": 0})
    assert response.status_code == 302
    login(role_users["group_lead"])
    client.post(f"/documents/{member_speech.id}/comments", data={"c-body": "内部：此稿较弱", "c-is_internal": "y"})
    client.post(f"/documents/{member_speech.id}/decide",
                data={"decision": "return", "comment": "请补充具体数据", "version_number": "1"})
    login(role_users["member"])
    page = client.get(f"/documents/{member_speech.id}").get_data(as_text=True)
    assert "请补充具体数据" in page and "内部：此稿较弱" not in page
    response = client.post(f"/documents/{member_speech.id}/versions/new", data={"text": "补充数据后的发言"})
    assert response.status_code == 302
    assert db.session.get(Document, member_speech.id).status == DocumentStatus.IN_REVIEW


def test_finalised_document_refuses_upload_and_reopen_needs_reason(client, login, role_users, review):
    document = factories.add_text_version(queries.document_for_action(review.id), role_users["staff"], "正文")
    services.decide(role_users["group_lead"], document, Decision.APPROVE)
    db.session.expire_all()
    services.decide(role_users["leader"], queries.document_for_action(review.id), Decision.APPROVE)
    db.session.commit()
    login(role_users["staff"])
    response = client.post(f"/documents/{review.id}/versions/new", data={"text": "再改"})
    assert response.status_code == 409 and "已定稿" in response.get_data(as_text=True)
    login(role_users["secretariat"])
    response = client.post(f"/documents/{review.id}/reopen", data={"reason": ""})
    assert response.status_code == 400 and "需要填写理由" in response.get_data(as_text=True)
    assert client.post(f"/documents/{review.id}/reopen", data={"reason": "主席要求补充"}).status_code == 302
    assert db.session.get(Document, review.id).status == DocumentStatus.RETURNED


def test_record_page_lists_every_stage(client, login, role_users, review):
    login(role_users["leader"])
    body = client.get(f"/documents/{review.id}/record").get_data(as_text=True)
    assert "材料审签单" in body and "第1审" in body and "第2审" in body and "未审核" in body


def test_create_document_keeps_input_on_error(client, login, role_users):
    template = factories.make_pipeline_template([[role_users["leader"]]], actor=role_users["secretariat"])
    doc_type = factories.make_document_type()
    db.session.commit()
    login(role_users["secretariat"])
    response = client.post("/documents/new", data={"title": "提案工作情况报告", "type_id": doc_type.id,
                                                   "group_id": 0, "template_id": template.id})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "请至少指定一位起草人" in body and 'value="提案工作情况报告"' in body
    response = client.post("/documents/new", data={"title": "提案工作情况报告", "type_id": doc_type.id, "group_id": 0,
                                                   "template_id": template.id, "drafter_ids": [role_users["staff"].id]})
    assert response.status_code == 302
    assert db.session.query(Document).filter_by(title="提案工作情况报告").one().status == DocumentStatus.DRAFTING


def test_template_form_creates_and_edits(client, login, role_users):
    login(role_users["secretariat"])
    data = {"name": "三级审核", "stages-0-name": "材料组初审", "stages-0-reviewer_ids": [role_users["staff"].id],
            "stages-0-rule": "any", "stages-0-allowance_days": "2",
            "stages-1-name": "领导审定", "stages-1-reviewer_role": "leader", "stages-1-rule": "all",
            "stages-1-allowance_days": "3", "stages-2-name": "", "stages-2-rule": "any"}
    assert client.post("/documents/pipelines/new", data=data).status_code == 302
    template = queries.templates()[0]
    assert [s.name for s in template.stages] == ["材料组初审", "领导审定"]
    page = client.get(f"/documents/pipelines/{template.id}/edit").get_data(as_text=True)
    assert "材料组初审" in page
    bad = dict(data, **{"stages-0-rule": "m_of_n", "stages-0-required_count": "3"})
    response = client.post("/documents/pipelines/new", data=dict(bad, name="另一个"))
    assert response.status_code == 400 and "只指定了 1 位" in response.get_data(as_text=True)


def test_document_types_add_and_rename(client, login, role_users):
    login(role_users["secretariat"])
    client.post("/documents/types/defaults")
    assert client.post("/documents/types", data={"name": "政协章程修正案说明", "sort_order": 50}).status_code == 302
    response = client.post("/documents/types", data={"name": "大会发言"})
    assert response.status_code == 400 and "已有名为" in response.get_data(as_text=True)
    names = [t.name for t in queries.document_types()]
    assert names[:4] == ["常委会工作报告", "提案工作情况报告", "大会发言", "其他材料"] and "政协章程修正案说明" in names


def test_malformed_filter_and_ids_are_not_errors(client, login, role_users, review):
    login(role_users["secretariat"])
    assert client.get("/documents/?type=abc&status=nope&page=-3&group=x").status_code == 200
    assert client.get("/documents/999999").status_code == 404
    assert client.get(f"/documents/{review.id}/diff?a=1&b=9").status_code == 404
    assert client.get(f"/documents/{review.id}/versions/5/download").status_code == 404


def test_second_reviewer_of_an_any_stage_arriving_late_gets_a_clear_message(client, login, role_users):
    """The SQLite side of the race (writers queue on BEGIN IMMEDIATE): the later decision is refused kindly."""
    second = factories.make_user("staff", display_name="另一位初审")
    template = factories.make_pipeline_template([[role_users["group_lead"], second], [role_users["leader"]]],
                                                actor=role_users["secretariat"])
    document = factories.make_document(role_users["meeting"], template=template, drafters=[role_users["staff"]],
                                       actor=role_users["secretariat"])
    factories.add_text_version(document, role_users["staff"], "正文")
    db.session.commit()
    login(second)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "提交审核意见" in page
    login(role_users["group_lead"])
    assert client.post(f"/documents/{document.id}/decide",
                       data={"decision": "approve", "version_number": "1"}).status_code == 302
    login(second)
    response = client.post(f"/documents/{document.id}/decide", data={"decision": "approve", "version_number": "1"})
    assert response.status_code == 409
    assert "已由其他审核人处理完毕" in response.get_data(as_text=True)
    assert db.session.query(services.ReviewDecision).count() == 1


def test_edit_with_a_stale_version_keeps_the_input(client, login, role_users, review):
    login(role_users["secretariat"])
    page = client.get(f"/documents/{review.id}/edit").get_data(as_text=True)
    assert 'value="政协常委会工作报告"' in page
    data = {"title": "政协常委会工作报告（修改标题）", "type_id": factories.make_document_type().id,
            "group_id": role_users["group"].id, "drafter_ids": [role_users["staff"].id], "version_id": "0"}
    db.session.commit()
    response = client.post(f"/documents/{review.id}/edit", data=data)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "已被他人修改" in body and "（修改标题）" in body
    document = queries.document_for_action(review.id)
    response = client.post(f"/documents/{review.id}/edit", data=dict(data, version_id=document.version_id))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, review.id).title.endswith("（修改标题）")


def test_board_filters_and_overdue_highlight(client, login, role_users, review, time_machine):
    other = factories.make_document(role_users["meeting"], title="其他会务材料", type_code="other",
                                    drafters=[role_users["staff"]], actor=role_users["secretariat"])
    factories.add_text_version(queries.document_for_action(review.id), role_users["staff"], "正文")
    db.session.commit()
    login(role_users["leader"])
    body = client.get("/documents/?status=in_review").get_data(as_text=True)
    assert "政协常委会工作报告" in body and "其他会务材料" not in body
    body = client.get(f"/documents/?type={other.type_id}").get_data(as_text=True)
    assert "其他会务材料" in body and "政协常委会工作报告" not in body
    body = client.get("/documents/?stage=第1审").get_data(as_text=True)
    assert "政协常委会工作报告" in body and "其他会务材料" not in body
    body = client.get(f"/documents/?group={role_users['group'].id}").get_data(as_text=True)
    assert "政协常委会工作报告" in body and "其他会务材料" not in body
    assert "超时" not in client.get("/documents/").get_data(as_text=True)
    assert "政协常委会工作报告" not in client.get("/documents/?overdue=1").get_data(as_text=True)
    time_machine.move_to(review.created_at + dt.timedelta(days=3), tick=False)
    login(role_users["leader"])  # three days later the idle session has ended
    body = client.get("/documents/").get_data(as_text=True)
    assert 'class="table-danger"' in body and "超时" in body
    body = client.get("/documents/?overdue=1").get_data(as_text=True)  # the dashboard's overdue figures link here
    assert "政协常委会工作报告" in body and "其他会务材料" not in body and 'id="filter-overdue" checked' in body


def test_a_members_speech_page_shows_no_content_hash(client, login, role_users, member_speech):
    digest = db.session.scalars(select(DocumentVersion.sha256).where(
        DocumentVersion.document_id == member_speech.id)).first()
    login(role_users["member"])
    assert digest[:12] not in client.get(f"/documents/{member_speech.id}").get_data(as_text=True)
    login(role_users["secretariat"])  # staff who check a file's integrity still see it
    assert digest[:12] in client.get(f"/documents/{member_speech.id}").get_data(as_text=True)


def test_the_review_form_preselects_no_decision_and_has_one_opinion_box(client, login, role_users, review):
    factories.add_text_version(queries.document_for_action(review.id), role_users["staff"], "正文")
    db.session.commit()
    login(role_users["group_lead"])
    page = client.get(f"/documents/{review.id}").get_data(as_text=True)
    decide = page[page.index('id="decide"'):page.index("</form>", page.index('id="decide"'))]
    assert 'value="approve"' in decide and "checked" not in decide
    # the comment form (a remark without a decision) is folded away: one visible 意见 box
    assert "<details" in page and "不作审核结论，只发表意见" in page
    response = client.post(f"/documents/{review.id}/decide", data={"comment": "同意", "version_number": "1"})
    assert response.status_code == 400 and "请选择通过或退回修改。" in response.get_data(as_text=True)
    assert db.session.get(Document, review.id).status == DocumentStatus.IN_REVIEW
