import datetime as dt
import re

from playwright.sync_api import expect

from meetingprep.documents.models import DocumentStage
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import HandOff, Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories
from tests.e2e.conftest import log_in


def seed_meeting():
    meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议", opens_in_days=6.5)
    group = factories.make_group(meeting, name="会务组")
    factories.make_user("leader", username="lingdao", display_name="领导王五")
    owner = factories.make_user("staff", display_name="工作人员李四", group=group)
    late = factories.make_task(meeting, group, owner, title="落实会场座次", due_at=now() - dt.timedelta(days=2))
    follow = factories.make_task(meeting, group, owner, title="印制座次图", due_at=now() + dt.timedelta(days=1))
    db.session.add(HandOff(predecessor_id=late.id, successor_id=follow.id))
    factories.make_task(meeting, group, owner, title="制作代表证", status=TaskStatus.SUBMITTED, submitted_at=now())
    db.session.commit()
    return group.id


def test_leader_reads_the_dashboard_and_drills_into_an_overdue_count(live_server, page):
    with live_server.data():
        group_id = seed_meeting()

    log_in(page, live_server, "lingdao", factories.PASSWORD)
    page.get_by_role("link", name="领导驾驶舱").click()
    page.wait_for_url("**/dashboard")
    expect(page.get_by_text("距开幕还有")).to_be_visible()
    expect(page.locator('[data-figure="overview.countdown.days"]')).to_have_text("6")
    row = page.locator(f'tr[data-group-id="{group_id}"]')
    expect(row.get_by_role("rowheader")).to_have_text("会务组")
    expect(row.locator("svg.chart-progress")).to_be_visible()
    critical = page.locator("#section-critical_path")
    expect(critical.get_by_text("关键路径按时间节点倒排", exact=False)).to_be_visible()
    expect(critical.locator(".critical-chain.is-critical").first).to_contain_text("落实会场座次")
    expect(critical.locator(".critical-chain.is-critical").first).to_contain_text("印制座次图")

    overdue = row.get_by_label("会务组逾期任务")
    expect(overdue).to_have_text("1")
    assert overdue.get_attribute("href") == f"/tasks/?group={group_id}&overdue=1"
    overdue.click()
    page.wait_for_url(re.compile(rf"/tasks/\?group={group_id}&overdue=1$"))
    # the real ledger, filtered like the figure: only the overdue task, the filters shown as set
    expect(page.get_by_role("heading", name="任务台账")).to_be_visible()
    ledger = page.locator("#ledger tbody tr")
    expect(ledger).to_have_count(1)
    expect(ledger.first).to_contain_text("落实会场座次")
    expect(page.locator("#f-overdue")).to_be_checked()
    expect(page.locator("#f-group")).to_have_value(str(group_id))

    page.go_back()
    page.wait_for_url("**/dashboard")
    page.locator('[data-figure="risk.due_soon.total"]').click()  # 48小时内到期
    page.wait_for_url(re.compile(r"/tasks/\?due_within=2$"))
    expect(ledger).to_have_count(1)
    expect(ledger.first).to_contain_text("印制座次图")
    expect(page.locator("#f-due")).to_have_value("2")


def test_documents_figures_drill_into_the_board(live_server, page):
    with live_server.data():
        seed_meeting()
        secretariat = factories.make_user("secretariat", display_name="秘书处赵六")
        reviewer = factories.make_user("staff", display_name="审核人钱七")
        drafter = factories.make_user("staff", display_name="起草人孙八")
        template = factories.make_pipeline_template([[reviewer]], actor=secretariat, name="一审")
        meeting = db.session.scalar(db.select(Meeting))
        for title in ("常委会工作报告", "提案工作情况报告"):
            document = factories.make_document(meeting, template=template, drafters=[drafter], title=title,
                                               actor=secretariat)
            if title == "常委会工作报告":
                factories.add_text_version(document, drafter, "报告正文")
        db.session.commit()
        stage = db.session.scalar(db.select(DocumentStage).where(DocumentStage.started_at.is_not(None)))
        stage.due_at = now() - dt.timedelta(hours=3)  # its time allowance ran out
        db.session.commit()

    log_in(page, live_server, "lingdao", factories.PASSWORD)
    page.goto(f"{live_server.url}/dashboard")
    section = page.locator("#section-documents")
    expect(section.locator(".doc-track-stage.is-current")).to_have_text("第1审")
    expect(section.locator('[data-list="documents.waiting.rows"]')).to_contain_text("审核人钱七")
    section.locator('[data-figure="documents.overdue"]').click()
    page.wait_for_url(re.compile(r"/documents/\?overdue=1$"))
    expect(page.locator("[data-document-id]")).to_have_count(1)
    expect(page.locator("[data-document-id]").first).to_contain_text("常委会工作报告")


