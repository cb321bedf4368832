"""Attendance pages run a fixed number of SQL queries whatever the number of members."""

import datetime as dt

import pytest
from sqlalchemy import insert

from meetingprep.attendance import services
from meetingprep.attendance.models import CheckIn, CheckInMethod, MemberProfile
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
    "/attendance/sittings/{c}",
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
