"""The timeline's axis labels (months, weeks, 开幕, 今天) never overlap as Chromium draws them (#19)."""

from __future__ import annotations

import datetime as dt
import itertools

from meetingprep.extensions import db
from meetingprep.timeutil import now
from tests import factories
from tests.e2e.conftest import log_in

BOXES = """els => els.map(e => { const r = e.getBoundingClientRect();
                                return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def _overlapping(boxes):
    return [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2)
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def test_axis_labels_do_not_overlap_on_a_phone_or_a_wide_screen(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议", opens_in_days=2)
        group = factories.make_group(meeting, name="会务组")
        owner = factories.make_user("group_lead", username="wanghw", display_name="王会务", group=group, is_lead=True)
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三")
        today = now()
        # about 118 days: the widest chart that still draws a label for every Monday, at its narrowest days,
        # with 今天 and 开幕 two days apart among them
        def days(n: int) -> dt.datetime:
            return today + dt.timedelta(days=n)

        factories.make_task(meeting, group, owner, title="筹备总体方案", starts_on=days(-60).date(), due_at=days(55))
        for n in range(0, 100, 9):
            factories.make_task(meeting, group, owner, title=f"节点任务{n}", starts_on=days(n - 58).date(),
                                due_at=days(n - 50))
        db.session.commit()
        group_id, meeting_id = group.id, meeting.id

    log_in(page, live_server, "mishu", factories.PASSWORD)
    for width in (390, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/plans/timeline?group={group_id}&meeting={meeting_id}")
        boxes = page.eval_on_selector_all("svg text.axis-label", BOXES)
        texts = [box[0] for box in boxes]
        assert "开幕" in texts and "今天" in texts and any(text.endswith("月") for text in texts)
        assert sum(text.isdigit() for text in texts) >= 10  # the weeks are labelled too
        assert _overlapping(boxes) == [], width
