"""Readable history: a task's, a document's and a sitting's 变更记录 in plain Chinese on a phone —
names not ids, labels not codes, Shanghai times, one row per change, no sideways scrolling."""

from __future__ import annotations

import datetime as dt

from meetingprep.attendance import services as attendance
from meetingprep.documents import services as review
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.tasks import services as tasks
from tests import factories
from tests.e2e.conftest import log_in

#: What the raw trail holds and a person must not see.
INTERNALS = ("meeting_id", "owner_id", "group_id", "submitted_by_id", "created_at", "not_started", "in_progress",
             "submitted", "plenary", "+00:00", "version_id")

TRAIL = """() => {
  const trail = document.querySelector('.audit-trail');
  return {text: trail.innerText, rows: [...trail.querySelectorAll('.history-action')].map((el) => el.innerText),
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
}"""


def _read(page, url):
    page.goto(url)
    return page.evaluate(TRAIL)


def test_history_of_a_task_a_document_and_a_sitting_reads_in_chinese(live_server, phone_page):
    with live_server.data():
        meeting = factories.make_meeting()
        group = factories.make_group(meeting, name="材料组")
        secretary = factories.make_user(Role.SECRETARIAT, username="mishu", display_name="秘书处甲")
        staff = factories.make_user(Role.STAFF, display_name="工作人员乙", group=group)
        lead = factories.make_user(Role.GROUP_LEAD, display_name="组长丙", group=group, is_lead=True)
        long_title = "关于" + "进一步加强和改进" * 12 + "的报告"  # no break opportunity for a phone's width
        task = factories.make_group_task(group, staff, title=long_title)
        db.session.commit()
        tasks.transition(staff, task, "start")
        db.session.commit()
        tasks.transition(staff, task, "submit", note="已完成初稿")
        db.session.commit()
        tasks.transition(lead, task, "return", note="数据要更新")
        db.session.commit()
        pipeline = factories.make_pipeline_template([[lead]], actor=secretary)
        document = factories.make_document(meeting, title="常委会工作报告", group=group, template=pipeline,
                                           drafters=[staff], actor=secretary)
        document = factories.add_text_version(document, staff, "各位委员：现在，我代表常务委员会作报告。")
        review.decide(lead, document, Decision.RETURN, comment="请写明向大会报告工作。")
        two_pm = dt.datetime.now(dt.UTC).replace(hour=6, minute=0, second=30) + dt.timedelta(days=3)  # 14:00 local
        sitting = factories.make_sitting(meeting, name="开幕大会",
                                         starts_in_minutes=(two_pm - dt.datetime.now(dt.UTC)).total_seconds() / 60)
        db.session.commit()
        attendance.close_sitting(secretary, sitting)
        db.session.commit()
        ids = task.id, document.id, sitting.id

    log_in(phone_page, live_server, "mishu", factories.PASSWORD)
    task_id, document_id, sitting_id = ids

    seen = _read(phone_page, f"{live_server.url}/tasks/{task_id}")
    assert seen["rows"] == ["退回", "提交验收", "开始办理", "创建"]  # one row per change, newest first
    assert "责任人" in seen["text"] and "工作人员乙" in seen["text"] and "材料组" in seen["text"]
    assert "待验收 → 退回：数据要更新" in seen["text"] and "组长丙" in seen["text"]
    assert not [word for word in INTERNALS if word in seen["text"]]
    assert seen["scrollWidth"] <= seen["innerWidth"]

    seen = _read(phone_page, f"{live_server.url}/documents/{document_id}")
    assert "退回修改" in seen["text"] and "组长丙" in seen["text"] and "材料组" in seen["text"]
    assert "修改" not in seen["rows"]  # each review step is one row with its field changes
    assert not [word for word in INTERNALS if word in seen["text"]]
    assert seen["scrollWidth"] <= seen["innerWidth"]

    seen = _read(phone_page, f"{live_server.url}/attendance/sittings/{sitting_id}")
    assert seen["rows"] == ["结束签到", "创建"]
    assert "结束签到人" in seen["text"] and "秘书处甲" in seen["text"]
    assert f"{two_pm.year}年{two_pm.month}月{two_pm.day}日 14:00" in seen["text"]  # Shanghai, not 06:00 UTC
    assert not [word for word in INTERNALS if word in seen["text"]]
    assert seen["scrollWidth"] <= seen["innerWidth"]
