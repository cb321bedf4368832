"""Materials over HTTP: reading with a watermark and a receipt, scopes, downloads, publishing with bad input,
receipts and reminders, 我的材料 and the member's home, 会议简报."""

from __future__ import annotations

import io

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.materials import queries, services
from meetingprep.materials.models import Audience, Briefing, DownloadPolicy, Material, MaterialReceipt
from meetingprep.notifications.models import Notification
from tests import factories
from tests.materials.conftest import finalized_document, pdf_bytes, publish_document, publish_pdf, refinalize


def _receipts() -> list[MaterialReceipt]:
    db.session.expire_all()
    return list(db.session.scalars(select(MaterialReceipt)))


def test_a_member_reads_under_their_watermark_and_the_reading_is_recorded(client, login, role_users, roster):
    material = publish_document(role_users, finalized_document(role_users, text="一、过去一年的工作\n二、今年的建议"))
    login(roster.member)
    response = client.get(f"/materials/{material.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "一、过去一年的工作" in page and 'class="material-watermark"' in page
    assert page.count("张委员 0007 ") >= 100  # the reader's name and member number, repeated over the window
    client.get(f"/materials/{material.id}")
    receipts = _receipts()
    assert [(r.member_id, r.open_count, r.version_number) for r in receipts] == [(roster.member_profile.id, 2, 1)]


def test_members_see_only_the_materials_of_their_scope(client, login, role_users, roster):
    theirs = publish_document(role_users, finalized_document(role_users, title="第一组讨论提纲"),
                              Audience.SITTING, sitting_id=roster.sitting.id)
    standing = publish_document(role_users, finalized_document(role_users, title="常委会议材料"), Audience.STANDING)
    login(roster.member)
    assert client.get(f"/materials/{theirs.id}").status_code == 200
    assert client.get(f"/materials/{standing.id}").status_code == 403
    mine = client.get("/materials/mine").get_data(as_text=True)
    assert "第一组讨论提纲" in mine and "常委会议材料" not in mine
    assert client.get(f"/materials/{standing.id}/download").status_code == 403
    assert client.get(f"/materials/{theirs.id}/receipts").status_code == 403
    assert client.get("/materials/").status_code == 403
    login(roster.other)
    assert client.get(f"/materials/{standing.id}").status_code == 200
    assert client.get(f"/materials/{theirs.id}").status_code == 403
    login(role_users["staff"])  # whoever follows the preparation reads every material, and leaves no receipt
    assert client.get(f"/materials/{standing.id}").status_code == 200
    assert "工作人员甲 r_staff" in client.get(f"/materials/{theirs.id}").get_data(as_text=True)
    assert {r.member_id for r in _receipts()} == {roster.member_profile.id, roster.other_profile.id}
    assert client.get("/materials/999999").status_code == 404


def test_internal_materials_are_not_downloadable_except_by_the_secretariat(client, login, role_users, roster):
    internal = publish_document(role_users, finalized_document(role_users, title="内部报告"), is_internal=True)
    open_one = publish_document(role_users, finalized_document(role_users, title="公开报告"))
    allowed = publish_document(role_users, finalized_document(role_users, title="允许下载的内部材料"),
                               is_internal=True, download=DownloadPolicy.ALLOW)
    for user in (roster.member, role_users["staff"], role_users["leader"]):
        login(user)
        assert client.get(f"/materials/{internal.id}/download").status_code == 403
        assert "内部材料仅供在线阅读" in client.get(f"/materials/{internal.id}").get_data(as_text=True)
        assert client.get(f"/materials/{allowed.id}/download").status_code == 200
    login(roster.member)
    response = client.get(f"/materials/{open_one.id}/download")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    login(role_users["secretariat"])
    assert client.get(f"/materials/{internal.id}/download").status_code == 200
    downloads = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "下载",
                                                                     AuditEntry.object_id == open_one.id)).all()
    assert downloads == [roster.member.id]  # who took a copy is in the record


