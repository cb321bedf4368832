"""Attendance pages run a fixed number of SQL queries whatever the number of members."""

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from meetingprep import timeutil
from meetingprep.attendance import queries, services
from meetingprep.attendance.models import CheckIn, CheckInMethod, MemberProfile, RollStatus, SittingTally, SittingTotal
from meetingprep.extensions import db
from tests import factories


def add_members(meeting, groups, sitting, count: int, start: int) -> None:
    """Bulk members, every third checked in, every tenth of those late, a few on approved leave."""
    rows = []
    for n in range(start, start + count):
        full, initials = services.pinyin_keys(f"张{n}")
        rows.append({"meeting_id": meeting.id, "member_no": f"{n:05d}", "name": f"张委员{n}", "pinyin": full,
                     "initials": "zs" if n % 7 == 0 else initials, "sector": ["中共", "民盟", "经济界"][n % 3],
                     "discussion_group_id": groups[n % len(groups)].id, "is_standing": n % 5 == 0,
                     "qr_generation": 1, "version_id": 1})
    db.session.execute(insert(MemberProfile), rows)
    ids = db.session.scalars(
        MemberProfile.__table__.select().with_only_columns(MemberProfile.id)
        .where(MemberProfile.member_no.in_([r["member_no"] for r in rows]))).all()
    db.session.execute(insert(CheckIn), [
        {"sitting_id": sitting.id, "member_id": member_id, "checked_in_at": sitting.starts_at,
         "method": CheckInMethod.DESK, "is_late": i % 10 == 0, "was_expected": True}
        for i, member_id in enumerate(ids) if i % 3 == 0])
    for member_id in [m for i, m in enumerate(ids) if i % 3 != 0][:5]:
        member = db.session.get(MemberProfile, member_id)
        factories.make_leave(member, [sitting], status="approved")
    db.session.commit()


@pytest.fixture
def sized(role_users):
    meeting = role_users["meeting"]
    groups = [factories.make_discussion_group(meeting, f"第{n}组") for n in range(1, 4)]
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-30)
    closed = factories.make_sitting(meeting, name="常委会议", starts_in_minutes=-600, expectation="standing")
    db.session.commit()

    def grow(count: int, start: int) -> None:
        add_members(meeting, groups, sitting, count, start)

    return {"meeting": meeting, "sitting": sitting, "closed": closed, "grow": grow, **role_users}


PAGES = [
    "/attendance/sittings/{s}",
    "/attendance/sittings/{s}?status=absent",
    "/attendance/sittings/{s}/counts.json",
    "/attendance/sittings/{s}/desk?q=zs",
    "/attendance/sittings/{s}/desk/search?q=zs",
    "/attendance/sittings/{s}?status=leave",
    "/attendance/sittings/{s}?status=extra",
    "/attendance/sittings/{c}",
    "/attendance/sittings/{c}?status=absent",
    "/attendance/sittings/{s}/sheet",
    "/attendance/figures",
    "/attendance/",
    "/attendance/roster",
    "/attendance/leave",
    "/attendance/sittings/{s}/bulk",
    "/attendance/registration/desk?q=zs",
    "/attendance/roster/cards?page=2",
]


def measure(client, count_queries, sized) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        url = page.format(s=sized["sitting"].id, c=sized["closed"].id)
        client.get(url)  # warm up
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = counter.count
    return counts


def test_query_counts_do_not_grow_with_members(client, login, count_queries, sized):
    login(sized["secretariat"])
    sized["grow"](10, 1)
    services.close_sitting(sized["secretariat"], sized["closed"])
    db.session.commit()
    small = measure(client, count_queries, sized)
    sized["grow"](400, 1000)
    large = measure(client, count_queries, sized)
    assert small == large
    assert max(small.values()) <= 12


