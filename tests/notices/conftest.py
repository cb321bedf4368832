"""A meeting with a roster (members with and without accounts, phones, 界别, 讨论组, 常委), working groups and
the secretariat; the loopback SMS gateway and SMTP server; a clock placed at a Shanghai wall-clock moment."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from meetingprep.extensions import db
from meetingprep.notices import services
from meetingprep.notices.models import NoticeCategory, ScopeKind
from tests import factories
from tests.notifications.conftest import clock, local, smtp_server  # noqa: F401  (fixtures)
from tests.sms_gateway import running_gateway


@pytest.fixture
def sms_gateway():
    with running_gateway() as gateway:
        yield gateway


@pytest.fixture
def app_config(app_config, sms_gateway, smtp_server):  # noqa: F811  (smtp_server is the imported fixture)
    mail = {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_FROM": "mishu@zx.example.cn",
            "BASE_URL": "https://chouBei.example.cn"}
    return {**app_config, **mail, **sms_gateway.config()}


@dataclass
class World:
    """Ids: a meeting with two 讨论组, two working groups, six members and four staff.

    members: wang (account, phone, 第一组, 经济界, 常委), li (account, phone, 第一组, 教育界), zhao (account,
    never logged in, no phone, 第二组, 经济界), sun (no account, phone, 第二组, 教育界), qian (no account, no phone,
    第二组, 经济界), zhou (inactive account, phone, 第一组, 教育界)."""

    meeting: int
    group_one: int
    group_two: int
    huiwu: int
    cailiao: int
    secretariat: int
    huiwu_lead: int
    huiwu_staff: int
    cailiao_staff: int
    leader: int
    wang: int
    li: int
    zhao: int
    sun: int
    qian: int
    zhou: int
    wang_user: int
    li_user: int
    zhao_user: int


def build_world() -> World:
    from meetingprep.timeutil import now

    f = factories
    meeting = f.make_meeting(name="政协第十届测试市委员会第四次会议")
    one, two = f.make_discussion_group(meeting, "第一组"), f.make_discussion_group(meeting, "第二组")
    huiwu, cailiao = f.make_group(meeting, name="会务组"), f.make_group(meeting, name="材料组")
    secretariat = f.make_user("secretariat", username="mishu", display_name="秘书处刘", email="mishu@zx.example.cn")
    lead = f.make_user("group_lead", username="huiwu_zz", display_name="会务组长", group=huiwu, is_lead=True,
                       email="huiwu_zz@zx.example.cn")
    staff = f.make_user("staff", username="huiwu_01", display_name="会务小王", group=huiwu)
    staff.phone = "13800000011"
    cailiao_staff = f.make_user("staff", username="cailiao_01", display_name="材料小李", group=cailiao)
    leader = f.make_user("leader", username="zhuxi", display_name="陈主席")
    wang_user = f.make_user("member", username="weiyuan001", display_name="王芳", email="wangfang@example.org")
    li_user = f.make_user("member", username="weiyuan002", display_name="李强")
    zhao_user = f.make_user("member", username="weiyuan003", display_name="赵敏")
    zhou_user = f.make_user("member", username="weiyuan004", display_name="周杰", is_active=False)
    for user in (wang_user, li_user, secretariat, lead, staff, cailiao_staff):
        user.last_login_at = now()
    wang = f.make_member(meeting, name="王芳", sector="经济界", group=one, is_standing=True, user=wang_user)
    li = f.make_member(meeting, name="李强", sector="教育界", group=one, user=li_user)
    zhao = f.make_member(meeting, name="赵敏", sector="经济界", group=two, user=zhao_user)
    sun = f.make_member(meeting, name="孙丽", sector="教育界", group=two)
    qian = f.make_member(meeting, name="钱伟", sector="经济界", group=two)
    zhou = f.make_member(meeting, name="周杰", sector="教育界", group=one, user=zhou_user)
    wang.phone, li.phone, sun.phone, zhou.phone = "138 0000 0001", "13800000002", "+86 13800000004", "13800000006"
    qian.phone = "0812-3334444"  # a desk phone: no SMS, but staff can call it
    db.session.commit()
    return World(meeting.id, one.id, two.id, huiwu.id, cailiao.id, secretariat.id, lead.id, staff.id,
                 cailiao_staff.id, leader.id, wang.id, li.id, zhao.id, sun.id, qian.id, zhou.id, wang_user.id,
                 li_user.id, zhao_user.id)


@pytest.fixture
def world(app) -> World:
    return build_world()


def data(*scopes: services.ScopeChoice, **fields) -> services.NoticeData:
    fields.setdefault("category", NoticeCategory.REGISTRATION)
    fields.setdefault("title", "大会报到须知")
    fields.setdefault("body", "请于开幕前一日 9:00—18:00 到会议中心一楼报到。")
    return services.NoticeData(scopes=list(scopes) or [services.ScopeChoice(ScopeKind.ALL_MEMBERS)], **fields)


def everyone() -> list[services.ScopeChoice]:
    return [services.ScopeChoice(ScopeKind.ALL_MEMBERS), services.ScopeChoice(ScopeKind.ALL_STAFF)]


__all__ = ["World", "build_world", "data", "everyone", "local"]
