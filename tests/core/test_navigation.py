"""The navigation bar is drawn once per (allowed actions, page, badge) and kept: no copy leaks across roles."""

import re

import pytest

from meetingprep.extensions import db
from meetingprep.navigation import Allowed
from tests import factories


def _nav(html: str) -> str:
    """The entries (the user menu after them carries the session's CSRF token)."""
    start = html.index('<ul class="navbar-nav me-auto">')
    return html[start:html.index('<ul class="navbar-nav">', start)]


def test_each_role_gets_its_own_entries_whoever_came_first(app, client, login):
    factories.make_meeting()
    admin, member = factories.make_user("secretariat"), factories.make_user("member")
    db.session.commit()
    seen = {}
    for user in (admin, member, admin, member):
        login(user)
        seen.setdefault(user.role, set()).add(_nav(client.get("/").get_data(as_text=True)))
    admin_nav, member_nav = seen[admin.role], seen[member.role]
    assert len(admin_nav) == 1 and len(member_nav) == 1  # kept copies are served unchanged
    assert "系统管理" in next(iter(admin_nav)) and "任务台账" in next(iter(admin_nav))
    assert "系统管理" not in next(iter(member_nav)) and "任务台账" not in next(iter(member_nav))


def test_the_current_page_and_the_unread_badge_are_part_of_the_kept_copy(app, client, login):
    factories.make_meeting()
    staff = factories.make_user("staff")
    db.session.commit()
    login(staff)
    assert "条未读" not in _nav(client.get("/").get_data(as_text=True))
    factories.make_notification(staff, subject="新的提醒")
    db.session.commit()
    home = _nav(client.get("/").get_data(as_text=True))
    assert 'aria-label="1 条未读"' in home
    inbox = _nav(client.get("/notifications/").get_data(as_text=True))
    assert 'href="/notifications/" aria-current="page"' in inbox and 'aria-current="page"' not in home.split("首页")[1]


def test_the_template_may_ask_only_about_listed_rules():
    allows = Allowed(frozenset({"task.view"}))
    assert allows("task.view") and not allows("user.manage")
    with pytest.raises(KeyError):
        allows("task.delete_everything")


@pytest.mark.parametrize("role", ["admin", "secretariat", "group_lead", "staff", "leader", "member"])
def test_each_entry_of_the_bar_appears_once(app, client, login, role):
    """An area is one entry: a second 议程 beside the first once slipped in with a merge."""
    factories.make_meeting()
    user = factories.make_user(role)
    db.session.commit()
    login(user)
    nav = _nav(client.get("/", follow_redirects=True).get_data(as_text=True))
    targets = [href for href in re.findall(r'class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"', nav)
               if href != "#"]  # "#": the dropdowns' toggles
    assert targets and len(targets) == len(set(targets)), targets
