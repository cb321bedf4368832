"""Roster imports survive what Excel, WPS and LibreOffice do to a sheet: numbers without leading zeros,
full-width digits, padded names, a title above the header — and a round trip through LibreOffice."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from meetingprep.attendance import services
from meetingprep.attendance.models import MemberProfile
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from tests import factories, office

HEADER = ["委员编号", "姓名", "界别", "专委会", "分组讨论组", "常委", "工作单位", "职务", "手机", "登录账号"]


def workbook(*rows, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells("A1:J1")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster(meeting) -> list[tuple]:
    return [(m.member_no, m.name, m.sector, m.committee, m.discussion_group_id, m.is_standing, m.unit, m.position,
             m.phone, m.user_id, m.seat_area) for m in db.session.scalars(
        select(MemberProfile).where(MemberProfile.meeting_id == meeting.id).order_by(MemberProfile.member_no))]


@pytest.fixture
def meeting(role_users):
    meeting = role_users["meeting"]
    zhang = factories.make_member(meeting, name="张三", member_no="0005")
    zhang.phone = "13800000005"
    zhang.seat_area = "A区"
    factories.make_member(meeting, name="李四", member_no="0006")
    db.session.commit()
    return meeting


def test_a_number_that_lost_its_zeros_is_the_same_member(meeting, role_users):
    data = workbook([5, "张三", "中共", "", "", "是", "", "", 13800000005, ""],       # a number cell: 5
                    ["０００６ ", "李　四", "民盟", "", "", "否", "", "", "", ""],     # full-width, padded
                    [7, "王五", "民建", "", "", "否", "", "", "", ""])               # new: padded like 0005
    result = services.import_roster(role_users["secretariat"], meeting, data)
    assert (result.created, result.updated, result.warnings) == (1, 2, [])
    rows = roster(meeting)
    assert [(r[0], r[1], r[8]) for r in rows] == [("0005", "张三", "13800000005"), ("0006", "李四", ""),
                                                  ("0007", "王五", "")]
    assert rows[0][10] == "A区"  # a file without a 座区 column leaves the seat areas alone


def test_the_seat_area_column_is_read(meeting, role_users):
    header = [*HEADER[:5], "座区", *HEADER[5:]]
    book = Workbook()
    book.active.append(header)
    book.active.append(["0005", "张三", "中共", "", "", "B区", "是", "", "", "13800000005", ""])
    book.active.append(["0011", "吴十", "民进", "", "", "C区 3 排", "否", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.import_roster(role_users["secretariat"], meeting, buffer.getvalue())
    assert (result.created, result.updated) == (1, 1)
    seats = {r[1]: r[10] for r in roster(meeting)}
    assert seats["张三"] == "B区" and seats["吴十"] == "C区 3 排"


def test_five_and_0005_in_one_file_are_a_duplicate(meeting, role_users):
    data = workbook(["0008", "赵六", "", "", "", "否", "", "", "", ""], [8, "钱七", "", "", "", "否", "", "", "", ""])
    with pytest.raises(services.RosterImportFailed) as failed:
        services.import_roster(role_users["secretariat"], meeting, data)
    assert [(e.row, e.message) for e in failed.value.errors] == [(3, "委员编号 8 与第 2 行重复。")]


def test_a_title_above_the_header_is_skipped(meeting, role_users):
    data = workbook(["0009", "孙八", "", "", "", "否", "", "", "", ""], title="政协委员名册（2026年12月）")
    result = services.import_roster(role_users["secretariat"], meeting, data)
    assert result.created == 1 and roster(meeting)[-1][:2] == ("0009", "孙八")


def test_same_name_and_phone_under_another_number_is_flagged(meeting, role_users, client, login):
    login(role_users["secretariat"])
    data = workbook(["A-5", "张三", "", "", "", "否", "", "", "13800000005", ""])
    response = client.post("/attendance/roster/import", data={"file": (io.BytesIO(data), "名册.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "新增 1 人" in text
    assert "第 2 行：张三（手机 13800000005）与委员编号 0005 姓名、手机相同，可能是同一人，请核对。" in text


def test_the_form_refuses_5_beside_0005(meeting, role_users):
    fields = {"member_no": " ５", "name": "周九", "sector": "", "committee": "", "group": "", "is_standing": False,
              "unit": "", "position": "", "phone": "", "username": ""}
    with pytest.raises(ValidationFailed, match="委员编号 5 已被“张三”使用"):
        services.save_member(role_users["secretariat"], meeting, fields)


def test_roster_export_saved_by_libreoffice_imports_back_unchanged(meeting, role_users, client, login, tmp_path):
    group = factories.make_discussion_group(meeting, "第一组")
    factories.make_member(meeting, name="欧阳 Mary", member_no="0010", group=group, is_standing=True,
                          user=role_users["member"])
    db.session.commit()
    before = roster(meeting)
    login(role_users["secretariat"])
    exported = tmp_path / "roster.xlsx"
    exported.write_bytes(client.get("/attendance/roster/export.xlsx").data)
    saved = office.convert(exported, "xlsx", tmp_path) / "roster.xlsx"  # opened and saved by LibreOffice

    result = services.import_roster(role_users["secretariat"], meeting, saved.read_bytes())

    assert (result.created, result.updated, result.warnings) == (0, 3, [])
    assert roster(meeting) == before