def test_figures_are_correct_at_scale(sized):
    from meetingprep.attendance import queries

    sized["grow"](300, 1)
    counts = queries.sitting_counts(sized["sitting"])
    assert counts.expected == 300 and counts.present == 100 and counts.late == 10 and counts.leave == 5
    assert counts.absent == 300 - 100 - 5
    assert counts.rate == pytest.approx(100 / 295)
    moment = sized["sitting"].starts_at + dt.timedelta(minutes=1)
    by_sector = queries.counts_by(sized["meeting"].id, "sector", moment)
    assert sum(c.expected for _n, c in by_sector) == 300 + 60  # the standing committee sitting too


def _not_checked_in(sitting, count: int) -> list[int]:
    return db.session.scalars(
        select(MemberProfile.id).where(MemberProfile.meeting_id == sitting.meeting_id, ~MemberProfile.id.in_(
            select(CheckIn.member_id).where(CheckIn.sitting_id == sitting.id)))
        .order_by(MemberProfile.id).limit(count)).all()


def measure_check_in(client, count_queries, sitting) -> dict[str, int]:
    """The desk's POST, as its script sends it (JSON, with the live counts) and as a plain form."""
    url = f"/attendance/sittings/{sitting.id}/desk/check-in"
    first, json_member, form_member = _not_checked_in(sitting, 3)
    client.post(url, data={"member_id": first}, headers={"Accept": "application/json"})  # warm up
    counts = {}
    with count_queries() as counter:
        response = client.post(url, data={"member_id": json_member}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["created"]
    counts["json"] = counter.count
    with count_queries() as counter:
        response = client.post(url, data={"member_id": form_member})
    assert response.status_code == 302
    counts["form"] = counter.count
    return counts


def test_check_in_post_runs_the_same_queries_with_10_and_300_members(client, login, count_queries, sized):
    login(sized["secretariat"])
    sized["grow"](10, 1)
    small = measure_check_in(client, count_queries, sized["sitting"])
    sized["grow"](290, 1000)
    large = measure_check_in(client, count_queries, sized["sitting"])
    assert small == large
    assert large["json"] <= 10 and large["form"] <= 9


def test_check_in_answer_carries_the_counts_including_itself(client, login, sized):
    login(sized["secretariat"])
    sized["grow"](30, 1)
    sitting = sized["sitting"]
    before = queries.sitting_counts(sitting)
    (member_id,) = _not_checked_in(sitting, 1)
    answer = client.post(f"/attendance/sittings/{sitting.id}/desk/check-in", data={"member_id": member_id},
                         headers={"Accept": "application/json"}).get_json()
    assert answer["created"]
    assert answer["counts"]["present"] == before.present + 1 == queries.sitting_counts(sitting).present
    assert answer["counts"]["absent"] + answer["counts"]["leave"] == before.absent + before.leave - 1


# ── the one-sitting fast path agrees with the meeting-wide roll (status_rows) ─────────────────────
def _reference(sitting):
    """Counts, roll and per-tab totals the slow general way: the union over the whole meeting."""
    rows = queries.status_rows(sitting.meeting_id, sitting_id=sitting.id)
    counts = queries._counts_from(db.session.execute(select(*queries._count_columns(rows))).one())
    roll = [tuple(r)[:9] for r in db.session.execute(select(rows).order_by(rows.c.member_no))]
    totals = {}
    for tab in (None, "extra", *(status.value for status in RollStatus)):
        query = select(rows)
        if tab == "extra":
            query = query.where(rows.c.was_expected.is_(False))
        elif tab:
            query = query.where(rows.c.status == tab, rows.c.was_expected.is_(True))
        totals[tab] = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return counts, roll, totals


def _fast(sitting):
    counts = queries.sitting_counts(sitting)
    roll = [tuple(r)[:9] for r in queries.full_roll(sitting)]
    totals, seen = {}, []
    for tab in (None, "extra", *(status.value for status in RollStatus)):
        rows, totals[tab] = queries.roll_page(sitting, status=tab, per_page=1000)
        seen.append(len(rows) == totals[tab])
    assert all(seen)
    return counts, roll, totals


@pytest.mark.parametrize("expectation", ["all", "standing", "groups", "listed"])
def test_one_sitting_counts_and_roll_match_the_meeting_wide_roll(sized, expectation):
    """Members in and out of the expected set; on time, late, on leave (approved and pending), absent,
    admitted although not expected; then closed (frozen) and corrected — every figure and tab agrees."""
    meeting, staff = sized["meeting"], sized["secretariat"]
    sized["grow"](60, 1)  # the bulk members are checked in at the open sitting only
    groups = queries.groups_of(meeting.id)
    members = db.session.scalars(select(MemberProfile).where(MemberProfile.meeting_id == meeting.id)
                                 .order_by(MemberProfile.member_no)).all()
    sitting = factories.make_sitting(meeting, name="分组讨论", starts_in_minutes=-30, expectation=expectation,
                                     groups=groups[:2] if expectation == "groups" else (),
                                     members=members[::4] if expectation == "listed" else ())
    for n, member in enumerate(members[:40]):
        if n % 6 == 0:
            services.check_in(staff, sitting, member, method=CheckInMethod.DESK, admit_unexpected=True)
        elif n % 6 == 1:
            services.check_in(staff, sitting, member, method=CheckInMethod.QR, admit_unexpected=True,
                              at=sitting.starts_at + dt.timedelta(minutes=45))
        elif n % 6 == 2:
            factories.make_leave(member, [sitting], status="approved")
        elif n % 6 == 3:
            factories.make_leave(member, [sitting], status="pending")
    factories.make_leave(members[0], [sitting], status="approved")  # came after all: present, not leave
    factories.make_leave(members[14], [sitting], status="approved")  # two approved requests: one leave
    other = factories.make_sitting(meeting, name="另一会次", starts_in_minutes=-60, expectation=expectation,
                                   groups=groups[2:], members=members[1::4] if expectation == "listed" else ())
    services.check_in(staff, other, members[7], method=CheckInMethod.DESK, admit_unexpected=True)
    db.session.commit()

    counts, roll, totals = _fast(sitting)
    assert (counts, roll, totals) == _reference(sitting)
    assert counts.present > 0 and counts.leave > 0 and counts.absent > 0
    if expectation != "all":
        assert counts.extra > 0

    services.close_sitting(staff, sitting)
    db.session.commit()
    assert _fast(sitting) == _reference(sitting) and queries.sitting_counts(sitting) == counts
    # A correction can leave a frozen roll with rows the live rules never make (an admitted guest marked absent).
    roll = {row.member_id: row for row in queries.full_roll(sitting)}
    guest = next((m for m in members if m.id in roll and not roll[m.id].was_expected), None)
    absentee = next(m for m in members if m.id in roll and roll[m.id].status == RollStatus.ABSENT)
    services.correct_record(staff, sitting, absentee, RollStatus.LATE, "补签")
    if guest is not None:
        services.correct_record(staff, sitting, guest, RollStatus.ABSENT, "误签")
    db.session.commit()
    assert _fast(sitting) == _reference(sitting)
    _assert_meeting_figures_match_the_roll(meeting)

    services.reopen_sitting(staff, sitting)  # the tallies go with the frozen roll; live counting takes over
    db.session.commit()
    assert db.session.scalar(select(func.count(SittingTally.id)).where(SittingTally.sitting_id == sitting.id)) == 0
    assert db.session.get(SittingTotal, sitting.id) is None
    assert _fast(sitting) == _reference(sitting)
    _assert_meeting_figures_match_the_roll(meeting)


def _assert_meeting_figures_match_the_roll(meeting):
    """Every sitting's counts (closed from their totals, open live), the meeting's, and the 界别/讨论组 figures
    (from the tallies) equal the whole roll grouped the slow general way."""
    rows = queries.status_rows(meeting.id)
    by_sitting = {row.sitting_id: queries._counts_from(row) for row in db.session.execute(
        select(rows.c.sitting_id, *queries._count_columns(rows)).group_by(rows.c.sitting_id))}
    sittings = queries.sittings_of(meeting.id)
    assert queries.counts_of(sittings) == {s.id: by_sitting.get(s.id, queries.Counts()) for s in sittings}
    moment = timeutil.now()
    begun_sittings = [by_sitting.get(s.id, queries.Counts()) for s in sittings if s.starts_at <= moment]
    assert queries.counts_by_meeting([meeting.id], moment) == {meeting.id: queries.Counts.total(begun_sittings)}
    for column in ("sector", "group_name"):
        begun = queries.status_rows(meeting.id, started_before=moment)
        key = begun.c[column]
        expected = [(row[0] or "（未分组）", queries._counts_from(row)) for row in db.session.execute(
            select(key, *queries._count_columns(begun)).group_by(key).order_by(key))]
        assert queries.counts_by(meeting.id, column, moment) == expected


def test_per_member_figures_page_by_page_match_the_whole_roll(sized):
    """Each page counts only its own members, yet every figure equals the whole roll grouped per member;
    a member removed after a sitting closed keeps their line from the frozen roll."""
    meeting, staff, closed = sized["meeting"], sized["secretariat"], sized["closed"]
    sized["grow"](30, 1)
    services.close_sitting(staff, closed)  # 常委会议: the standing members, frozen
    db.session.commit()
    gone = db.session.scalar(select(MemberProfile).where(MemberProfile.meeting_id == meeting.id,
                                                         MemberProfile.is_standing.is_(True))
                             .order_by(MemberProfile.member_no))
    gone_no = gone.member_no
    services.remove_member(staff, gone)
    db.session.commit()

    moment = timeutil.now()
    rows = queries.status_rows(meeting.id, started_before=moment)
    reference = {row.member_no: queries._counts_from(row) for row in db.session.execute(
        select(rows.c.member_no, *queries._count_columns(rows)).group_by(rows.c.member_no))}
    listed, page = [], 1
    while True:
        part, total = queries.counts_by_member(meeting.id, moment, page=page, per_page=7)
        if not part:
            break
        listed += part
        page += 1
    roster = db.session.scalar(select(func.count(MemberProfile.id)).where(MemberProfile.meeting_id == meeting.id))
    assert total == len(listed) == roster + 1
    assert [row.member_no for row, _c in listed] == sorted(row.member_no for row, _c in listed)
    figures = {row.member_no: counts for row, counts in listed}
    assert {no: figures[no] for no in reference} == reference
    assert all(counts == queries.Counts() for no, counts in figures.items() if no not in reference)
    removed = next(row for row, _c in listed if row.member_no == gone_no)
    assert removed.member_id is None and figures[gone_no].expected == 1

    member = db.session.scalar(select(MemberProfile).where(MemberProfile.member_no == "00003"))
    (row, counts), = queries.counts_by_member(meeting.id, moment, member_id=member.id)[0]
    assert row.member_no == "00003" and counts == reference["00003"]


def test_one_members_record_counts_only_their_own_rows(sized, monkeypatch):
    """A member's own page once counted every member's rows to pick out one line (it grew with the roster)."""
    meeting, staff, closed = sized["meeting"], sized["secretariat"], sized["closed"]
    sized["grow"](10, 1)
    services.close_sitting(staff, closed)
    db.session.commit()
    asked = []
    whole_roll = queries.status_rows

    def recording(*args, **kwargs):
        asked.append(kwargs.get("member_nos"))
        return whole_roll(*args, **kwargs)

    monkeypatch.setattr(queries, "status_rows", recording)
    member = db.session.scalar(select(MemberProfile).where(MemberProfile.meeting_id == meeting.id)
                               .order_by(MemberProfile.member_no))
    (row, _counts), = queries.counts_by_member(meeting.id, timeutil.now(), member_id=member.id)[0]
    assert row.member_no == member.member_no
    assert asked == [[member.member_no]]
