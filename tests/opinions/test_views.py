"""Opinion pages over HTTP: recording and answering (bad input kept, Chinese, never 500), who sees what, the
定稿 warning on the document page, the report, query counts that do not grow with the opinions."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from meetingprep.documents.models import Document
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.opinions import views
from meetingprep.opinions.models import DiscussionOpinion, DiscussionRecorder
from tests import factories
from tests.opinions.conftest import REPORT_LINES, add_version, record


def _form(world, **fields):
    return {"discussion_group_id": str(world.first_group.id), "member_id": str(world.member.id),
            "paragraph_number": "3", "body": "建议核对提案数字。", **fields}


def test_a_recorder_records_three_opinions_in_a_row(client, login, world):
    login(world.recorder)
    url = f"/opinions/documents/{world.report.id}/new"
    page = client.get(url).get_data(as_text=True)
    assert "第3段：全年共收到委员提案486件" in page and "张委员（0001 · 第一组）" in page
    assert "李委员" not in page  # 第二组 is not theirs
    for body in ("意见一", "意见二", "意见三"):
        response = client.post(url, data=_form(world, body=body))
        assert response.status_code == 302 and f"group={world.first_group.id}" in response.headers["Location"]
    assert db.session.scalar(select(func.count(DiscussionOpinion.id))) == 3
    page = client.get(f"/opinions/documents/{world.report.id}").get_data(as_text=True)
    assert page.count("data-opinion-id") == 3 and "待答复" in page


def test_bad_input_is_refused_in_chinese_with_the_input_kept(client, login, world):
    login(world.recorder)
    url = f"/opinions/documents/{world.report.id}/new"
    cases = [
        (_form(world, body=""), 400, "请填写意见内容"),
        (_form(world, paragraph_number="99", body="段落不对的意见甲"), 400, "共 5 段"),
        (_form(world, paragraph_number="x", body="段落乱填的意见乙"), 400, "段落乱填的意见乙"),
        (_form(world, member_id=str(world.second_member.id), body="别组委员的意见丙"), 400, "不在第一组"),
        (_form(world, member_id="", body="没选委员的意见丁"), 400, "请选择提出意见的委员"),
        (_form(world, discussion_group_id=str(world.second_group.id), body="别组的意见戊"), 403, None),
        (_form(world, discussion_group_id="99999999999999", body="越界的意见己"), 400, "请选择本次会议的分组讨论组"),
        (_form(world, body="长" * 2001), 400, "不能超过 2000 字"),
    ]
    for data, status, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == status, (data, response.status_code)
        body = response.get_data(as_text=True)
        if message:
            assert message in body, data
            assert data["body"][:8] in body  # kept
    assert db.session.scalar(select(func.count(DiscussionOpinion.id))) == 0
    # the answer form
    opinion = record(world, "需要答复的意见")
    login(world.users["staff"])
    answer = f"/opinions/{opinion.id}/answer"
    for data, message in [({"response": "", "version_id": "1"}, "请选择答复"),
                          ({"response": "declined", "note": "", "version_id": "1"}, "未采纳的理由"),
                          ({"response": "adopted", "version_number": "0", "note": "采纳说明庚", "version_id": "1"},
                           "请先上传新版本"),
                          ({"response": "explained", "note": "旧版本上的说明辛", "version_id": "7"}, "已被他人修改"),
                          ({"response": "bogus", "note": "x" * 2001, "version_id": "1"}, "不能超过 2000 字")]:
        response = client.post(answer, data=data)
        assert response.status_code in (400, 409) and message in response.get_data(as_text=True), data
        if data.get("note") and len(data["note"]) < 100:
            assert data["note"] in response.get_data(as_text=True)
    assert db.session.get(DiscussionOpinion, opinion.id).response is None


def test_the_drafting_group_answers_and_the_member_sees_it(client, login, world):
    opinion = record(world, "提案数字请核对。")
    declined = record(world, "建议删去第一段。", paragraph=1)
    revised = [*REPORT_LINES]
    revised[2] = "全年共收到委员提案492件，经审查立案428件。"
    add_version(world, revised)
    login(world.users["staff"])
    page = client.get(f"/opinions/{opinion.id}/answer").get_data(as_text=True)
    assert "第2稿（修改稿）" in page
    assert client.post(f"/opinions/{opinion.id}/answer", data={
        "response": "adopted", "version_number": "2", "note": "", "version_id": str(opinion.version_id)}
    ).status_code == 302
    assert client.post(f"/opinions/{declined.id}/answer", data={
        "response": "declined", "note": "称呼是惯例，保留。", "version_id": str(declined.version_id)}
    ).status_code == 302
    report = client.get(f"/opinions/documents/{world.report.id}/report").get_data(as_text=True)
    assert "采纳 1 条" in report and "未采纳 1 条" in report and "称呼是惯例，保留。" in report and "第2稿" in report
    # the member sees their own opinions and the answers, not others'
    record(world, "王委员自己的意见", member=world.other_member)
    login(world.users["member"])
    mine = client.get("/opinions/mine").get_data(as_text=True)
    assert "提案数字请核对。" in mine and "称呼是惯例，保留。" in mine and "王委员自己的意见" not in mine
    record_page = client.get("/records/me").get_data(as_text=True)
    assert "提案数字请核对。" in record_page and "王委员自己的意见" not in record_page
    assert client.get(f"/opinions/documents/{world.report.id}").status_code == 403
    assert client.get(f"/opinions/{opinion.id}/answer").status_code == 403


def test_finalizing_warns_while_opinions_are_unanswered(client, login, world):
    record(world, "未答复的意见")
    login(world.users["group_lead"])
    url = f"/documents/{world.report.id}"
    page = client.get(url).get_data(as_text=True)
    assert "还有 1 条分组讨论意见未答复" in page and "分组讨论意见 1（1 条待答复）" in page
    response = client.post(f"{url}/decide", data={"decision": "approve", "comment": "同意定稿", "version_number": "1"})
    assert response.status_code == 409 and "请确认" in response.get_data(as_text=True)
    assert "同意定稿" in response.get_data(as_text=True)  # kept
    assert db.session.get(Document, world.report.id).status == DocumentStatus.IN_REVIEW
    response = client.post(f"{url}/decide", data={"decision": "approve", "comment": "同意定稿", "version_number": "1",
                                                  "confirm_unanswered": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, world.report.id).status == DocumentStatus.FINALIZED


def test_no_warning_when_every_opinion_is_answered(client, login, world):
    opinion = record(world, "已答复的意见")
    login(world.users["staff"])
    client.post(f"/opinions/{opinion.id}/answer", data={"response": "explained", "note": "已在会上说明",
                                                        "version_id": str(opinion.version_id)})
    login(world.users["group_lead"])
    assert "未答复" not in client.get(f"/documents/{world.report.id}").get_data(as_text=True)
    response = client.post(f"/documents/{world.report.id}/decide",
                           data={"decision": "approve", "comment": "", "version_number": "1"})
    assert response.status_code == 302


def test_recorders_are_named_and_removed_by_the_secretariat(client, login, world):
    login(world.users["secretariat"])
    data = {"discussion_group_id": str(world.second_group.id), "user_id": str(world.users["group_lead"].id)}
    assert client.post("/opinions/recorders", data=data).status_code == 302
    response = client.post("/opinions/recorders", data=data)
    assert response.status_code == 400 and "已是第二组的记录员" in response.get_data(as_text=True)
    response = client.post("/opinions/recorders", data={"discussion_group_id": "abc", "user_id": ""})
    assert response.status_code == 400 and "请选择本次会议的分组讨论组" in response.get_data(as_text=True)
    recorder = db.session.scalar(select(DiscussionRecorder).where(
        DiscussionRecorder.user_id == world.users["group_lead"].id))
    assert client.post(f"/opinions/recorders/{recorder.id}/remove").status_code == 302
    assert db.session.get(DiscussionRecorder, recorder.id) is None


def test_pages_for_documents_that_are_not_discussed_are_not_found(client, login, world):
    from tests import factories

    other = factories.make_document(world.meeting, type_code="other", actor=world.users["secretariat"])
    db.session.commit()
    login(world.users["secretariat"])
    for url in (f"/opinions/documents/{other.id}", f"/opinions/documents/{other.id}/new",
                f"/opinions/documents/{other.id}/report.xlsx", "/opinions/documents/2147483647",
                "/opinions/999999/answer", "/opinions/groups/999999", "/opinions/documents/99999999999999999"):
        assert client.get(url).status_code == 404, url
    assert "没有分组讨论意见" in client.get(f"/opinions/documents/{other.id}").get_data(as_text=True)


def test_the_reports_are_listed_a_page_at_a_time_with_their_counts(client, login, world, monkeypatch):
    monkeypatch.setattr(views, "DOCUMENTS_PER_PAGE", 2)
    record(world, "第一条意见")
    for n in range(3):
        factories.make_document(world.meeting, drafters=[world.users["staff"]], actor=world.users["secretariat"],
                                title=f"提案工作情况报告{n}", type_code="proposal_report")
    factories.make_document(world.meeting, drafters=[world.users["staff"]], actor=world.users["secretariat"],
                            title="不审议的材料", type_code="speech")
    db.session.commit()
    login(world.users["secretariat"])
    first = client.get("/opinions/").get_data(as_text=True)
    assert first.count("data-document-id") == 2 and "共 4 条" in first and "/opinions/?page=2" in first
    row = first[first.index(f'data-document-id="{world.report.id}"'):]
    assert '<td class="text-md-end" data-label="意见">1</td>' in row[:row.index("</tr>")]  # one opinion, unanswered
    pages = first + client.get("/opinions/?page=2").get_data(as_text=True)
    assert all(f"提案工作情况报告{n}" in pages for n in range(3)) and "不审议的材料" not in pages


def test_query_counts_do_not_grow_with_opinions(client, login, world, count_queries):
    login(world.users["secretariat"])
    report = f"/opinions/documents/{world.report.id}"
    urls = [report, f"{report}/report", f"{report}/report.xlsx", "/opinions/",
            f"/opinions/groups/{world.first_group.id}", f"/documents/{world.report.id}"]

    def measure():
        counts = []
        for url in urls:
            client.get(url)
            db.session.expire_all()
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    record(world, "第1稿上的意见")
    add_version(world, ["新的一段。", *REPORT_LINES])
    record(world, "第2稿上的意见")
    small = measure()
    for n in range(25):
        record(world, f"第{n}条补充意见", paragraph=1 + n % 5, member=world.other_member if n % 2 else world.member)
    add_version(world, ["又一段。", "新的一段。", *REPORT_LINES])
    for n in range(5):
        record(world, f"第3稿上的意见{n}", paragraph=n + 1)
    large = measure()
    assert large == small, (small, large)
    assert small[0] <= 14, small


def test_a_discussion_group_sees_its_own_opinions_and_the_answers(client, login, world):
    """畅通反馈渠道: the group's members (not only the one who spoke) read what their group said and how each
    opinion was answered; a member of another group does not, nor does anyone signed out."""
    from meetingprep.opinions import services

    answered = record(world, "提案数字请核对。", member=world.other_member)
    record(world, "建议增加履职培训内容。")
    record(world, "第二组的意见", member=world.second_member, group=world.second_group,
           actor=world.users["secretariat"])
    services.answer_opinion(world.users["staff"], answered, views._document(world.report.id), response="explained",
                            note="数字已与提案委核对无误。", version_number=None, version_id=answered.version_id)
    db.session.commit()
    second_user = factories.make_user("member", username="zhao", display_name="赵委员")
    factories.make_member(world.meeting, name="赵委员", member_no="0004", group=world.second_group, user=second_user)
    db.session.commit()
    url = f"/opinions/groups/{world.first_group.id}"

    login(world.users["member"])  # 张委员, 第一组: the group's page from their own pages
    assert url in client.get("/opinions/mine").get_data(as_text=True)
    assert url in client.get("/records/me").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "提案数字请核对。" in page and "王委员" in page  # another member's opinion of the same group
    assert "已说明" in page and "数字已与提案委核对无误。" in page  # … and its answer
    assert "建议增加履职培训内容。" in page and "待答复" in page
    assert "第二组的意见" not in page
    assert 'href="/opinions/"' not in page  # no link to the all-groups list it may not open
    assert client.get(f"/opinions/groups/{world.second_group.id}").status_code == 403

    login(second_user)  # a member of 第二组 sees theirs, not 第一组's
    assert client.get(url).status_code == 403
    assert "第二组的意见" in client.get(f"/opinions/groups/{world.second_group.id}").get_data(as_text=True)

    login(world.recorder)  # 第一组's recorder
    assert "数字已与提案委核对无误。" in client.get(url).get_data(as_text=True)

    login(None)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_document_page_marks_each_paragraph_with_its_opinions(client, login, world):
    """Beside the current version's text: per paragraph, the opinions and the unanswered ones, linked to that
    paragraph on the opinions page. An opinion raised on the first draft follows its paragraph into the
    second; one on the whole document has no paragraph to mark."""
    from meetingprep.opinions import services

    record(world, "提案数字请核对。")
    explained = record(world, "立案数请与提案委核对。")
    record(world, "称呼可改为“各位委员、同志们”。", paragraph=1)
    record(world, "全文宜压缩篇幅。", paragraph=None)
    services.answer_opinion(world.users["staff"], explained, views._document(world.report.id), response="explained",
                            note="已核对。", version_number=None, version_id=explained.version_id)
    db.session.commit()
    add_version(world, ["新增的开头一段。", *REPORT_LINES])  # 第1段 → 第2段, 第3段 → 第4段
    record(world, "第2稿上的意见", paragraph=4)
    login(world.users["group_lead"])
    page = client.get(f"/documents/{world.report.id}").get_data(as_text=True)
    marks = dict(re.findall(r'href="/opinions/documents/\d+#p(\d+)" data-paragraph-opinions="\1"[^>]*>([^<]+)</a>',
                            page))
    assert marks == {"2": "意见 1 · 待答复 1", "4": "意见 3 · 待答复 2"}
    text = page[page.index('id="current-text"'):]
    paragraph = text[:text.index("</p>")]
    assert "新增的开头一段。" in paragraph and "data-paragraph-opinions" not in paragraph  # nothing on 第1段
    assert "分组讨论意见 5（4 条待答复）" in page
    # the anchors land on the opinions page's paragraphs
    opinions_page = client.get(f"/opinions/documents/{world.report.id}").get_data(as_text=True)
    assert 'id="p2"' in opinions_page and 'id="p4"' in opinions_page


def test_the_recorder_corrects_an_opinion_until_it_is_answered(client, login, world):
    opinion = record(world, "提按数字请核对。")
    login(world.recorder)
    document_page = client.get(f"/opinions/documents/{world.report.id}").get_data(as_text=True)
    assert f'href="/opinions/{opinion.id}/edit"' in document_page
    form = client.get(f"/opinions/{opinion.id}/edit").get_data(as_text=True)
    assert "提按数字请核对。" in form and "保存更正" in form
    stale = str(opinion.version_id)
    response = client.post(f"/opinions/{opinion.id}/edit", data={"body": "提案数字请核对。", "version_id": stale})
    assert response.status_code == 302
    assert "提案数字请核对。" in client.get(f"/opinions/documents/{world.report.id}").get_data(as_text=True)
    # a second save from the page loaded before: a conflict, the input kept
    response = client.post(f"/opinions/{opinion.id}/edit", data={"body": "另一种改法甲", "version_id": stale})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "已被他人修改" in page and "另一种改法甲" in page
    response = client.post(f"/opinions/{opinion.id}/edit", data={"body": " ", "version_id": str(int(stale) + 1)})
    assert response.status_code == 400 and "请填写意见内容" in response.get_data(as_text=True)
    # answered: no link, no save
    login(world.users["staff"])
    client.post(f"/opinions/{opinion.id}/answer", data={"response": "explained", "note": "已核对",
                                                        "version_id": str(int(stale) + 1)})
    login(world.recorder)
    assert f'href="/opinions/{opinion.id}/edit"' not in client.get(
        f"/opinions/documents/{world.report.id}").get_data(as_text=True)
    response = client.post(f"/opinions/{opinion.id}/edit", data={"body": "再改一次", "version_id": str(int(stale) + 2)})
    assert response.status_code == 409 and "已答复" in response.get_data(as_text=True)
    assert db.session.get(DiscussionOpinion, opinion.id).body == "提案数字请核对。"
