"""A small preparation: two groups of one meeting, with a lead and staff each, and the secretariat."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from meetingprep.extensions import db
from tests import factories


@pytest.fixture
def world(app):
    meeting = factories.make_meeting()
    materials = factories.make_group(meeting, name="材料组")
    affairs = factories.make_group(meeting, name="会务组")
    w = SimpleNamespace(
        meeting=meeting, materials=materials, affairs=affairs,
        secretariat=factories.make_user("secretariat", username="mishu", display_name="秘书处王芳"),
        secretariat2=factories.make_user("secretariat", username="mishu2", display_name="秘书处李强"),
        lead=factories.make_user("group_lead", username="cailiao_lead", display_name="材料组长", group=materials,
                                 is_lead=True),
        staff=factories.make_user("staff", username="zhangsan", display_name="张三", group=materials),
        staff2=factories.make_user("staff", username="lisi", display_name="李四", group=materials),
        affairs_lead=factories.make_user("group_lead", username="huiwu_lead", display_name="会务组长",
                                         group=affairs, is_lead=True),
        affairs_staff=factories.make_user("staff", username="wangwu", display_name="王五", group=affairs),
        leader=factories.make_user("leader", username="lingdao", display_name="领导"),
        member=factories.make_user("member", username="weiyuan", display_name="委员"),
    )
    db.session.commit()
    return w