def test_pdf_pages_are_images_with_the_watermark_for_the_current_version_only(client, login, role_users, roster):
    material = publish_pdf(role_users, pages=2)
    login(roster.member)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert f"/materials/{material.id}/versions/1/pages/2" in page and "第 2 / 2 页" in page
    image = client.get(f"/materials/{material.id}/versions/1/pages/1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:3] == b"\xff\xd8\xff"
    assert client.get(f"/materials/{material.id}/versions/1/pages/3").status_code == 404
    assert client.get(f"/materials/{material.id}/versions/2/pages/1").status_code == 404
    download = client.get(f"/materials/{material.id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    services.replace_file(role_users["secretariat"], queries.material(material.id),
                          FileStorage(io.BytesIO(pdf_bytes(1)), filename="新日程.pdf"))
    db.session.commit()
    assert client.get(f"/materials/{material.id}/versions/1/pages/1").status_code == 403  # the record's, not theirs
    assert "已更新为第2版" in client.get(f"/materials/{material.id}").get_data(as_text=True)
    login(role_users["secretariat"])
    assert client.get(f"/materials/{material.id}/versions/1/pages/1").status_code == 200
    assert "已被第2版替换" in client.get(f"/materials/{material.id}/versions/1").get_data(as_text=True)


def test_publishing_through_the_form(client, login, role_users, roster):
    document = finalized_document(role_users, title="提案工作情况报告")
    login(role_users["secretariat"])
    form = client.get(f"/materials/new?document_id={document.id}").get_data(as_text=True)
    assert f'<option selected value="{document.id}">' in form or f'value="{document.id}" selected' in form
    response = client.post("/materials/new", data={
        "source": "document", "document_id": str(document.id), "audience": "groups",
        "group_ids": [str(roster.group_one.id)], "download": "auto", "sitting_id": ""})
    assert response.status_code == 302
    material = db.session.scalar(select(Material).where(Material.document_id == document.id))
    assert response.headers["Location"].endswith(f"/materials/{material.id}/receipts")
    receipts = client.get(f"/materials/{material.id}/receipts").get_data(as_text=True)
    assert "第一组" in receipts and "张委员" in receipts and "王委员" in receipts and "李委员" not in receipts
    response = client.post("/materials/new", data={
        "source": "upload", "title": "大会日程", "audience": "all", "download": "auto",
        "file": (io.BytesIO(pdf_bytes(1)), "日程.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302


def test_bad_input_is_refused_in_chinese_with_the_input_kept(client, login, role_users, roster):
    login(role_users["secretariat"])
    before = db.session.scalar(select(func.count(Material.id)))
    cases = [
        ({"source": "document", "title": "保留的标题甲", "audience": "all", "download": "auto"}, "二选一"),
        ({"source": "document", "document_id": "999999", "title": "保留的标题乙", "audience": "all",
          "download": "auto"}, "已定稿的材料"),
        ({"source": "upload", "title": "保留的标题丙", "audience": "all", "download": "auto",
          "file": (io.BytesIO(b"MZ\x90\x00"), "病毒.exe")}, "不支持这种文件类型"),
        ({"source": "upload", "title": "保留的标题丁", "audience": "all", "download": "auto",
          "file": (io.BytesIO(b"<html>"), "伪装.pdf")}, "不是有效的 PDF"),
        ({"source": "upload", "title": "保留的标题戊", "audience": "sitting", "download": "auto",
          "file": (io.BytesIO(pdf_bytes(1)), "a.pdf")}, "请选择会次"),
        ({"source": "upload", "title": "保留的标题己", "audience": "nonsense", "download": "maybe",
          "group_ids": ["x"], "sitting_id": "abc"}, "保留的标题己"),
        ({"source": "upload", "title": "保留的标题庚" + "长" * 300, "audience": "all", "download": "auto"},
         "标题不能超过 200 字"),
    ]
    for data, message in cases:
        response = client.post("/materials/new", data=data, content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code in (400, 404), (data, response.status_code)
        assert message in page, (message, page[:2000])
        assert data["title"][:6] in page  # what was typed is still there
    assert db.session.scalar(select(func.count(Material.id))) == before
    from meetingprep.uploads import upload_root

    assert not list(upload_root().rglob("*.pdf")) if upload_root().exists() else True  # no file left behind


def test_editing_the_scope_keeps_the_input_on_a_conflict(client, login, role_users, roster):
    material = publish_document(role_users, finalized_document(role_users))
    login(role_users["secretariat"])
    assert client.get(f"/materials/{material.id}/edit").status_code == 200
    response = client.post(f"/materials/{material.id}/edit", data={
        "title": "改过的标题", "audience": "standing", "download": "deny", "version_id": "0"})
    assert response.status_code == 409 and "改过的标题" in response.get_data(as_text=True)
    response = client.post(f"/materials/{material.id}/edit", data={
        "title": "改过的标题", "audience": "standing", "download": "deny", "version_id": str(material.version_id)})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Material, material.id)
    assert (saved.title, saved.audience, saved.download) == ("改过的标题", Audience.STANDING, DownloadPolicy.DENY)


def test_the_secretariat_sees_who_has_not_read_and_reminds_them_in_one_action(client, login, role_users, roster):
    document = finalized_document(role_users)
    material = publish_document(role_users, document)
    login(roster.member)
    client.get(f"/materials/{material.id}")
    login(role_users["secretariat"])
    page = client.get(f"/materials/{material.id}/receipts").get_data(as_text=True)
    assert "应阅 <strong>3</strong> · 已阅 <strong>1</strong>" in page and "提醒未阅的 1 位委员" in page
    unread = client.get(f"/materials/{material.id}/receipts?state=unread").get_data(as_text=True)
    assert "李委员" in unread and "王委员" in unread and "张委员" not in unread and "无账号" in unread
    assert client.get(f"/materials/{material.id}/receipts?state=bogus&page=-4").status_code == 200
    version_id = db.session.get(Material, material.id).version_id
    response = client.post(f"/materials/{material.id}/remind", data={"version_id": str(version_id)})
    assert response.status_code == 302
    assert "已提醒 1 位" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalars(select(Notification.recipient_id).where(
        Notification.kind == "material.reminder")).all() == [roster.other.id]
    again = client.post(f"/materials/{material.id}/remind", data={"version_id": str(version_id)},
                        follow_redirects=True)
    assert "提醒刚刚已发出" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "material.reminder")) == 1
    refinalize(role_users, document.id, "新的定稿")
    db.session.commit()
    page = client.get(f"/materials/{material.id}/receipts?state=stale").get_data(as_text=True)
    assert "张委员" in page and "第1版" in page


def test_withdraw_and_replace_refusals_are_shown_on_the_page(client, login, role_users, roster):
    material = publish_pdf(role_users)
    login(role_users["secretariat"])
    response = client.post(f"/materials/{material.id}/withdraw", data={"reason": ""})
    assert response.status_code == 400 and "撤回材料请填写理由" in response.get_data(as_text=True)
    response = client.post(f"/materials/{material.id}/replace", data={
        "file": (io.BytesIO(b"not a pdf"), "x.pdf"), "note": "保留的更新说明"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "不是有效的 PDF" in page and "保留的更新说明" in page
    assert client.post(f"/materials/{material.id}/withdraw", data={"reason": "日程有误"}).status_code == 302
    login(roster.member)
    assert client.get(f"/materials/{material.id}").status_code == 403
    assert "大会日程" not in client.get("/materials/mine").get_data(as_text=True)


def test_the_members_home_lists_their_materials_with_what_is_unread(client, login, role_users, roster):
    read = publish_document(role_users, finalized_document(role_users, title="已读的报告"))
    publish_document(role_users, finalized_document(role_users, title="未读的报告"))
    login(roster.member)
    client.get(f"/materials/{read.id}")
    home = client.get("/").get_data(as_text=True)
    section = home[home.index('id="my-materials"'):home.index('id="my-sittings"')]
    assert "已读的报告" in section and "未读的报告" in section and "1 份未读" in section


def test_briefings_are_created_from_their_page(client, login, role_users, roster):
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    db.session.commit()
    login(role_users["secretariat"])
    assert "新建会议简报 第 1 期" in client.get("/materials/briefings/new").get_data(as_text=True)
    response = client.post("/materials/briefings/new", data={
        "headline": "保留的简报标题", "drafter_ids": [], "template_id": str(template.id), "audience": "all",
        "download": "auto", "group_id": "0"})
    assert response.status_code == 400 and "请至少指定一位起草人" in response.get_data(as_text=True)
    assert "保留的简报标题" in response.get_data(as_text=True)
    response = client.post("/materials/briefings/new", data={
        "headline": "预备会议召开", "drafter_ids": [str(role_users["staff"].id)], "template_id": str(template.id),
        "audience": "all", "download": "auto", "group_id": "0"})
    assert response.status_code == 302
    briefing = db.session.scalar(select(Briefing))
    assert response.headers["Location"].endswith(f"/documents/{briefing.document_id}")
    listing = client.get("/materials/briefings").get_data(as_text=True)
    assert "会议简报 第1期：预备会议召开" in listing and "定稿后发布" in listing
    login(role_users["leader"])
    assert "会议简报 第1期" in client.get("/materials/briefings").get_data(as_text=True)
    assert client.get("/materials/briefings/new").status_code == 403


def test_the_board_counts_readings_as_of_the_latest_change(client, login, role_users, roster, count_queries):
    """The board's reading figures are held until the data changes: a second view does not count them again,
    and a member's opening shows on the next view."""
    material = publish_document(role_users, finalized_document(role_users))
    login(role_users["secretariat"])
    assert 'aria-valuenow="0"' in client.get("/materials/").get_data(as_text=True)
    with count_queries() as counter:
        client.get("/materials/")
    assert not any("material_receipts" in statement for statement in counter.statements)  # served as held
    login(roster.member)
    client.get(f"/materials/{material.id}")
    login(role_users["secretariat"])
    assert 'aria-valuenow="33"' in client.get("/materials/").get_data(as_text=True)  # 1 of 3 members
