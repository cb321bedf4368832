"""督办 on the dashboard: supervised tasks lead the risk list, overdue and due-soon lists alike."""

from __future__ import annotations

import datetime as dt

from meetingprep.extensions import db
from meetingprep.instructions import services
from meetingprep.timeutil import now
from tests import factories


def test_supervised_tasks_rise_to_the_top_of_the_risk_list(app, client, login, role_users):
    app.config["DASHBOARD_REFRESH_SECONDS"] = 0  # every change shows on the next view
    meeting, group, staff = role_users["meeting"], role_users["group"], role_users["staff"]
    moment = now()
    blocking = factories.make_task(meeting, group, staff, title="阻塞多项的逾期任务",
                                   due_at=moment - dt.timedelta(days=3))
    for n in range(2):
        factories.make_hand_off(blocking, factories.make_task(meeting, group, staff, title=f"后续{n}"))
    followed_late = factories.make_task(meeting, group, staff, title="督办的逾期任务",
                                        due_at=moment - dt.timedelta(hours=2))
    soon = factories.make_task(meeting, group, staff, title="一般的临期任务", due_at=moment + dt.timedelta(hours=3))
    followed_soon = factories.make_task(meeting, group, staff, title="督办的临期任务",
                                        due_at=moment + dt.timedelta(hours=30))
    followed_later = factories.make_task(meeting, group, staff, title="督办的远期任务",
                                         due_at=moment + dt.timedelta(days=9))
    db.session.commit()
    login(role_users["secretariat"])
    before = client.get("/api/dashboard").get_json()["risk"]
    assert before["overdue"]["rows"][0]["title"] == "阻塞多项的逾期任务" and before["supervised"]["total"] == 0
    for task in (followed_late, followed_soon, followed_later):
        services.supervise(role_users["leader"], task, note="盯紧")
    db.session.commit()
    risk = client.get("/api/dashboard").get_json()["risk"]
    titles = [row["title"] for row in risk["supervised"]["rows"]]
    assert titles == ["督办的逾期任务", "督办的临期任务", "督办的远期任务"]
    assert risk["supervised"]["rows"][0]["leader"] == "领导甲" and risk["supervised"]["rows"][0]["is_overdue"]
    assert [row["title"] for row in risk["overdue"]["rows"]][:2] == ["督办的逾期任务", "阻塞多项的逾期任务"]
    assert risk["overdue"]["rows"][0]["supervised"] and not risk["overdue"]["rows"][1]["supervised"]
    assert [row["title"] for row in risk["due_soon"]["rows"]] == ["督办的临期任务", "一般的临期任务"]
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.index('id="risk-supervised"') < html.index("按等待其完成的后续任务数") and "督办的远期任务" in html
    assert soon.id  # listed after the supervised one above

    login(role_users["group_lead"])  # scoped to their group: the same tasks (all 会务组)
    assert client.get("/api/dashboard").get_json()["risk"]["supervised"]["total"] == 3
    other = factories.make_group(meeting, name="宣传组")
    lead = factories.make_user("group_lead", group=other, is_lead=True)
    db.session.commit()
    login(lead)
    assert client.get("/api/dashboard").get_json()["risk"]["supervised"]["total"] == 0


def test_a_closed_supervised_task_leaves_the_list(client, login, role_users):
    task = factories.make_task(role_users["meeting"], role_users["group"], role_users["staff"],
                               title="已办结的督办任务")
    db.session.commit()
    services.supervise(role_users["leader"], task)
    from meetingprep.tasks.states import TaskStatus

    task.status = TaskStatus.DONE
    db.session.commit()
    login(role_users["leader"])
    assert client.get("/api/dashboard").get_json()["risk"]["supervised"]["total"] == 0
