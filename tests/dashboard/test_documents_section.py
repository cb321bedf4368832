"""材料审核 on the dashboard: tracks, counts per status and stage, the longest waiting, links, scope."""

import datetime as dt

import pytest

from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.queries import compute_figures
from meetingprep.dashboard.sections import documents as section
from meetingprep.documents import queries
from meetingprep.documents.services import StageData, decide
from meetingprep.documents.states import ApprovalRule, Decision
from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.timeutil import now
from tests import factories

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
_clock = {}


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Documents are submitted in the past (``with_clock``); figures are read at NOW."""
    _clock["tm"] = time_machine
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def people(app):
    return {name: factories.make_user(role, display_name=name) for name, role in (
        ("秘书长", Role.SECRETARIAT), ("王组长", Role.GROUP_LEAD), ("李主席", Role.LEADER),
        ("赵审", Role.STAFF), ("钱审", Role.STAFF), ("孙起草", Role.STAFF))}


@pytest.fixture
def setup(people):
    meeting = factories.make_meeting(opens_in_days=10)
    group = factories.make_group(meeting, name="文稿组")
    other = factories.make_group(meeting, name="提案组")
    secretariat = people["秘书长"]
    three = factories.make_pipeline_template([
        StageData(name="组内初审", reviewer_ids=[people["王组长"].id], allowance_days=1),
        StageData(name="会签", reviewer_ids=[people["赵审"].id, people["钱审"].id], rule=ApprovalRule.ALL,
                  is_sequential=True, allowance_days=2),
        StageData(name="领导审定", reviewer_ids=[people["李主席"].id], allowance_days=2),
    ], actor=secretariat, name="三级审核")
    return {"meeting": meeting, "group": group, "other": other, "template": three}


def make(setup, people, title, *, type_code="work_report", group=None, submit_at=None):
    document = factories.make_document(setup["meeting"], template=setup["template"], drafters=[people["孙起草"]],
                                       title=title, group=group or setup["group"], type_code=type_code,
                                       actor=people["秘书长"])
    if submit_at is not None:
        with_clock(submit_at)
        document = factories.add_text_version(document, people["孙起草"], f"{title}正文")
        with_clock(NOW)
    return document


def with_clock(moment):
    _clock["tm"].move_to(moment, tick=False)


def approve(document, user):
    decide(user, document, Decision.APPROVE)
    db.session.expire_all()
    return queries.document_for_action(document.id)


def figures(meeting, group_ids=None):
    return compute_figures(DashboardContext(meeting=meeting, moment=now(), group_ids=group_ids))["documents"]


def test_tracks_counts_and_the_longest_waiting(setup, people):
    report = make(setup, people, "常委会工作报告", submit_at=NOW - 5 * D)
    with_clock(NOW - 4 * D)
    report = approve(report, people["王组长"])  # at 会签 since NOW - 4 days: 赵审 first (in order)
    with_clock(NOW)
    make(setup, people, "提案工作情况报告", type_code="proposal_report")  # still drafting
    make(setup, people, "关于康养产业的发言", type_code="speech", submit_at=NOW - 2 * D)  # a speech: no track
    late = make(setup, people, "会议日程（草案）", type_code="other", submit_at=NOW - 3 * D)
    decide(people["王组长"], late, Decision.RETURN, comment="请补充分组讨论安排")
    db.session.flush()

    f = figures(setup["meeting"])
    assert f["total"] == 4 and f["main_total"] == 3 and f["in_review"] == 2
    statuses = {row["id"]: row["count"] for row in f["statuses"]}
    assert statuses == {"awaiting_pipeline": 0, "drafting": 1, "in_review": 2, "returned": 1, "finalized": 0}
    assert next(r for r in f["statuses"] if r["id"] == "returned")["url"] == "/documents/?status=returned"

    # tracks: the main documents only, in type order, the current stage highlighted
    tracks = {row["title"]: row for row in f["tracks"]["rows"]}
    assert list(tracks) == ["常委会工作报告", "提案工作情况报告", "会议日程（草案）"]
    states = [(s["name"], s["state"]) for s in tracks["常委会工作报告"]["stages"]]
    assert states == [("组内初审", "done"), ("会签", "current"), ("领导审定", "upcoming")]
    assert tracks["常委会工作报告"]["pending"] == "赵审"  # in order: only the next reviewer
    assert [s["state"] for s in tracks["提案工作情况报告"]["stages"]] == ["upcoming"] * 3
    assert tracks["会议日程（草案）"]["stages"][0]["state"] == "returned"

    # the stage counts: 审核中 per stage, overdue, returned
    stages = {row["name"]: row for row in f["stages"]}
    assert list(stages) == ["组内初审", "会签"]  # in pipeline order
    assert (stages["会签"]["in_review"], stages["会签"]["overdue"]) == (1, 1)  # allowance 2 days, 4 days ago
    assert (stages["组内初审"]["in_review"], stages["组内初审"]["returned"], stages["组内初审"]["overdue"]) == (1, 1, 1)
    assert stages["会签"]["urls"]["in_review"] == "/documents/?status=in_review&stage=%E4%BC%9A%E7%AD%BE"
    assert f["overdue"] == 2 and f["overdue_url"] == "/documents/?overdue=1"

    # the longest waiting: by the current stage's start, with whom it waits on
    waiting = f["waiting"]["rows"]
    assert [(w["title"], w["stage"], w["pending"]) for w in waiting] == [
        ("常委会工作报告", "会签", "赵审"), ("关于康养产业的发言", "组内初审", "王组长")]
    assert waiting[0]["started_at"] == NOW - 4 * D and waiting[0]["is_overdue"] is True
    assert waiting[0]["waited"] == "4天" and waiting[0]["url"] == f"/documents/{report.id}"
    assert f["waiting"]["url"] == "/documents/?status=in_review"


def test_parallel_stage_waits_on_everyone_undecided_and_finalized_is_all_done(setup, people):
    template = factories.make_pipeline_template([
        StageData(name="并行会签", reviewer_ids=[people["赵审"].id, people["钱审"].id, people["李主席"].id],
                  rule=ApprovalRule.ALL),
    ], actor=people["秘书长"], name="并行")
    document = factories.make_document(setup["meeting"], template=template, drafters=[people["孙起草"]],
                                       title="提案工作情况报告", type_code="proposal_report", actor=people["秘书长"])
    document = factories.add_text_version(document, people["孙起草"], "正文")
    document = approve(document, people["钱审"])
    row = figures(setup["meeting"])["tracks"]["rows"][0]
    assert row["pending"] == "赵审、李主席"
    document = approve(approve(document, people["赵审"]), people["李主席"])
    f = figures(setup["meeting"])
    assert [s["state"] for s in f["tracks"]["rows"][0]["stages"]] == ["done"]
    assert f["tracks"]["rows"][0]["pending"] == "—" and f["waiting"]["rows"] == []


def test_a_group_lead_sees_their_groups_documents(setup, people):
    make(setup, people, "本组报告", submit_at=NOW - D)
    make(setup, people, "他组报告", group=setup["other"], submit_at=NOW - D)
    f = figures(setup["meeting"], group_ids=frozenset({setup["group"].id}))
    assert f["total"] == 1 and [row["title"] for row in f["tracks"]["rows"]] == ["本组报告"]
    assert f["url"] == f"/documents/?group={setup['group'].id}"
    assert f["overdue_url"] == f"/documents/?group={setup['group'].id}&overdue=1"
    assert figures(setup["meeting"], group_ids=frozenset())["total"] == 0


def test_tracks_and_waiting_lists_are_bounded(setup, people):
    for n in range(section.TRACKS + 2):
        make(setup, people, f"报告{n}", submit_at=NOW - (n + 1) * H)
    f = figures(setup["meeting"])
    assert len(f["tracks"]["rows"]) == section.TRACKS and f["tracks"]["total"] == section.TRACKS + 2
    assert len(f["waiting"]["rows"]) == section.WAITING and f["waiting"]["total"] == section.TRACKS + 2
    assert f["waiting"]["rows"][0]["title"] == f"报告{section.TRACKS + 1}"  # the oldest first


def test_the_page_links_every_figure_to_the_board(client, login, setup, people):
    make(setup, people, "常委会工作报告", submit_at=NOW - 5 * D)
    db.session.commit()
    login(people["李主席"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/documents/?overdue=1"' in html and 'href="/documents/?status=in_review"' in html
    assert "doc-track-stage is-current is-overdue" in html
    board = client.get("/documents/?overdue=1").get_data(as_text=True)
    assert "常委会工作报告" in board
    with_clock(NOW - 5 * D)
    assert "常委会工作报告" not in client.get("/documents/?overdue=1").get_data(as_text=True)