def test_wall_screen_updates_a_figure_without_reloading(live_server, page):
    with live_server.data():
        group_id = seed_meeting()

    log_in(page, live_server, "lingdao", factories.PASSWORD)
    page.goto(f"{live_server.url}/dashboard/wall?refresh=1")
    expect(page.locator("nav")).to_have_count(0)
    done = page.locator(f'[data-figure="groups.rows.#{group_id}.done"]')
    expect(done).to_have_text("0")
    overdue_list = page.locator('[data-list="risk.overdue.rows"]')
    expect(overdue_list).to_contain_text("落实会场座次")
    page.evaluate("window.__notReloaded = true")

    with live_server.data():  # accepted elsewhere while the wall screen is showing
        for accepted in db.session.scalars(db.select(Task).where(
                Task.title.in_(["制作代表证", "落实会场座次"]))):
            accepted.status, accepted.accepted_at = TaskStatus.DONE, now()
        db.session.commit()

    expect(done).to_have_text("2", timeout=8_000)
    expect(page.locator('[data-figure="overview.completion.accepted"]')).to_have_text("2")
    expect(overdue_list.locator("tr")).to_have_count(0)
    expect(page.get_by_text("没有逾期任务。")).to_be_visible()
    chains = page.locator('[data-list="critical_path.chains"]')
    expect(chains).not_to_contain_text("落实会场座次")
    expect(chains.locator(".chain-task").first).to_have_attribute("href", re.compile(r"^/tasks/\d+$"))
    assert page.evaluate("window.__notReloaded") is True


def seed_national_scale_plan(meeting_id: int, owner_id: int, groups: int = 60, per_group: int = 40) -> None:
    """60 working groups, each with overdue, due-soon and chained tasks: the lists are longer than any page."""
    from sqlalchemy import insert

    from meetingprep.groups.models import WorkingGroup

    moment = now()
    before = db.session.scalar(db.select(db.func.max(Task.id))) or 0
    statuses = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED, TaskStatus.DONE]
    for number in range(groups):
        group = WorkingGroup(meeting_id=meeting_id, name=f"界别联络组{number + 1:02d}", duties="")
        db.session.add(group)
        db.session.flush()
        db.session.execute(insert(Task), [
            {"meeting_id": meeting_id, "group_id": group.id, "owner_id": owner_id,
             "title": f"界别联络组{number + 1:02d}第{n + 1}项筹备任务（联系委员、收集提案线索并汇总上报）",
             "status": statuses[n % 4], "due_at": moment + dt.timedelta(hours=(n % 5 - 2) * 30 + n),
             "accepted_at": moment if statuses[n % 4] == TaskStatus.DONE else None, "created_at": moment}
            for n in range(per_group)])
    ids = db.session.scalars(db.select(Task.id).where(Task.id > before).order_by(Task.id)).all()
    db.session.execute(insert(HandOff), [{"predecessor_id": a, "successor_id": b}
                                                for a, b in zip(ids[::2], ids[1::2], strict=False)])
    db.session.commit()


def test_printed_dashboard_fits_one_a4_landscape_sheet(live_server, page):
    """The paper copy of the daily report: every section on one A4 landscape page, even at 61 groups."""
    with live_server.data():
        seed_meeting()
        meeting = db.session.scalar(db.select(Meeting))
        owner_id = db.session.scalar(db.select(Task.owner_id).limit(1))
        seed_national_scale_plan(meeting.id, owner_id)

    log_in(page, live_server, "lingdao", factories.PASSWORD)
    page.goto(f"{live_server.url}/dashboard")
    expect(page.locator("#section-groups tbody tr")).to_have_count(61)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) == 1, f"printed on {len(pages)} pages"
    width, height = (float(v) for v in re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)  # A4 landscape, in mm

    page.emulate_media(media="print")  # what is left out says where to find it
    expect(page.locator(".print-note")).to_be_visible()
    expect(page.locator("#section-groups tbody tr").nth(25)).to_be_hidden()
    expect(page.locator("#section-activity")).to_be_hidden()
