"""分组讨论意见 in a browser: a discussion group's recorder enters three opinions on the work report; the drafting
group takes one up in a new version (采纳, with that version) and declines one with a reason; the 意见采纳情况
report shows both; the reviewer's 定稿 warns about the third; a member sees their own record."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.opinions import services as opinion_services
from meetingprep.permissions import Role
from tests import factories, office
from tests.e2e.conftest import log_in, log_out

FIRST_DRAFT = ["各位委员：", "现在，我代表常务委员会向大会报告工作，请予审议。",
               "全年共收到委员提案486件，经审查立案421件。", "组织视察调研38次，报送社情民意信息215篇。",
               "今年要加强委员队伍建设，提升履职能力。"]


def test_opinions_are_recorded_answered_reported_and_warned_about(live_server, page, tmp_path):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        secretariat = factories.make_user(Role.SECRETARIAT, username="mishu", display_name="秘书处甲")
        drafter = factories.make_user(Role.STAFF, username="qicao", display_name="起草人甲")
        reviewer = factories.make_user(Role.LEADER, username="shenhe", display_name="秘书长甲")
        recorder = factories.make_user(Role.STAFF, username="jilu", display_name="记录员甲")
        member_user = factories.make_user(Role.MEMBER, username="weiyuan1", display_name="张三")
        group = factories.make_discussion_group(meeting, "第一组")
        factories.make_member(meeting, name="张三", member_no="0001", group=group, user=member_user,
                              is_standing=True)
        factories.make_member(meeting, name="李四", member_no="0002", group=group)
        factories.make_sitting(meeting, name="第一次全体会议", starts_in_minutes=-60)
        template = factories.make_pipeline_template([[reviewer]], actor=secretariat, name="主席审定")
        report = factories.make_document(meeting, template=template, drafters=[drafter], actor=secretariat,
                                         title="政协攀枝花市委员会常务委员会工作报告")
        report = factories.add_text_version(report, drafter, "\n".join(FIRST_DRAFT), "初稿")
        # the reviewer sends it back for the discussion's opinions: the drafting group may write the next draft
        document_services.decide(reviewer, report, Decision.RETURN, comment="请根据分组讨论意见修改")
        opinion_services.add_recorder(secretariat, meeting.id, group_id=group.id, user_id=recorder.id)
        db.session.commit()
        report_id = report.id
        assert document_queries.document_for_action(report_id).version_count == 1

    # 1. the recorder enters three opinions
    log_in(page, live_server, "jilu", factories.PASSWORD)
    page.goto(f"{live_server.url}/opinions/")
    page.get_by_role("link", name="录入意见").click()
    for member, number, paragraph, body in (
            ("张三", "0001", f"第3段：{FIRST_DRAFT[2]}", "提案数字请与提案委员会最终统计核对。"),
            ("李四", "0002", f"第2段：{FIRST_DRAFT[1]}", "建议删去“请予审议”，改为“请予审查”。"),
            ("张三", "0001", "全文（总体意见）", "建议增加“数字政协”建设的内容。")):
        page.get_by_label("讨论组").select_option(label="第一组")
        page.get_by_label("提出意见的委员").select_option(label=f"{member}（{number} · 第一组）")
        page.get_by_label("针对段落").select_option(label=paragraph)
        page.get_by_label("意见", exact=True).fill(body)
        page.get_by_role("button", name="保存意见").click()
        expect(page.get_by_text(f"已记录{member}委员的意见")).to_be_visible()
    page.get_by_role("link", name="查看已录入的意见").click()
    expect(page.locator("[data-opinion-id]")).to_have_count(3)
    log_out(page)

    # 2. the drafting group writes the second draft, takes up the first opinion in it, declines the second
    log_in(page, live_server, "qicao", factories.PASSWORD)
    page.goto(f"{live_server.url}/documents/{report_id}")
    page.get_by_role("link", name="上传新版本").click()
    revised = [*FIRST_DRAFT]
    revised[2] = "全年共收到委员提案492件，经审查立案428件。"
    page.get_by_label("或直接填写正文").fill("\n".join(revised))
    page.get_by_label("修改说明").fill("按分组讨论意见核对提案数字")
    page.get_by_role("button", name="提交第").click()
    expect(page.get_by_text("已提交第2稿")).to_be_visible()
    page.get_by_role("link", name=re.compile("分组讨论意见 3")).click()
    # the opinion on 第3段 of 第1稿 stands beside 第3段 of 第2稿
    expect(page.locator("#p3")).to_contain_text("提案数字请与提案委员会最终统计核对。")
    page.locator("#p3").get_by_role("link", name="答复").click()
    page.get_by_label("采纳", exact=True).check()
    page.get_by_label("吸收该意见的版本").select_option(label="第2稿（按分组讨论意见核对提案数字）")
    page.get_by_role("button", name="保存答复").click()
    expect(page.get_by_text("已答复张三委员的意见：采纳。")).to_be_visible()
    page.locator("#p2").get_by_role("link", name="答复").click()
    page.get_by_label("未采纳", exact=True).check()
    page.get_by_label(re.compile("^答复说明")).fill("“请予审议”是政协全体会议报告工作的规范用语，予以保留。")
    page.get_by_role("button", name="保存答复").click()
    expect(page.get_by_text("已答复李四委员的意见：未采纳。")).to_be_visible()

    # 3. the 意见采纳情况 report shows both answers (and the third, still open)
    page.get_by_role("link", name="意见采纳情况").click()
    report_page = page.locator("article.opinion-report")
    expect(report_page).to_contain_text("采纳 1 条；部分采纳 0 条；未采纳 1 条；已说明 0 条；待答复 1 条")
    expect(report_page.locator("tr[data-response='采纳']")).to_contain_text("第2稿")
    expect(report_page.locator("tr[data-response='未采纳']")).to_contain_text("规范用语，予以保留")
    expect(report_page.locator("tr[data-response='待答复']")).to_contain_text("数字政协")
    printed = tmp_path / "opinions.pdf"
    page.pdf(path=str(printed), prefer_css_page_size=True)
    assert "(A4)" in office.pdfinfo(printed)["Page size"]
    text = re.sub(r"\s+", "", office.pdftext(printed))  # table cells wrap their lines
    assert "分组讨论意见采纳情况" in text and "采纳1条" in text and "未采纳1条" in text and "数字政协" in text
    assert "返回" not in text and "导出" not in text  # the buttons do not print
    log_out(page)

    # 4. the reviewer's approval would make it 定稿: warned about the unanswered third opinion
    log_in(page, live_server, "shenhe", factories.PASSWORD)
    page.goto(f"{live_server.url}/documents/{report_id}")
    warning = page.locator("[data-finalize-warning]")
    expect(warning).to_contain_text("还有 1 条分组讨论意见未答复")
    page.get_by_label("通过", exact=True).check()
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_text("请确认：尚有分组讨论意见未答复，仍然定稿。")).to_be_visible()
    expect(page.locator("h1")).not_to_contain_text("定稿")
    log_out(page)

    # 5. a member sees their own record: attendance, and the opinions they raised with the answers
    log_in(page, live_server, "weiyuan1", factories.PASSWORD)
    page.get_by_role("link", name="我的履职").click()
    expect(page.locator("h1")).to_have_text("我的履职")
    expect(page.locator("[data-record]")).to_contain_text("应到会次")
    expect(page.get_by_text("提案数字请与提案委员会最终统计核对。")).to_be_visible()
    expect(page.get_by_text("答复：采纳（见第2稿）")).to_be_visible()
    expect(page.get_by_text("李四")).to_have_count(0)
