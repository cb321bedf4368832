import pytest

from meetingprep.audit import AuditEntry
from meetingprep.auth import services
from meetingprep.errors import Conflict, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.ops.sessions import start_session
from meetingprep.permissions import Role
from tests import factories


def _create(actor, **overrides):
    values = {"username": "newbie", "display_name": "新人", "role": Role.STAFF, "password": "Good-pass-123"}
    return services.create_user(actor, **{**values, **overrides})


def test_secretariat_creates_staff_but_never_an_administrator(app):
    secretariat = factories.make_user("secretariat")
    user = _create(secretariat)
    assert user.role == Role.STAFF and user.check_password("Good-pass-123")
    with pytest.raises(NotAllowed):
        _create(secretariat, username="boss", role=Role.ADMIN)


def test_admin_grants_admin(app):
    admin = factories.make_user("admin")
    assert _create(admin, role=Role.ADMIN).role == Role.ADMIN


def test_staff_cannot_create_users(app):
    with pytest.raises(NotAllowed):
        _create(factories.make_user("staff"))


@pytest.mark.parametrize("overrides, message", [
    ({"username": "a b"}, "用户名需"),
    ({"username": "张三"}, "用户名需"),
    ({"password": "short"}, "至少需要 8 位"),
    ({"password": "12345678"}, "太常见"),
    ({"password": "newbie"}, "至少需要"),
])
def test_bad_input_is_refused_with_a_chinese_message(app, overrides, message):
    with pytest.raises(ValidationFailed, match=message):
        _create(factories.make_user("admin"), **overrides)


def test_usernames_are_unique_ignoring_case(app):
    factories.make_user(username="Zhang")
    with pytest.raises(ValidationFailed, match="已被使用"):
        _create(None, username="zhang")


def test_update_refuses_a_stale_version_and_own_role_change(app):
    admin = factories.make_user("admin")
    user = factories.make_user("staff")
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_user(admin, user, version_id=user.version_id - 1 if user.version_id > 1 else 99,
                             display_name="x", role=Role.STAFF, phone="", email="")
    with pytest.raises(ValidationFailed, match="不能修改自己的角色"):
        services.update_user(admin, admin, version_id=admin.version_id, display_name="x", role=Role.STAFF,
                             phone="", email="")


def test_role_change_is_audited_with_old_and_new(app):
    admin = factories.make_user("admin")
    user = factories.make_user("staff")
    db.session.commit()
    services.update_user(admin, user, version_id=user.version_id, display_name=user.display_name,
                         role=Role.GROUP_LEAD, phone="139", email="")
    db.session.commit()
    entries = db.session.query(AuditEntry).filter_by(object_type="User", object_id=user.id).all()
    update = next(e for e in entries if e.action == "update")
    assert update.changes["role"] == ["staff", "group_lead"]
    assert update.changes["phone"] == ["", "139"]
    assert update.actor_id is None or update.actor_id == admin.id
    assert any(e.action == "role_changed" and "工作组组长" in e.message for e in entries)


def test_deactivation_ends_sessions_and_cannot_target_oneself(app):
    admin = factories.make_user("admin")
    user = factories.make_user("staff")
    record = start_session(user)
    db.session.flush()
    services.set_user_active(admin, user, False)
    db.session.refresh(record)
    assert not user.is_active and record.revoked_at is not None
    services.set_user_active(admin, user, True)
    assert user.is_active
    with pytest.raises(ValidationFailed, match="不能停用自己"):
        services.set_user_active(admin, admin, False)


def test_reset_password_checks_strength_and_ends_sessions(app):
    secretariat = factories.make_user("secretariat")
    user = factories.make_user("staff")
    with pytest.raises(ValidationFailed):
        services.reset_password(secretariat, user, "password")
    record = start_session(user)
    db.session.flush()
    services.reset_password(secretariat, user, "Another-pass-9")
    db.session.refresh(record)
    assert user.check_password("Another-pass-9") and record.revoked_at is not None
    with pytest.raises(NotAllowed):
        services.reset_password(secretariat, factories.make_user("admin"), "Another-pass-9")
