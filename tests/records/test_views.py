"""委员履职 over HTTP: figures per member, the privacy of the roster (the secretariat and the member; leaders
the aggregates and the 常委 view), bad filters, the comparison of meetings, query counts."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import current_app
from openpyxl import load_workbook

from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import CheckInMethod
from meetingprep.extensions import db
from meetingprep.records import comparison
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories
from tests.agenda.conftest import finalized_speech
from tests.opinions.conftest import record


def _attendance(world):
    """Two sittings begun: 张委员 came to one late and missed the other; 王委员 came to both."""
    secretariat = world.users["secretariat"]
    first = factories.make_sitting(world.meeting, name="第一次全体会议", starts_in_minutes=-120)
    second = factories.make_sitting(world.meeting, name="第二次全体会议", starts_in_minutes=-30)
    attendance_services.check_in(secretariat, first, world.member, method=CheckInMethod.DESK)
    attendance_services.check_in(secretariat, first, world.other_member, method=CheckInMethod.DESK)
    attendance_services.check_in(secretariat, second, world.other_member, method=CheckInMethod.DESK)
    attendance_services.close_sitting(secretariat, first)
    db.session.commit()
    return first, second


def _speech(world, title, mode=None):
    speech = finalized_speech(world.users, title)
    if mode is not None:
        sitting = factories.make_sitting(world.meeting, name=f"大会发言{title}", starts_in_minutes=600)
        item = AgendaItem(meeting_id=world.meeting.id, sitting_id=sitting.id, position=1,
                          starts_at=sitting.starts_at, kind=AgendaItemKind.SPEECHES, title="大会发言", slots=[])
        db.session.add(item)
        db.session.flush()
        db.session.add(SpeechSlot(meeting_id=world.meeting.id, item_id=item.id, document_id=speech.id, mode=mode,
                                  position=1, minutes=8 if mode == SpeechMode.ORAL else None))
    db.session.commit()
    return speech


def _figures(page: str) -> dict[str, str]:
    """The record's figure cards: label → value."""
    card = page[page.index("data-record"):]
    return dict(re.findall(r'<div class="small text-secondary">([^<]+)</div><div class="fs-5 fw-bold">([^<]+)</div>',
                           card[:card.index("出勤统计")]))


def _outcomes(page: str) -> dict[str, str]:
    """The record's speeches: title → outcome badge."""
    return dict(re.findall(r'>([^<>]+)</a></span>\s*<span class="small text-secondary">[^<]*</span>'
                           r'<span class="badge text-bg-light">([^<]+)</span>', page))


