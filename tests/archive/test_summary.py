"""The 会议总结 draft: its figures from the data (tasks on time, review rounds, attendance and its trend against
the previous meeting, speeches), each with its source, as a .docx that python-docx and LibreOffice open."""

import io

from docx import Document as read_docx

from meetingprep.archive import summary
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.records import comparison
from meetingprep.timeutil import now
from tests import factories, office


def _text(data: bytes) -> str:
    document = read_docx(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_figures_count_what_happened(world):
    f = summary.figures(db.session.get(Meeting, world.meeting.id))
    total = f.task_total
    assert (total.total, total.done, total.on_time, total.late, total.open, total.cancelled) == (3, 2, 1, 1, 1, 1)
    assert total.on_time_rate == 0.5
    report = next(d for d in f.documents if d.title == "常委会工作报告")
    assert (report.versions, report.returns, report.rounds, report.status.label) == (2, 1, 2, "定稿")
    draft = next(d for d in f.documents if d.title == "提案工作情况报告")
    assert draft.rounds == 0
    assert [s.name for s in f.sittings] == ["开幕大会"]  # the closing sitting has not begun
    a = f.attendance
    assert (a.expected, a.present, a.late, a.leave, a.absent) == (5, 3, 1, 1, 1) and a.rate_text == "75.0%"
    assert f.previous.id == world.earlier.id and f.previous_attendance.rate_text == "25.0%"
    assert round(f.trend_points, 1) == 50.0
    assert (f.groups, f.members) == (1, 5)


def test_the_docx_holds_the_figures_and_their_sources(client, login, world):
    login(world.secretariat)
    response = client.get(f"/meetings/{world.meeting.id}/summary.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _text(response.data)
    for expected in ("会议总结（草稿）", "二、筹备任务完成情况", "共分解筹备任务 3 项（另有 1 项已取消，不计入）",
                     "按时完成 1 项、逾期完成 1 项", "按时完成率 50.0%", "仍未办结 1 项",
                     "纳入审核的会议材料 2 份，已定稿 1 份", "平均审核 2.0 轮", "常委会工作报告",
                     "应到 5 人次，实到 3 人次（其中迟到 1 人次）", "出席率 75.0%",
                     "与上次会议（测试会议，出席率 25.0%）相比提高 50.0 个百分点",
                     "附：数据来源", "按时完成 = 提交验收时间不晚于时间节点", "审核轮次 = 材料送审的轮数",
                     "出席率 = 实到 ÷ (应到 − 请假)", "六、会议材料发放情况", "本次会议没有通过系统发放会议材料",
                     "七、通知公告阅读情况", "本次会议没有通过系统发出通知公告", "八、分组讨论意见采纳情况",
                     "本次会议在系统中没有记录分组讨论意见", "九、存在的问题和改进建议"):
        assert expected in text, expected
    for role in ("leader", "group_lead", "staff", "member"):
        login(getattr(world, role))
        assert client.get(f"/meetings/{world.meeting.id}/summary.docx").status_code == 403


def test_a_meeting_with_nothing_yet_has_a_summary_too(client, login, role_users):
    login(role_users["secretariat"])
    response = client.get(f"/meetings/{role_users['meeting'].id}/summary.docx")
    text = _text(response.data)
    assert response.status_code == 200 and "没有筹备任务记录" in text and "尚无材料提交审核" in text


def test_the_summary_opens_in_libreoffice_with_its_figures(client, login, world, tmp_path):
    login(world.secretariat)
    path = tmp_path / "summary.docx"
    path.write_bytes(client.get(f"/meetings/{world.meeting.id}/summary.docx").data)
    pdf = next(office.convert(path, "pdf", tmp_path).glob("*.pdf"))
    info = office.pdfinfo(pdf)
    assert "A4" in info["Page size"] and int(info["Pages"]) >= 2
    text = "".join(office.pdftext(pdf).split())  # the layout breaks lines and spaces anywhere
    for expected in ("会议总结", "按时完成率50.0%", "出席率75.0%", "提高50.0个百分点", "会务组",
                     "附：数据来源"):
        assert expected in text, expected


def test_the_summary_and_the_comparison_count_review_rounds_alike(world):
    """One definition of 审核轮次 (``documents.queries.review_rounds``): the versions sent round the review.
    The fixture's report was returned and resubmitted (2 rounds); a report returned and not yet resubmitted has
    had 1 (退回次数 + 1 said 2); one returned at both stages of a two-stage pipeline, resubmitted after the
    first, has had 2 as well (退回次数 + 1 said 3)."""
    lead, staff, secretariat = world.group_lead, world.staff, world.secretariat

    def reload(document):
        db.session.expire_all()
        return document_queries.document_for_action(document.id)

    waiting = factories.make_document(world.meeting, template=factories.make_pipeline_template(
        [[lead]], actor=secretariat, name="一级审核"), drafters=[staff], actor=secretariat, title="退回待改的报告")
    waiting = factories.add_text_version(waiting, staff, "第一稿。")
    document_services.decide(lead, reload(waiting), Decision.RETURN, comment="请改", version_number=1)
    twice = factories.make_document(world.meeting, template=factories.make_pipeline_template(
        [[lead], [secretariat]], actor=secretariat, name="两级审核"), drafters=[staff], actor=secretariat,
        title="两级退回的报告")
    twice = factories.add_text_version(twice, staff, "第一稿。")
    document_services.decide(lead, reload(twice), Decision.RETURN, comment="请改", version_number=1)
    twice = factories.add_text_version(reload(twice), staff, "第二稿。")
    document_services.decide(lead, reload(twice), Decision.APPROVE, version_number=2)
    document_services.decide(secretariat, reload(twice), Decision.RETURN, comment="再改", version_number=2)
    db.session.commit()

    f = summary.figures(db.session.get(Meeting, world.meeting.id))
    rounds = {d.title: (d.returns, d.rounds) for d in f.documents}
    assert rounds == {"常委会工作报告": (1, 2), "提案工作情况报告": (0, 0), "退回待改的报告": (1, 1),
                      "两级退回的报告": (2, 2)}
    line = next(line for line in comparison.compare_meetings(now()) if line.meeting_id == world.meeting.id)
    reviewed = [r for _, r in rounds.values() if r]
    assert line.documents_reviewed == len(reviewed) == 3
    assert line.average_rounds == round(sum(reviewed) / len(reviewed), 2) == 1.67
    assert line.returns == sum(returns for returns, _ in rounds.values()) == 4


def test_the_summary_counts_the_speeches(client, login, speeches):
    f = summary.figures(db.session.get(Meeting, speeches.meeting.id))
    assert (f.speeches_submitted, f.speeches_finalized, f.speeches_oral, f.speeches_written) == (4, 3, 1, 1)
    assert all("发言" not in d.title for d in f.documents)  # speeches are counted apart from the reviewed reports
    login(speeches.secretariat)
    text = _text(client.get(f"/meetings/{speeches.meeting.id}/summary.docx").data)
    assert "委员提交大会发言稿 4 篇，定稿 3 篇；安排口头发言 1 篇、书面发言 1 篇。" in text
    assert "纳入审核的会议材料 2 份" in text
