import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from meetingprep.attendance import services
from meetingprep.attendance.models import CheckIn, LeaveRequest, LeaveStatus, MemberProfile, Sitting
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from tests import factories
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def world(role_users):
    meeting = role_users["meeting"]
    group = factories.make_discussion_group(meeting, "第一组")
    zhang = factories.make_member(meeting, name="张三", member_no="0001", group=group,
                                          user=role_users["member"], sector="中共")
    li = factories.make_member(meeting, name="李四", member_no="0002", sector="民盟")
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-5)
    db.session.commit()
    return {**role_users, "zhang": zhang, "li": li, "sitting": sitting, "dgroup": group}


def xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


HEADER = ["委员编号", "姓名", "界别", "专委会", "分组讨论组", "常委", "工作单位", "职务", "手机", "登录账号"]


def member_count() -> int:
    return db.session.scalar(select(func.count(MemberProfile.id)))


def test_import_with_bad_rows_imports_nothing_and_reports_each_row(client, login, world):
    login(world["secretariat"])
    data = xlsx([HEADER,
                 ["0101", "王五", "民建", "", "第二组", "否", "", "", "", ""],
                 ["0102", "", "民建", "", "", "否", "", "", "", ""],
                 ["0101", "赵六", "民建", "", "", "也许", "", "", "", ""],
                 ["0103", "钱七", "民建", "", "", "是", "", "", "", "nobody"]])
    response = client.post("/attendance/roster/import", data={"file": (data, "名册.xlsx")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未导入任何委员" in text
    assert "第 3 行：缺少姓名" in text
    assert "第 4 行：委员编号 0101 与第 2 行重复" in text and "“也许”" in text
    assert "第 5 行：没有用户名为“nobody”的账号" in text
    assert member_count() == 2


def test_template_round_trips_and_import_updates_by_number(client, login, world):
    login(world["secretariat"])
    template = client.get("/attendance/roster/template.xlsx")
    assert template.status_code == 200 and template.mimetype.endswith("spreadsheetml.sheet")
    response = client.post("/attendance/roster/import",
                           data={"file": (io.BytesIO(template.data), "模板.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "新增 0 人，更新 1 人" in response.get_data(as_text=True)  # the example row is 0001 张三
    zhang = db.session.scalar(select(MemberProfile).where(MemberProfile.member_no == "0001"))
    assert zhang.is_standing and zhang.unit == "市某某局" and zhang.initials == "zs"
    added = xlsx([HEADER, ["0200", "孙八", "教育界", "提案委员会", "第三组", "否", "市一中", "校长", "139", ""]])
    response = client.post("/attendance/roster/import", data={"file": (added, "a.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "新增 1 人" in response.get_data(as_text=True)
    sun = db.session.scalar(select(MemberProfile).where(MemberProfile.member_no == "0200"))
    assert sun.name == "孙八" and sun.pinyin == "sunba" and sun.discussion_group_id is not None


def test_import_refuses_a_file_that_is_not_xlsx(client, login, world):
    login(world["secretariat"])
    response = client.post("/attendance/roster/import",
                           data={"file": (io.BytesIO(b"MZ\x90\x00 not excel"), "名册.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "不是有效的Excel 表格" in response.get_data(as_text=True)


def test_roster_export_contents(client, login, world):
    login(world["leader"])
    response = client.get("/attendance/roster/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER[:5], "座区", *HEADER[5:]]
    assert rows[1][:7] == ("0001", "张三", "中共", None, "第一组", None, "否")
    assert rows[1][10] == "r_member" and rows[2][1] == "李四"


def test_sign_in_sheet_export_and_print_in_member_number_order(client, login, world):
    services.check_in(world["secretariat"], world["sitting"], world["li"], method="desk")
    db.session.commit()
    login(world["staff"])
    response = client.get(f"/attendance/sittings/{world['sitting'].id}/sheet.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[2], r[6]) for r in rows] == [("0001", "张三", "缺席"), ("0002", "李四", "出席")]
    printed = client.get(f"/attendance/sittings/{world['sitting'].id}/sheet").get_data(as_text=True)
    assert printed.index("张三") < printed.index("李四") and "本人签名" in printed


def test_a_sitting_not_begun_prints_blank_status_not_absent(client, login, world):
    later = factories.make_sitting(world["meeting"], name="第二次全体会议", starts_in_minutes=120)
    factories.make_leave(world["li"], [later], status="approved")
    db.session.commit()
    login(world["staff"])
    response = client.get(f"/attendance/sittings/{later.id}/sheet.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=4, values_only=True))
    assert [(r[2], r[6]) for r in rows] == [("张三", None), ("李四", "请假")]
    printed = client.get(f"/attendance/sittings/{later.id}/sheet").get_data(as_text=True)
    assert "缺席</td>" not in printed and "请假</td>" in printed


def test_summary_export_has_all_sheets(client, login, world):
    login(world["leader"])
    response = client.get("/attendance/figures/summary.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["各会次", "各界别", "各讨论组", "各委员"]
    assert "出席率 = 实到 ÷ (应到 − 请假)" in workbook["各会次"]["A2"].value
    members = list(workbook["各委员"].iter_rows(min_row=2, values_only=True))
    assert [m[1] for m in members] == ["张三", "李四"]


def test_member_sees_only_own_record_and_leave(client, login, world):
    other_leave = factories.make_leave(world["li"], [world["sitting"]])
    own_leave = factories.make_leave(world["zhang"], [world["sitting"]], reason="本人出差")
    db.session.commit()
    login(world["member"])
    assert client.get(f"/attendance/members/{world['zhang'].id}").status_code == 200
    assert client.get(f"/attendance/members/{world['li'].id}").status_code == 403
    assert client.get(f"/attendance/leave/{other_leave.id}").status_code == 403
    assert client.get(f"/attendance/leave/{own_leave.id}").status_code == 200
    listing = client.get("/attendance/leave").get_data(as_text=True)
    assert "本人出差" in listing and "李四" not in listing
    me = client.get("/attendance/me").get_data(as_text=True)
    assert "张三" in me and "开幕大会" in me and "李四" not in me
    assert client.get("/attendance/figures").status_code == 403


def test_member_requests_leave_and_secretariat_decides(client, login, world):
    later = factories.make_sitting(world["meeting"], name="闭幕大会", starts_in_minutes=3000)
    db.session.commit()
    login(world["member"])
    response = client.post("/attendance/leave/new", data={"member_no": "0002", "sitting_ids": [later.id],
                                                          "reason": "赴京参加培训"})
    leave = db.session.scalar(select(LeaveRequest))
    assert response.status_code == 302 and leave.member_id == world["zhang"].id  # always their own
    login(world["secretariat"])
    response = client.post(f"/attendance/leave/{leave.id}/decide",
                           data={"decision": "reject", "note": "", "version_id": str(leave.version_id)})
    assert response.status_code == 400 and "审批意见" in response.get_data(as_text=True)
    response = client.post(f"/attendance/leave/{leave.id}/decide",
                           data={"decision": "approve", "note": "同意", "version_id": str(leave.version_id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LeaveRequest, leave.id).status == LeaveStatus.APPROVED
    assert db.session.scalar(select(Notification.subject)
                             .where(Notification.recipient_id == world["member"].id)) == "您的请假申请已批准"


def test_leave_form_keeps_input_on_error(client, login, world):
    login(world["secretariat"])
    response = client.post("/attendance/leave/new", data={"member_no": "9999", "sitting_ids": [world["sitting"].id],
                                                          "reason": "出差在外"})
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "9999" in text and "出差在外" in text


def test_pending_leave_can_be_withdrawn_by_the_member(client, login, world):
    leave = factories.make_leave(world["zhang"], [world["sitting"]], requested_by=world["member"])
    db.session.commit()
    login(world["member"])
    assert client.post(f"/attendance/leave/{leave.id}/cancel").status_code == 302
    assert db.session.scalar(select(func.count(LeaveRequest.id))) == 0


def test_desk_json_check_in_twice_and_counts(client, login, world):
    login(world["secretariat"])
    url = f"/attendance/sittings/{world['sitting'].id}/desk/check-in"
    headers = {"Accept": "application/json"}
    first = client.post(url, data={"member_id": world["zhang"].id}, headers=headers).get_json()
    assert first["created"] and first["counts"]["present"] == 1 and first["counts"]["rate"] == "50.0%"
    second = client.post(url, data={"member_id": world["zhang"].id}, headers=headers).get_json()
    assert not second["created"] and second["ok"] and "已于" in second["message"]
    search = client.get(f"/attendance/sittings/{world['sitting'].id}/desk/search?q=zs").get_json()
    assert search["results"][0]["name"] == "张三" and search["results"][0]["done_at"]
    assert client.post(url, data={"member_id": "abc"}, headers=headers).status_code == 404
    assert client.post(url, data={"member_id": 99999}, headers=headers).status_code == 404


def test_desk_unexpected_member_warns_then_admits(client, login, world):
    standing = factories.make_sitting(world["meeting"], name="常委会议", expectation="standing", starts_in_minutes=-1)
    db.session.commit()
    login(world["secretariat"])
    url = f"/attendance/sittings/{standing.id}/desk/check-in"
    warned = client.post(url, data={"member_id": world["li"].id})
    assert warned.status_code == 409 and "不在“常委会议”的应到名单中" in warned.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    admitted = client.post(url, data={"member_id": world["li"].id, "admit": "1"})
    assert admitted.status_code == 302
    record = db.session.scalar(select(CheckIn))
    assert record.was_expected is False


def test_desk_without_js_finds_by_initials(client, login, world):
    login(world["secretariat"])
    page = client.get(f"/attendance/sittings/{world['sitting'].id}/desk?q=zs").get_data(as_text=True)
    assert "张三" in page and "李四" not in page and 'name="member_id" value="' in page


def test_qr_tampered_revoked_and_unknown_codes_get_clear_messages(client, world):
    token = services.qr_token(world["zhang"])
    tampered = client.get(f"/attendance/qr/{token[:-3]}xyz")
    assert tampered.status_code == 400 and "篡改" in tampered.get_data(as_text=True)
    assert client.get("/attendance/qr/" + "a" * 300).status_code == 404
    page = client.get(f"/attendance/qr/{token}").get_data(as_text=True)
    assert "张三" in page and "开幕大会" in page and "确认签到" in page
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0  # GET never checks in
    done = client.post(f"/attendance/qr/{token}").get_data(as_text=True)
    assert "签到成功" in done and db.session.scalar(select(func.count(CheckIn.id))) == 1
    services.reissue_qr(world["secretariat"], world["zhang"])
    db.session.commit()
    revoked = client.post(f"/attendance/qr/{token}")
    assert revoked.status_code == 400 and "作废" in revoked.get_data(as_text=True)
    li_token = services.qr_token(world["li"])
    db.session.delete(world["li"])
    db.session.commit()
    assert client.get(f"/attendance/qr/{li_token}").status_code == 404


def test_sitting_form_keeps_input_and_explains(client, login, world):
    login(world["secretariat"])
    data = {"kind": "group", "name": "分组讨论（一）", "starts_at": "2030-03-02T15:00", "ends_at": "2030-03-02T14:00",
            "venue": "第一讨论室", "expectation": "groups", "late_grace_minutes": "10"}
    response = client.post("/attendance/sittings/new", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "结束时间必须晚于开始时间" in text and "第一讨论室" in text
    response = client.post("/attendance/sittings/new", data={**data, "ends_at": "2030-03-02T18:00"})
    assert response.status_code == 400 and "至少选择一个讨论组" in response.get_data(as_text=True)
    response = client.post("/attendance/sittings/new", data={**data, "ends_at": "2030-03-02T18:00",
                                                             "group_ids": [world["dgroup"].id]})
    assert response.status_code == 302
    sitting = db.session.scalar(select(Sitting).where(Sitting.name == "分组讨论（一）"))
    assert sitting.starts_at.hour == 7  # 15:00 in Shanghai is 07:00 UTC
    bad = client.post("/attendance/sittings/new", data={**data, "late_grace_minutes": "abc"})
    assert bad.status_code == 400 and "迟到宽限" in bad.get_data(as_text=True)


def test_stale_sitting_edit_is_a_conflict_with_input_kept(client, login, world):
    login(world["secretariat"])
    sitting = world["sitting"]
    data = {"kind": "opening", "name": "开幕大会（改）", "starts_at": "2030-03-02T09:00",
            "ends_at": "2030-03-02T11:00", "venue": "大礼堂", "expectation": "all", "late_grace_minutes": "10",
            "version_id": str(sitting.version_id - 1 if sitting.version_id > 1 else 99)}
    response = client.post(f"/attendance/sittings/{sitting.id}/edit", data=data)
    assert response.status_code == 409 and "开幕大会（改）" in response.get_data(as_text=True)


def test_member_form_refuses_duplicate_number(client, login, world):
    login(world["secretariat"])
    response = client.post("/attendance/members/new", data={"member_no": "0002", "name": "周九"})
    assert response.status_code == 400 and "已被“李四”使用" in response.get_data(as_text=True)
    response = client.post("/attendance/members/new", data={"member_no": "0300", "name": "周九", "group": "第九组"})
    assert response.status_code == 302 and member_count() == 3


def test_correction_needs_a_reason(client, login, world):
    login(world["secretariat"])
    url = f"/attendance/sittings/{world['sitting'].id}/members/{world['li'].id}/correct"
    assert client.post(url, data={"status": "present", "reason": ""}).status_code == 400
    assert client.post(url, data={"status": "present", "reason": "签到机故障，现场确认到会"}).status_code == 302
    page = client.get(f"/attendance/members/{world['li'].id}").get_data(as_text=True)
    assert "签到机故障" in page


def test_sitting_page_states_formula_and_close_freezes(client, login, world):
    login(world["secretariat"])
    page = client.get(f"/attendance/sittings/{world['sitting'].id}").get_data(as_text=True)
    assert "出席率 = 实到 ÷ (应到 − 请假)" in page and 'data-poll="10"' in page
    assert client.post(f"/attendance/sittings/{world['sitting'].id}/close").status_code == 302
    page = client.get(f"/attendance/sittings/{world['sitting'].id}").get_data(as_text=True)
    assert "名单已冻结" in page and 'data-poll' not in page
    assert client.post(f"/attendance/sittings/{world['sitting'].id}/close").status_code == 409


def test_duties_assign_and_remove(client, login, world):
    login(world["secretariat"])
    response = client.post("/attendance/duties", data={"user_id": world["staff"].id, "sitting_id": 0})
    assert response.status_code == 302
    login(world["staff"])
    assert client.get("/attendance/registration/desk").status_code == 200
    assert client.get(f"/attendance/sittings/{world['sitting'].id}/desk").status_code == 200
    login(world["secretariat"])
    response = client.post("/attendance/duties", data={"user_id": world["member"].id, "sitting_id": 0})
    assert response.status_code == 400 and "工作人员" in response.get_data(as_text=True)
    from meetingprep.attendance.models import CheckinDuty

    duty = db.session.scalar(select(CheckinDuty))
    assert client.post(f"/attendance/duties/{duty.id}/remove").status_code == 302
    login(world["staff"])
    assert client.get("/attendance/registration/desk").status_code == 403


def test_bulk_marks_present_at_entered_time(client, login, world):
    login(world["secretariat"])
    url = f"/attendance/sittings/{world['sitting'].id}/bulk"
    page = client.get(url).get_data(as_text=True)
    assert "张三" in page and "李四" in page
    response = client.post(url, data={"member_ids": [world["zhang"].id, world["li"].id], "at": "2030-03-02T09:30"})
    assert response.status_code == 302
    times = db.session.scalars(select(CheckIn.checked_in_at)).all()
    assert len(times) == 2 and all(t.hour == 1 and t.minute == 30 for t in times)
    assert client.post(url, data={"at": "2030-03-02T09:30"}).status_code == 400


def test_removing_a_member_keeps_frozen_rolls(client, login, world):
    services.check_in(world["secretariat"], world["sitting"], world["li"], method="desk")
    services.close_sitting(world["secretariat"], world["sitting"])
    db.session.commit()
    login(world["secretariat"])
    assert client.post(f"/attendance/members/{world['li'].id}/delete").status_code == 302
    assert member_count() == 1
    page = client.get(f"/attendance/sittings/{world['sitting'].id}").get_data(as_text=True)
    assert "李四" in page


def test_sitting_with_check_ins_cannot_be_deleted(client, login, world):
    empty = factories.make_sitting(world["meeting"], name="预备会议", starts_in_minutes=600)
    services.check_in(world["secretariat"], world["sitting"], world["li"], method="desk")
    db.session.commit()
    login(world["secretariat"])
    refused = client.post(f"/attendance/sittings/{world['sitting'].id}/delete")
    assert refused.status_code == 409 and "已有签到记录" in refused.get_data(as_text=True)
    assert client.post(f"/attendance/sittings/{empty.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Sitting.id))) == 1


@pytest.mark.parametrize("url", [
    "/attendance/roster?page=99999999999999999999999", "/attendance/figures?page=-3",
    "/attendance/sittings/{s}?status=nonsense&page=abc", "/attendance/roster?q=" + "%25" * 300,
    "/attendance/sittings/{s}/desk/search?q=" + "x" * 500, "/attendance/leave?status=bogus",
])
def test_odd_input_never_fails(client, login, world, url):
    login(world["secretariat"])
    assert client.get(url.format(s=world["sitting"].id)).status_code == 200


def test_registration_desk_registers_once(client, login, world):
    login(world["secretariat"])
    headers = {"Accept": "application/json"}
    found = client.get("/attendance/registration/search?q=ls").get_json()["results"]
    assert [r["name"] for r in found] == ["李四"] and not found[0]["done_at"]
    first = client.post("/attendance/registration/register", data={"member_id": world["li"].id},
                        headers=headers).get_json()
    assert first["created"] and first["counts"] == {"expected": 2, "registered": 1, "missing": 1}
    again = client.post("/attendance/registration/register", data={"member_id": world["li"].id},
                        headers=headers).get_json()
    assert not again["created"] and "无需重复报到" in again["message"]


def test_dashboard_section_shows_registration_rates_and_waiting_leave(client, login, world):
    services.check_in(world["secretariat"], world["sitting"], world["li"], method="desk")
    services.register(world["secretariat"], world["li"], method="desk")
    factories.make_leave(world["zhang"], [world["sitting"]])
    db.session.commit()
    login(world["leader"])
    figures = client.get("/api/dashboard").get_json()["attendance"]
    assert figures["registration"]["registered"] == 1 and figures["registration"]["expected"] == 2
    assert figures["pending_leave"]["count"] == 1
    assert [(s["name"], s["present"], s["rate"]) for s in figures["sittings"]] == [("开幕大会", 1, "50.0%")]
    assert figures["overall"]["rate"] == "50.0%"


def test_a_second_leave_decision_is_told_why_and_keeps_its_note(client, login, world):
    later = factories.make_sitting(world["meeting"], name="闭幕大会", starts_in_minutes=3000)
    leave = factories.make_leave(world["zhang"], [later], requested_by=world["member"])
    other = factories.make_user("secretariat", display_name="秘书处乙")
    db.session.commit()
    version = str(leave.version_id)
    login(world["secretariat"])
    first = client.post(f"/attendance/leave/{leave.id}/decide",
                        data={"decision": "approve", "note": "同意", "version_id": version})
    assert first.status_code == 302
    login(other)
    second = client.post(f"/attendance/leave/{leave.id}/decide",
                         data={"decision": "reject", "note": "请补交单位证明后再议", "version_id": version})
    body = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "秘书处甲 已于" in body and "已批准" in body and "您的审批没有保存" in body
    assert "请补交单位证明后再议" in body  # the typed note is kept
    db.session.expire_all()
    assert db.session.get(LeaveRequest, leave.id).decision_note == "同意"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: SQLite's IMMEDIATE transactions serialise "
                    "the two decisions, so the second sees the first (the test above)")
def test_two_leave_decisions_racing_to_the_update_end_in_the_same_message(client, login, world, monkeypatch):
    """Both passed the checks; the other one's UPDATE came first (the version counter catches it)."""
    from sqlalchemy import update

    from meetingprep import timeutil

    later = factories.make_sitting(world["meeting"], name="闭幕大会", starts_in_minutes=3000)
    leave = factories.make_leave(world["zhang"], [later], requested_by=world["member"])
    db.session.commit()
    real = services.expect_version
    table = LeaveRequest.__table__

    def rival_decides_meanwhile(obj, submitted, what="该记录"):
        real(obj, submitted, what)
        with db.engine.connect() as rival:  # another worker's transaction, committed before this one writes
            rival.execute(update(table).where(table.c.id == obj.id).values(
                status="approved", decided_by_id=world["admin"].id, decided_at=timeutil.now(),
                version_id=table.c.version_id + 1))
            rival.commit()

    monkeypatch.setattr(services, "expect_version", rival_decides_meanwhile)
    login(world["secretariat"])
    response = client.post(f"/attendance/leave/{leave.id}/decide",
                           data={"decision": "reject", "note": "会次冲突，请改期", "version_id": str(leave.version_id)})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "管理员 已于" in body and "会次冲突，请改期" in body


def test_form_pages_with_errors_answer_400(client, login, world):
    login(world["secretariat"])
    for path in ("/attendance/members/new", f"/attendance/members/{world['li'].id}/edit", "/attendance/sittings/new",
                 f"/attendance/sittings/{world['sitting'].id}/edit", "/attendance/roster/import"):
        response = client.post(path, data={"name": "", "member_no": "", "version_id": "1"})
        assert response.status_code == 400, path
        assert client.get(path).status_code == 200, path


def test_a_leave_decision_has_no_preselected_answer(client, login, world):
    later = factories.make_sitting(world["meeting"], name="闭幕大会", starts_in_minutes=3000)
    leave = factories.make_leave(world["zhang"], [later])
    db.session.commit()
    login(world["secretariat"])
    page = client.get(f"/attendance/leave/{leave.id}").get_data(as_text=True)
    assert 'value="approve"' in page and "checked" not in page[page.index('value="approve"') - 200:]
    response = client.post(f"/attendance/leave/{leave.id}/decide",
                           data={"note": "同意", "version_id": str(leave.version_id)})
    assert response.status_code == 400 and "请选择批准或不批准。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LeaveRequest, leave.id).status == LeaveStatus.PENDING


def test_the_desk_without_script_offers_undo_and_warns_when_far_off(client, login, world):
    sitting = world["sitting"]
    login(world["secretariat"])
    response = client.post(f"/attendance/sittings/{sitting.id}/desk/check-in", data={"member_id": world["zhang"].id})
    assert response.status_code == 302 and f"undo={world['zhang'].id}" in response.headers["Location"]
    desk = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "刚刚为 张三 签到" in desk and "撤销这次签到" in desk and 'id="desk-early"' not in desk
    response = client.post(f"/attendance/sittings/{sitting.id}/desk/undo", data={"member_id": world["zhang"].id})
    assert response.status_code == 302
    assert "已撤销 张三 的签到。" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    again = client.post(f"/attendance/sittings/{sitting.id}/desk/undo", data={"member_id": world["zhang"].id},
                        headers={"Accept": "application/json"})
    assert again.status_code == 404 and "没有签到记录" in again.get_json()["message"]
    far = factories.make_sitting(world["meeting"], name="闭幕大会", starts_in_minutes=60 * 24 * 7)
    db.session.commit()
    assert 'id="desk-early"' in client.get(f"/attendance/sittings/{far.id}/desk").get_data(as_text=True)


def test_a_qr_check_in_draws_its_answer_from_what_it_loaded_after_the_commit(client, world, count_queries):
    """A query after the commit would begin a new transaction: on SQLite an IMMEDIATE one (a POST) that takes the
    write lock again and holds it while the page renders — every other scan of the opening rush queued behind a
    template. The answer is drawn from what the check-in loaded."""
    token = services.qr_token(world["zhang"])
    with count_queries() as counter:
        def mark(_session):
            counter.statements.append("-- committed")

        event.listen(Session, "after_commit", mark)
        try:
            done = client.post(f"/attendance/qr/{token}").get_data(as_text=True)
        finally:
            event.remove(Session, "after_commit", mark)
    assert "签到成功" in done and "张三" in done
    last_commit = len(counter.statements) - 1 - counter.statements[::-1].index("-- committed")
    assert counter.statements[last_commit + 1:] == []
