"""The new-task form in the browser: choosing a 责任组 narrows the 责任人 list to that group (tasks.js filterOwners)."""

from playwright.sync_api import expect

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in

SHOWN = "options => options.filter(o => !o.hidden && o.value).map(o => o.textContent.trim())"


def test_choosing_a_group_lists_only_its_owners(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting()
        affairs = factories.make_group(meeting, name="会务组")
        materials = factories.make_group(meeting, name="材料组")
        factories.make_user("staff", display_name="王会务", group=affairs)
        factories.make_user("group_lead", display_name="赵组长", group=affairs, is_lead=True)
        factories.make_user("staff", display_name="李材料", group=materials)
        factories.make_user("secretariat", username="mishu", display_name="秘书处")
        db.session.commit()

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/tasks/new")
    owner = page.get_by_label("责任人")
    page.get_by_label("责任组").select_option(label="材料组")
    assert owner.locator("option").evaluate_all(SHOWN) == ["李材料（材料组）"]
    owner.select_option(label="李材料（材料组）")

    page.get_by_label("责任组").select_option(label="会务组")
    assert sorted(owner.locator("option").evaluate_all(SHOWN)) == sorted(["王会务（会务组）", "赵组长（会务组）"])
    expect(owner).to_have_value("")  # the other group's owner is cleared, not swapped for someone unchosen
    expect(owner.locator("option", has_text="李材料")).to_be_hidden()
