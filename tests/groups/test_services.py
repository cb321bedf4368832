import pytest

from meetingprep.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups import services
from meetingprep.groups.models import GroupMembership
from tests import factories


def test_group_names_are_unique_per_meeting_only(app):
    secretariat = factories.make_user("secretariat")
    first, second = factories.make_meeting(), factories.make_meeting(is_current=False)
    services.create_group(secretariat, first, name="会务组", duties="会场布置")
    with pytest.raises(ValidationFailed, match="已有名为“会务组”的工作组"):
        services.create_group(secretariat, first, name="会务组")
    assert services.create_group(secretariat, second, name="会务组").meeting_id == second.id


def test_rename_to_a_taken_name_and_stale_versions_are_refused(app):
    admin = factories.make_user("admin")
    meeting = factories.make_meeting()
    group = services.create_group(admin, meeting, name="材料组")
    services.create_group(admin, meeting, name="提案组")
    with pytest.raises(ValidationFailed):
        services.update_group(admin, group, version_id=group.version_id, name="提案组", duties="", sort_order=1)
    with pytest.raises(Conflict):
        services.update_group(admin, group, version_id=group.version_id + 1, name="材料组", duties="", sort_order=1)
    services.update_group(admin, group, version_id=group.version_id, name="材料组", duties="印制文件", sort_order=3)
    assert group.duties == "印制文件" and group.sort_order == 3


def test_members_and_leads(app):
    admin = factories.make_user("admin")
    group = factories.make_group(name="宣传组")
    alice, bob = factories.make_user("staff"), factories.make_user("group_lead")
    services.add_member(admin, group, alice)
    lead = services.add_member(admin, group, bob, is_lead=True)
    with pytest.raises(ValidationFailed, match="已经是本组成员"):
        services.add_member(admin, group, alice)
    services.set_lead(admin, group, lead.id, False)
    db.session.commit()
    db.session.expire_all()
    assert bob.lead_group_ids == frozenset() and group.id in bob.group_ids
    assert services.remove_member(admin, group, lead.id) is True
    assert services.remove_member(admin, group, lead.id) is False
    assert db.session.query(GroupMembership).count() == 1


def test_unknown_or_inactive_users_cannot_join_and_others_cannot_manage(app):
    admin = factories.make_user("admin")
    group = factories.make_group()
    with pytest.raises(NotFound):
        services.add_member(admin, group, None)
    with pytest.raises(ValidationFailed, match="已停用"):
        services.add_member(admin, group, factories.make_user(is_active=False))
    with pytest.raises(NotAllowed):
        services.add_member(factories.make_user("group_lead"), group, factories.make_user())
    membership = services.add_member(admin, factories.make_group(), factories.make_user())
    with pytest.raises(NotFound):  # a membership of another group, addressed through this one
        services.set_lead(admin, group, membership.id, True)
