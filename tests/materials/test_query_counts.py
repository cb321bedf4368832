"""The materials list, the receipts page, 我的材料, the reading page and the member's home run a fixed number
of queries, whatever the number of materials, members and readings."""

from __future__ import annotations

from meetingprep.extensions import db
from meetingprep.materials import services
from meetingprep.materials.models import Audience
from meetingprep.permissions import Role
from tests import factories
from tests.materials.conftest import finalized_document, publish_document


def _grow(role_users, roster, materials: int, members: int) -> int:
    """``members`` more members (half of them reading everything) and ``materials`` more materials; the id of
    the first of these (it goes to every member)."""
    meeting = role_users["meeting"]
    profiles = []
    for n in range(members):
        user = factories.make_user(Role.MEMBER)
        profiles.append((factories.make_member(meeting, group=roster.group_one if n % 2 else roster.group_two,
                                               user=user, is_standing=n % 3 == 0), user))
    created = []
    for n in range(materials):
        audience = [Audience.ALL, Audience.STANDING, Audience.GROUPS, Audience.SITTING][n % 4]
        scope = {"group_ids": [roster.group_one.id]} if audience == Audience.GROUPS else \
            {"sitting_id": roster.sitting.id} if audience == Audience.SITTING else {}
        material = publish_document(role_users, finalized_document(role_users, title=f"材料{n}"), audience, **scope)
        created.append(material.id)
        for profile, user in profiles[::2]:
            services.record_reading(material, profile, user)
        services.record_reading(material, roster.member_profile, roster.member)
    db.session.commit()
    return created[0]  # to all members


def _count(client, count_queries, url: str) -> int:
    client.get(url)  # warm the kept values (navigation, counts)
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_pages_do_not_grow_with_materials_members_or_readings(client, login, role_users, roster, count_queries):
    first = _grow(role_users, roster, materials=2, members=2)
    pages = {"board": "/materials/", "receipts": f"/materials/{first}/receipts", "briefings": "/materials/briefings"}
    login(role_users["secretariat"])
    small = {name: _count(client, count_queries, url) for name, url in pages.items()}
    login(roster.member)
    small_member = {name: _count(client, count_queries, url)
                    for name, url in {"mine": "/materials/mine", "read": f"/materials/{first}", "home": "/"}.items()}

    _grow(role_users, roster, materials=9, members=24)
    login(role_users["secretariat"])
    large = {name: _count(client, count_queries, url) for name, url in pages.items()}
    login(roster.member)
    large_member = {name: _count(client, count_queries, url)
                    for name, url in {"mine": "/materials/mine", "read": f"/materials/{first}", "home": "/"}.items()}
    assert small == large
    assert small_member == large_member
    assert max(large.values()) <= 14 and max(large_member.values()) <= 20, (large, large_member)