def _rates(page: str) -> dict[str, list[str]]:
    """The 常委 view's rate table: row label → its cells."""
    table = page[page.index("data-standing-rates"):]
    table = table[:table.index("</table>")]
    return {label: re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', cells)
            for label, cells in re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", table, flags=re.S)}


def test_a_member_sees_their_own_record(client, login, world):
    _attendance(world)
    _speech(world, "关于康养产业的发言", SpeechMode.ORAL)
    _speech(world, "关于职业教育的发言")
    record(world, "提案数字请核对。")
    login(world.users["member"])
    page = client.get("/records/me").get_data(as_text=True)
    assert "我的履职" in page and "张委员" in page
    assert "关于康养产业的发言" in page and "口头发言" in page and "审核或安排中" in page
    assert "提案数字请核对。" in page and "第一次全体会议" in page
    # not another member's record, not the list
    assert client.get(f"/records/members/{world.other_member.id}").status_code == 403
    assert client.get(f"/records/members/{world.member.id}").status_code == 200
    assert client.get("/records/").status_code == 403


def test_notices_read_are_part_of_the_record(client, login, world):
    from meetingprep.notices.models import Notice, NoticeCategory, NoticeRecipient, NoticeStatus

    for title, read in (("会议纪律要求", True), ("报到须知", False)):
        notice = Notice(meeting_id=world.meeting.id, category=NoticeCategory.GENERAL, title=title, body="正文",
                        send_at=now(), sent_at=now(), status=NoticeStatus.SENT)
        db.session.add(notice)
        db.session.flush()
        db.session.add(NoticeRecipient(notice_id=notice.id, person_key=f"m{world.member.id}", member_id=world.member.id,
                                       is_member=True, name="张委员", read_at=now() if read else None))
    db.session.commit()
    login(world.users["member"])
    assert "1/2" in client.get("/records/me").get_data(as_text=True)
    login(world.users["secretariat"])
    page = client.get("/records/").get_data(as_text=True)
    row = page[page.index(f'data-member-id="{world.member.id}"'):]
    assert "1/2" in row[:row.index("</tr>")]


def test_the_secretariat_sees_every_members_figures(client, login, world):
    _attendance(world)
    record(world, "意见甲")
    login(world.users["secretariat"])
    page = client.get("/records/").get_data(as_text=True)
    assert page.count("data-member-id") == 3
    row = page[page.index(f'data-member-id="{world.member.id}"'):]
    row = row[:row.index("</tr>")]
    # 张委员: 2 expected, 1 present (the second sitting is open, begun, not attended) — 50.0%
    assert "50.0%" in row
    filtered = client.get("/records/?sector=教育界").get_data(as_text=True)
    assert filtered.count("data-member-id") == 1 and "李委员" in filtered
    standing = client.get("/records/?standing=1").get_data(as_text=True)
    assert standing.count("data-member-id") == 1 and "张委员" in standing


def test_leaders_see_aggregates_and_the_standing_view_not_members(client, login, world):
    _attendance(world)
    login(world.users["leader"])
    page = client.get("/records/").get_data(as_text=True)
    assert "data-member-id" not in page and "按界别" in page and "经济界" in page
    standing = client.get("/records/standing").get_data(as_text=True)
    assert "尚未提交大会发言的常委（1 / 1 人）" in standing and "张委员" in standing
    # the 常委's attendance against the rest's (应到, 出席, 迟到, 请假, 缺席, 出席率): 张委员 came late to one
    # sitting and missed the other; 王委员 came late to both, 李委员 to neither
    assert _rates(standing) == {"常委": ["2", "1", "1", "0", "1", "50.0%"],
                                "其他委员": ["4", "2", "2", "0", "2", "50.0%"]}
    book = load_workbook(io.BytesIO(client.get("/records/export.xlsx").data))
    assert book.sheetnames == ["界别汇总", "讨论组汇总"]  # no sheet of named members for leaders
    assert client.get(f"/records/members/{world.member.id}").status_code == 403
    for role in ("staff", "group_lead"):
        login(world.users[role])
        assert client.get("/records/").status_code == 403
        assert client.get("/records/export.xlsx").status_code == 403


def test_the_aggregates_count_a_sitting_as_soon_as_it_begins(client, login, world, time_machine):
    """The aggregates are kept until the data changes; a sitting beginning changes them without any write."""
    time_machine.move_to(now(), tick=False)
    factories.make_sitting(world.meeting, name="第三次全体会议", starts_in_minutes=0.5)
    db.session.commit()
    login(world.users["leader"])

    def expected_in_sector(sector):
        page = client.get("/records/").get_data(as_text=True)
        row = page[page.index(f'<td class="card-head" data-label="界别">{sector}</td>'):]
        figures = re.findall(r'<td class="text-md-end" data-label="[^"]+">(\d+)</td>', row[:row.index("</tr>")])
        return figures[:2]  # 人数, 应到

    assert expected_in_sector("经济界") == ["2", "0"]
    time_machine.move_to(now() + dt.timedelta(seconds=40), tick=False)
    assert expected_in_sector("经济界") == ["2", "2"]


def test_standing_members_who_submitted_drop_out_of_the_list(client, login, world):
    _speech(world, "常委的发言")
    login(world.users["secretariat"])
    assert "每位常委都已提交大会发言" in client.get("/records/standing").get_data(as_text=True)


def test_bad_filters_are_ignored_never_a_500(client, login, world):
    login(world.users["secretariat"])
    for query in ("sector=%00", "group=abc", "group=99999999999999999999", "standing=maybe", "page=-1",
                  "sector=" + "界" * 500, "page=99999999"):
        assert client.get(f"/records/?{query}").status_code in (200, 400), query
        assert client.get(f"/records/export.xlsx?{query}").status_code in (200, 400), query
    assert client.get("/records/members/99999999999999").status_code == 404


def test_the_export_per_sector_names_its_members(client, login, world):
    _attendance(world)
    login(world.users["secretariat"])
    response = client.get("/records/export.xlsx?sector=经济界")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["委员履职", "界别汇总", "讨论组汇总"]
    names = [row[1] for row in book["委员履职"].iter_rows(min_row=3, values_only=True)]
    assert names == ["张委员", "王委员"]


def test_meetings_are_compared_a_line_each(client, login, world):
    earlier = factories.make_meeting(name="往届会议", opens_in_days=-360, is_current=False)
    earlier.short_name = "往届会议"
    group = factories.make_group(earlier)
    moment = now()
    factories.make_task(earlier, group, status=TaskStatus.DONE, due_at=moment - dt.timedelta(days=400),
                        accepted_at=moment - dt.timedelta(days=401))
    factories.make_task(earlier, group, status=TaskStatus.DONE, due_at=moment - dt.timedelta(days=400),
                        accepted_at=moment - dt.timedelta(days=399))
    factories.make_task(earlier, group, status=TaskStatus.CANCELLED, due_at=moment - dt.timedelta(days=400))
    sitting = factories.make_sitting(earlier, name="往届全体会议", starts_in_minutes=-360 * 24 * 60)
    past_member = factories.make_member(earlier, name="往届委员")
    attendance_services.check_in(world.users["secretariat"], sitting, past_member, method=CheckInMethod.DESK,
                                 at=sitting.starts_at)
    attendance_services.close_sitting(world.users["secretariat"], sitting)
    _attendance(world)
    db.session.commit()
    lines = {line.meeting_id: line for line in comparison.compare_meetings(now())}
    past, current = lines[earlier.id], lines[world.meeting.id]
    assert (past.tasks_due, past.tasks_on_time, past.on_time_percent) == (2, 1, 50.0)
    assert past.attendance_percent == 100.0 and not past.is_current and past.documents_reviewed == 0
    assert current.is_current and current.documents_reviewed == 1 and current.average_rounds == 1.0
    assert (current.attendance.expected, current.attendance.present) == (6, 3)  # two sittings begun × 3 members
    login(world.users["leader"])
    page = client.get("/records/compare").get_data(as_text=True)
    assert page.count("data-meeting-id") == 2 and "往届会议" in page and "50.0%" in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="section-comparison"' in dashboard and "往届会议" in dashboard


def test_query_counts_do_not_grow_with_members(client, login, world, count_queries):
    _attendance(world)
    login(world.users["secretariat"])
    urls = ["/records/", f"/records/members/{world.member.id}", "/records/standing", "/records/compare",
            "/records/export.xlsx"]

    def measure():
        """Per page: (queries with the cached aggregates, queries building them afresh)."""
        counts = []
        for url in urls:
            client.get(url)
            db.session.expire_all()
            with count_queries() as warm:
                assert client.get(url).status_code == 200, url
            current_app.extensions.get("versioned_cache", {}).clear()
            db.session.expire_all()
            with count_queries() as cold:
                assert client.get(url).status_code == 200, url
            counts.append((warm.count, cold.count))
        return counts

    small = measure()
    for n in range(60):
        group = world.first_group if n % 2 else world.second_group
        member = factories.make_member(world.meeting, name=f"委员{n}", member_no=f"1{n:03d}", group=group,
                                       is_standing=n % 5 == 0, sector="科技界" if n % 3 else "经济界")
        if n % 4 == 0:
            record(world, f"意见{n}", member=member, group=group, actor=world.users["secretariat"])
    _speech(world, "又一篇发言", SpeechMode.WRITTEN)
    factories.make_meeting(name="更早的会议", opens_in_days=-720, is_current=False)
    db.session.commit()
    large = measure()
    assert large == small, (small, large)
    assert small[0][0] < small[0][1]  # the overview's aggregates were kept, not counted again


def test_lateness_leave_and_every_speech_outcome_on_a_members_record(client, login, world, time_machine):
    """迟到 and 请假 counted on the record; a speech in the 大会发言 order is 口头 or 书面; one not placed is 审核或
    安排中 while the meeting lasts and 未采用 once it has closed — on the page and in the export."""
    _attendance(world)
    third = factories.make_sitting(world.meeting, name="第三次全体会议", starts_in_minutes=-10)
    factories.make_leave(world.member, [third], status="approved")
    db.session.commit()
    _speech(world, "关于康养产业的发言", SpeechMode.ORAL)
    _speech(world, "关于职业教育的发言", SpeechMode.WRITTEN)
    _speech(world, "关于城市更新的发言")
    login(world.users["member"])
    page = client.get("/records/me").get_data(as_text=True)
    figures = _figures(page)
    # 3 sittings begun: late to the first, absent from the second, on leave for the third — 1 ÷ (3 − 1)
    assert {label: figures[label] for label in ("应到会次", "出席", "迟到", "请假", "缺席", "出席率")} == {
        "应到会次": "3", "出席": "1", "迟到": "1", "请假": "1", "缺席": "1", "出席率": "50.0%"}
    assert (figures["提交发言"], figures["口头发言"], figures["书面发言"]) == ("3", "1", "1")
    assert _outcomes(page) == {"关于康养产业的发言": "口头发言", "关于职业教育的发言": "书面发言",
                               "关于城市更新的发言": "审核或安排中"}

    time_machine.move_to(world.meeting.closes_at + dt.timedelta(days=1), tick=False)
    login(world.users["member"])  # a new sign-in: the earlier one has expired meanwhile
    page = client.get("/records/me").get_data(as_text=True)
    assert _outcomes(page)["关于城市更新的发言"] == "未采用"
    assert _outcomes(page)["关于职业教育的发言"] == "书面发言"
    login(world.users["secretariat"])
    sheet = load_workbook(io.BytesIO(client.get("/records/export.xlsx").data))["委员履职"]
    header = [cell.value for cell in sheet[2]]
    row = next(dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=3, values_only=True)
               if values[1] == "张委员")
    assert (row["迟到"], row["请假"], row["书面发言"], row["未采用"], row["审核或安排中"]) == (1, 1, 1, 1, 0)


def test_the_export_per_discussion_group_names_its_members(client, login, world):
    _attendance(world)
    record(world, "提案数字请核对。")
    login(world.users["secretariat"])
    response = client.get(f"/records/export.xlsx?group={world.first_group.id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["委员履职", "界别汇总", "讨论组汇总"]
    sheet = book["委员履职"]
    header = [cell.value for cell in sheet[2]]
    rows = {values[1]: dict(zip(header, values, strict=True))
            for values in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["张委员", "王委员"]  # 第一组 only: not 李委员 of 第二组
    assert {row["讨论组"] for row in rows.values()} == {"第一组"}
    assert (rows["张委员"]["出席"], rows["张委员"]["缺席"], rows["张委员"]["讨论意见"]) == (1, 1, 1)
    assert (rows["王委员"]["出席"], rows["王委员"]["讨论意见"]) == (2, 0)
    other = load_workbook(io.BytesIO(client.get(f"/records/export.xlsx?group={world.second_group.id}").data))
    assert [values[1] for values in other["委员履职"].iter_rows(min_row=3, values_only=True)] == ["李委员"]
