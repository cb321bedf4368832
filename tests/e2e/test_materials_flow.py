"""会议材料 in a browser: the secretariat publishes the work report's 定稿 to the 开幕大会's expected attendees (an
internal material) and a PDF to every member; a member opens both on a phone (390 px) under a watermark with
their name and member number, the PDF's pages drawn as images; the secretariat sees the receipt and reminds
the member who has not read with one click, who finds the reminder in their notifications."""

from __future__ import annotations

from playwright.sync_api import expect

from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories
from tests.e2e.conftest import log_in, log_out
from tests.materials.conftest import finalized_document, pdf_bytes


def test_publish_read_on_a_phone_with_a_watermark_see_the_receipt_and_remind(live_server, page, phone_page,
                                                                           tmp_path):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        users = {
            "meeting": meeting,
            "secretariat": factories.make_user(Role.SECRETARIAT, username="mishu", display_name="秘书处甲"),
            "group_lead": factories.make_user(Role.GROUP_LEAD, username="cailiao", display_name="材料组长"),
            "staff": factories.make_user(Role.STAFF, username="qicao", display_name="起草人"),
        }
        zhang = factories.make_user(Role.MEMBER, username="weiyuan1", display_name="张委员")
        li = factories.make_user(Role.MEMBER, username="weiyuan2", display_name="李委员")
        factories.make_member(meeting, name="张委员", member_no="0012", user=zhang)
        factories.make_member(meeting, name="李委员", member_no="0013", user=li)
        factories.make_sitting(meeting, name="开幕大会", kind="opening", starts_in_minutes=24 * 60)
        finalized_document(users, title="常委会工作报告",
                           text="各位委员：\n现在，我代表政协攀枝花市委员会常务委员会，向大会报告工作。\n一、过去一年的主要工作")
        db.session.commit()
    pdf = tmp_path / "大会日程.pdf"
    pdf.write_bytes(pdf_bytes(2))

    # The secretariat publishes the 定稿 to the opening's attendees, internal, and the PDF to everyone.
    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/materials/")
    page.get_by_role("link", name="发布材料").click()
    page.get_by_label("定稿材料").select_option(label="《常委会工作报告》（常委会工作报告）")
    page.get_by_label("发放范围", exact=True).select_option(label="会次应到人员")
    page.get_by_label("会次", exact=True).select_option(index=1)
    page.get_by_label("内部材料").check()
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("已发布《常委会工作报告》")).to_be_visible()
    expect(page.locator("#reading")).to_contain_text("应阅 2 · 已阅 0")
    receipts_url = page.url

    page.goto(f"{live_server.url}/materials/new")
    page.get_by_label("上传 PDF 文件").check()
    page.get_by_label("PDF 文件", exact=True).set_input_files(str(pdf))
    page.get_by_label("标题").fill("大会日程")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("已发布《大会日程》")).to_be_visible()

    # 张委员 opens both on a phone.
    phone = phone_page
    log_in(phone, live_server, "weiyuan1", factories.PASSWORD)
    phone.goto(f"{live_server.url}/")
    materials = phone.locator("#my-materials")
    expect(materials).to_contain_text("2 份未读")
    materials.get_by_role("link", name="常委会工作报告").click()
    expect(phone.get_by_role("heading", name="常委会工作报告")).to_be_visible()
    expect(phone.get_by_text("向大会报告工作")).to_be_visible()
    expect(phone.get_by_text("内部材料 · 注意保密")).to_be_visible()
    expect(phone.get_by_text("内部材料仅供在线阅读，不提供下载。")).to_be_visible()
    mark = phone.locator(".material-watermark span").first
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("张委员 0012")
    box = phone.locator(".material-watermark").bounding_box()
    assert box["width"] >= 390 and box["height"] >= 800  # over the whole window
    width = phone.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]  # no sideways scrolling on the phone
    phone.screenshot(path=str(tmp_path / "material-phone.png"))

    phone.goto(f"{live_server.url}/materials/mine")
    phone.get_by_role("link", name="大会日程").click()
    first_page = phone.get_by_role("img", name="第 1 页")
    expect(first_page).to_be_visible()
    width = first_page.evaluate("img => img.decode().then(() => img.naturalWidth)")  # the page drawn on the server
    assert abs(width - 1240) <= 1
    assert phone.locator(".material-page img").count() == 2
    expect(phone.get_by_role("link", name="下载PDF")).to_be_visible()

    # The secretariat sees the receipt and reminds the one who has not read.
    page.goto(receipts_url)
    expect(page.locator("#reading")).to_contain_text("应阅 2 · 已阅 1")
    expect(page.locator("tr[data-member-no='0012']")).to_contain_text("已阅")
    expect(page.locator("tr[data-member-no='0013']")).to_contain_text("未阅")
    page.get_by_role("button", name="提醒未阅的 1 位委员").click()
    expect(page.get_by_text("已提醒 1 位尚未阅读的委员")).to_be_visible()
    page.screenshot(path=str(tmp_path / "material-receipts.png"), full_page=True)
    log_out(page)

    log_in(page, live_server, "weiyuan2", factories.PASSWORD)
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_text("请阅读会议材料：常委会工作报告").first).to_be_visible()
