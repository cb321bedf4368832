from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from meetingprep.auth.models import User
from meetingprep.demo import DEMO_LOGINS, GROUPS, MEETING_NAME
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role
from meetingprep.timeutil import now, to_local
from tests import factories


def test_users_create_prompts_for_a_hidden_confirmed_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--username", "root", "--name", "管理员", "--role", "admin"],
                           input="Strong-pass-1\nStrong-pass-1\n")
    assert result.exit_code == 0, result.output
    assert "Strong-pass-1" not in result.output
    user = db.session.scalar(select(User).where(User.username == "root"))
    assert user.role == Role.ADMIN and user.check_password("Strong-pass-1")


def test_users_create_into_a_group_and_refuses_weak_passwords(app):
    group = factories.make_group(factories.make_meeting(), name="会务组")
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["users", "create", "--username", "hw", "--name", "会务组长", "--role", "group_lead", "--group", "会务组"]
    weak = runner.invoke(args=[*args, "--password", "12345678"])
    assert weak.exit_code != 0 and "太常见" in weak.output
    ok = runner.invoke(args=[*args, "--password", "Strong-pass-1"])
    assert ok.exit_code == 0, ok.output
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.group_id == group.id))
    assert membership.is_lead
    missing = runner.invoke(args=["users", "create", "--username", "x2", "--name", "某", "--role", "staff",
                                  "--group", "不存在组", "--password", "Strong-pass-1"])
    assert missing.exit_code != 0 and "没有名为" in missing.output


def test_users_list_and_set_password(app):
    factories.make_user("staff", username="zhou", display_name="周九")
    db.session.commit()
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["users", "list"])
    assert "zhou" in listing.output and "周九" in listing.output and "工作人员" in listing.output
    result = runner.invoke(args=["users", "set-password", "zhou"], input="Newer-pass-2\nNewer-pass-2\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "zhou")).check_password("Newer-pass-2")
    assert runner.invoke(args=["users", "set-password", "nobody", "--password", "x"]).exit_code != 0


def test_demo_builds_the_meeting_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for username, _who in DEMO_LOGINS:
        assert username in result.output
    meeting = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
    assert meeting.name == MEETING_NAME
    opens = to_local(meeting.opens_at)
    assert (opens.hour, opens.minute) == (9, 0) and 20 <= (meeting.opens_at - now()).days <= 21
    # a plenary of three calendar days (five sittings): opening morning to the third day's noon
    assert (to_local(meeting.closes_at).date() - opens.date()).days == 2
    names = set(db.session.scalars(select(WorkingGroup.name)))
    assert names == {name for name, _prefix, _duties in GROUPS}
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert counts[Role.MEMBER] == 300
    assert 25 <= sum(counts[r] for r in (Role.ADMIN, Role.SECRETARIAT, Role.GROUP_LEAD, Role.STAFF)) <= 35
    assert counts[Role.LEADER] >= 3
    for username, _who in DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.check_password(app.config["DEMO_PASSWORD"])
    lead = db.session.scalar(select(User).where(User.username == "huiwu_zz"))
    assert lead.lead_group_ids
    _assert_the_plenary_days(meeting)

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "保留现有数据" in again.output
    assert runner.invoke(args=["demo"]).exit_code != 0  # existing data is never silently replaced
    assert db.session.scalar(select(func.count(Meeting.id))) == 2  # this year's, and last year's archived one


def _assert_the_plenary_days(meeting) -> None:
    """What the issue (#20) promises of the demo's 会中: 5 sittings over the meeting's 3 days, one 大会发言 of 8
    oral and 20 written speeches with none dropped, and materials published to the members."""
    from meetingprep.agenda import queries as agenda_queries
    from meetingprep.agenda.models import AgendaItem, AgendaItemKind
    from meetingprep.attendance.models import Sitting
    from meetingprep.materials.models import Material

    sittings = list(db.session.scalars(select(Sitting).where(Sitting.meeting_id == meeting.id)))
    plenary = [s for s in sittings if meeting.opens_at <= s.starts_at < s.ends_at <= meeting.closes_at]
    assert len(plenary) == 5 and len({to_local(s.starts_at).date() for s in plenary}) == 3
    assert all(s.ends_at <= meeting.opens_at for s in sittings if s not in plenary)  # 预备会议 and the like
    speeches = list(db.session.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id,
                                                                    AgendaItem.kind == AgendaItemKind.SPEECHES)))
    assert len(speeches) == 1
    order = agenda_queries.speech_order(agenda_queries.item_with_order(speeches[0]))
    assert (len(order.oral), len(order.written), len(order.dropped)) == (8, 20, 0)
    assert db.session.scalar(select(func.count(Material.id)).where(Material.meeting_id == meeting.id,
                                                                   Material.is_live)) >= 1


def test_demo_reset_rebuilds(app, tmp_path):
    runner = app.test_cli_runner()
    factories.make_meeting(name="旧会议")
    db.session.commit()
    result = runner.invoke(args=["demo", "--reset"], input="y\n")
    assert result.exit_code == 0, result.output
    names = list(db.session.scalars(select(Meeting.name)))
    assert "旧会议" not in names and MEETING_NAME in names and len(names) == 2  # with last year's demo session
    # built through the migrations: the instance is at the head revision, so `flask db upgrade` has nothing to redo
    head = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
