from playwright.sync_api import expect

from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories
from tests.e2e.conftest import log_in


def log_out(page) -> None:
    """Forget the session (the logout button sits inside a closed dropdown menu)."""
    page.context.clear_cookies()


def _upload(page, live, document_id, name: str, text: str, note: str) -> None:
    page.goto(f"{live.url}/documents/{document_id}")
    page.get_by_role("link", name="上传新版本").click()
    page.get_by_label("上传文件").set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": text.encode("utf-8")}])
    page.get_by_label("修改说明").fill(note)
    page.get_by_role("button", name="提交第").click()
    page.wait_for_url(f"**/documents/{document_id}")


def _decide(page, live, username, decision: str, comment: str = "") -> None:
    log_in(page, live, username, factories.PASSWORD)
    page.goto(f"{live.url}/documents/queue")
    page.get_by_role("link", name="政协常委会工作报告").click()
    page.get_by_label(decision).check()
    if comment:
        page.get_by_label("意见", exact=True).fill(comment)
    page.get_by_role("button", name="提交审核意见").click()
    page.wait_for_selector(".alert-success")
    log_out(page)


def test_upload_return_revise_diff_and_finalise(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        group = factories.make_group(meeting, name="材料组")
        secretariat = factories.make_user(Role.SECRETARIAT, username="mishu")
        factories.make_user(Role.STAFF, username="qicao", display_name="起草人小李", group=group)
        first = factories.make_user(Role.GROUP_LEAD, username="chushen", display_name="材料组长", group=group)
        chair = factories.make_user(Role.LEADER, username="zhuxi", display_name="主席")
        template = factories.make_pipeline_template([[first], [chair]], actor=secretariat, name="两级审核")
        drafter = db.session.query(factories.User).filter_by(username="qicao").one()
        document = factories.make_document(meeting, template=template, drafters=[drafter], group=group,
                                           actor=secretariat, title="政协常委会工作报告")
        document_id = document.id
        db.session.commit()

    log_in(page, live_server, "qicao", factories.PASSWORD)
    _upload(page, live_server, document_id, "工作报告.txt", "一、过去一年的工作\n全年共收到提案五百件。", "初稿")
    expect(page.get_by_text("已提交第1稿")).to_be_visible()
    log_out(page)

    _decide(page, live_server, "chushen", "退回修改", "提案数量请与提案委核对")

    log_in(page, live_server, "qicao", factories.PASSWORD)
    page.goto(f"{live_server.url}/documents/{document_id}")
    expect(page.locator("#comments .comment-body").get_by_text("提案数量请与提案委核对")).to_be_visible()
    revised = "一、过去一年的工作\n全年共收到提案五百二十件。"
    _upload(page, live_server, document_id, "工作报告v2.txt", revised, "核对数量")
    page.get_by_role("link", name="版本比对").click()
    assert page.locator(".diff-table tr.diff-changed ins").first.inner_text() == "二十"
    expect(page.locator(".diff-table tr.diff-equal").first).to_be_visible()
    page.get_by_role("link", name="按段落对照").click()
    expect(page.locator(".diff-table tr.diff-changed td").nth(3)).to_have_text("全年共收到提案五百二十件。")
    assert page.locator(".diff-table ins").count() == 0
    log_out(page)

    _decide(page, live_server, "chushen", "通过")
    _decide(page, live_server, "zhuxi", "通过")

    log_in(page, live_server, "qicao", factories.PASSWORD)
    page.goto(f"{live_server.url}/documents/{document_id}")
    assert page.locator(".page-header .page-state .badge").inner_text() == "定稿"  # the state beside the title
    with page.expect_download() as download:
        page.get_by_role("link", name="下载定稿 Word（公文格式）").click()
    assert download.value.suggested_filename == "政协常委会工作报告（定稿）.docx"
    assert page.get_by_role("link", name="上传新版本").count() == 0
    page.goto(f"{live_server.url}/documents/{document_id}/versions/new")
    page.get_by_label("或直接填写正文").fill("偷偷再改一版")
    page.get_by_role("button", name="提交第").click()
    expect(page.get_by_text("文件已定稿并锁定，不能再上传新版本")).to_be_visible()
    assert page.get_by_label("或直接填写正文").input_value() == "偷偷再改一版"
