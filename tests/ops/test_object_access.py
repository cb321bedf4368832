"""Object-level access: every route that takes an id, asked by people of ANOTHER group or person.

A world of two working groups 甲组 and 乙组 of the current meeting (each with its lead and staff), two
members M1 and M2, a leader and the secretariat. Every object with an id route belongs to 乙组, to its
staff member or to M2, and carries a distinctive text. The routes are found by walking ``app.url_map``
(new routes are covered without touching this file; a route whose id kind has no object here fails
with a message saying so). 甲组's lead and staff and M1 request each route for those objects, and the
leader too on every route that writes: the answer must be 403 or 404 (or the login page), the body
must not contain 乙组's or M2's text, and a POST must change no row and leave no file.

What the product deliberately shares across groups is listed in ``CROSS_GROUP`` with its rule from
meetingprep/permissions.py: there the request must succeed, so the table stays true.
"""

from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import AnyConverter, IntegerConverter

from meetingprep import uploads
from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import CheckInMethod
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from meetingprep.plans import importer
from meetingprep.plans import services as plan_services
from meetingprep.tasks import queries as task_queries
from meetingprep.tasks import services as task_services
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskAction, TaskStatus
from tests import factories

SECRETS = ("乙组机密任务", "乙组机密批示",
           "乙组机密留言", "乙组机密附件", "乙组机密材料", "乙组机密正文", "乙组机密意见",
           "乙委员机密发言", "乙委员机密请假", "乙组机密通知", "乙组机密模板", "乙组机密流程", "13900000002",
           "乙委员机密单位", "13900000009", "乙委员机密会议材料",
           "乙组机密通告",
           "乙委员机密讨论意见")
ATTACKERS = ("a_lead", "a_staff", "m1")
WRITE_ATTACKERS = (*ATTACKERS, "leader")  # leaders read everything, but act only where a review names them
READERS = {"a_lead", "a_staff"}  # of the attackers, those in permissions.READERS (M1 is a member)

# endpoint → attackers who may pass, and why (the rule in meetingprep/permissions.py).
CROSS_GROUP = {
    # task.view = READERS: workers and leaders follow the whole preparation, every group's tasks.
    "tasks.detail": READERS, "tasks.attachment": READERS, "tasks.board": READERS,
    # document.view = READERS (drafters otherwise): every document, members' speeches included.
    "documents.detail": READERS, "documents.version": READERS, "documents.download": READERS,
    "documents.diff": READERS, "documents.record": READERS, "documents.final_docx": READERS,
    # document.comment = document.view: whoever may read a document may comment on it (leaders too).
    "documents.comment": {*READERS, "leader"},
    # group.view = READERS: the groups and their people are no secret among the staff.
    "groups.detail": READERS, "groups.for_meeting": READERS,
    # meeting.view: everyone, members included, sees the meeting itself.
    "meetings.detail": {"a_lead", "a_staff", "m1"},
    # attendance.view / attendance.member.view / attendance.leave.view = READERS: the roster, sittings and
    # leave requests are read by all workers; a member sees only their own.
    "attendance.sitting_detail": READERS, "attendance.sitting_counts": READERS, "attendance.sitting_sheet": READERS,
    "attendance.sitting_sheet_xlsx": READERS, "attendance.member_detail": READERS, "attendance.leave_detail": READERS,
    # attendance.view = READERS: who has not checked in at a sitting is read like its roll (phones stay with the
    # secretariat: attendance.member.personal).
    "attendance.absent": READERS,
    # agenda.view = READERS: the agenda and the 大会发言 order are read by all workers and leaders.
    "agenda.sitting": READERS, "agenda.speeches": READERS, "agenda.speeches_print": READERS,
    # material.view / material.download = READERS besides the members in scope: a published material is read
    # by all workers and leaders (its receipts, versions and scope stay with the secretariat).
    "materials.read": READERS, "materials.page_image": READERS, "materials.download": READERS,
    # opinion.view = READERS: the discussion opinions on the reports and their answers, per report and group
    # (opinion.group_view adds a group's own members and recorders: M1 is in 甲讨论组, so refused here).
    "opinions.document": READERS, "opinions.report": READERS, "opinions.report_xlsx": READERS,
    "opinions.group": READERS,
    # instruction.write / task.supervise = leaders and the secretariat: a leader instructs on, and follows (督办),
    # any group's task or document — that is what 批示 and 督办 are. Answering stays with the addressees.
    "instructions.task_new": {"leader"}, "instructions.document_new": {"leader"},
    "instructions.supervise": {"leader"}, "instructions.unsupervise": {"leader"},
}
# Reads that are recorded when allowed (who downloaded a material: its audit trail).
RECORDED_READS = {"materials.download"}
# Routes whose URL carries a token instead of an int id but whose object belongs to one person.
TOKEN_ROUTES = {"plans.import_preview", "plans.import_commit", "plans.import_discard"}
# Rows any request may write: the login session (and the process heartbeat), and the data version, which
# the refusal's own audit entry (not compared either) moves.
NOT_COMPARED = {"user_sessions", "heartbeats", "data_version"}
# The rightful user sending the same PLAUSIBLE data does change rows: the refusals above are the
# permission's doing, not the data's. (endpoint, who), run after the attacks.
CONTROLS = [("tasks.comment", "b_staff"), ("tasks.progress", "b_staff"), ("documents.decide", "b_lead"),
            ("notifications.read", "b_staff"), ("attendance.leave_decide", "secretariat"),
            ("groups.edit", "secretariat"), ("users.edit", "secretariat"), ("tasks.edit", "secretariat"),
            ("instructions.acknowledge", "b_staff")]
PLAUSIBLE = {  # what the rightful user would send
    "tasks.comment": {"body": "请乙组补充材料"}, "tasks.progress": {"progress": "80", "version_id": "{task_version}"},
    "tasks.transition": {"note": "已办结", "override_reason": "急需"},
    "tasks.edit": {"title": "改名", "group_id": "{group_a}", "owner_id": "{a_staff}", "due_mode": "relative",
                   "offset_direction": "before", "offset_days": "3", "offset_time": "17:00", "phase": "before",
                   "priority": "normal", "version_id": "{task_version}"},
    # (M2's discussion opinion on the report is unanswered: approving it to 定稿 takes the confirmation)
    "documents.decide": {"decision": "approve", "comment": "同意", "version_number": "2", "confirm_unanswered": "y"},
    "documents.comment": {"c-body": "甲组的意见"}, "documents.add_version": {"text": "甲组改写的正文"},
    "documents.edit": {"title": "改名", "type_id": "{doc_type}", "drafter_ids": "{a_staff}", "version_id": "1"},
    "documents.reopen": {"reason": "重新修改"}, "documents.assign": {"template_id": "{pipeline}"},
    "documents.template_edit": {"name": "改名", "version_id": "1"}, "documents.type_edit": {"name": "改名"},
    "attendance.leave_decide": {"decision": "approve", "note": "同意", "version_id": "1"},
    "attendance.member_edit": {"member_no": "99", "name": "改名", "sector": "经济界"},
    "attendance.desk_check_in": {"member_id": "{member_m2}"}, "attendance.bulk": {"member_ids": "{member_m2}"},
    "attendance.correct": {"status": "present", "reason": "补登"},
    "attendance.sitting_edit": {"kind": "plenary", "name": "改名", "starts_at": "2030-01-01T09:00",
                                "ends_at": "2030-01-01T12:00", "expectation": "all", "late_grace_minutes": "10"},
    "groups.edit": {"name": "改名", "version_id": "1"}, "groups.add_member": {"username": "{a_staff_name}"},
    "groups.create": {"name": "新组"}, "meetings.edit": {"name": "改名", "version_id": "1"},
    "notifications.webhook_edit": {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "is_enabled": "y"},
    "plans.template_apply": {"meeting_id": "{meeting}"},
    "users.edit": {"display_name": "改名", "role": "staff", "version_id": "{b_staff_version}"},
    "users.reset_password": {"password": "Another-pass-2026", "confirm": "Another-pass-2026"},
    "instructions.task_new": {"body": "请抓紧办理"}, "instructions.document_new": {"body": "请核准数据"},
    "instructions.supervise": {"note": "每天报告"},
}


def _text_file(text: str, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(text.encode()), filename=name)


def build_world() -> tuple[dict, dict]:
    """People (by name) and, per id kind, the objects to put in URLs: kind → [(label, value, is_target)].

    Targets belong to 乙组 or M2. A few of 甲组's own objects (not targets) are there to be combined with
    a target in routes taking two ids, e.g. 甲组's own task with 乙组's attachment or hand-off."""
    f = factories
    meeting = f.make_meeting()
    group_a, group_b = f.make_group(meeting, name="甲组"), f.make_group(meeting, name="乙组")
    people = {
        "a_lead": f.make_user("group_lead", group=group_a, is_lead=True, display_name="甲组长"),
        "a_staff": f.make_user("staff", group=group_a, display_name="甲工作人员"),
        "b_lead": f.make_user("group_lead", group=group_b, is_lead=True, display_name="乙组长"),
        "b_staff": f.make_user("staff", group=group_b, display_name="乙工作人员", email="b@example.cn"),
        "m1": f.make_user("member", display_name="甲委员"), "m2": f.make_user("member", display_name="乙委员"),
        "leader": f.make_user("leader", display_name="领导"),
        "secretariat": f.make_user("secretariat", display_name="秘书处"),
    }
    b_staff, b_lead, m2, secretariat = (people[k] for k in ("b_staff", "b_lead", "m2", "secretariat"))
    b_staff.phone = "13900000002"

    # tasks: a hand-off between two of 乙组's tasks, a comment with an attachment
    task = f.make_task(meeting, group_b, b_staff, title="乙组机密任务", status=TaskStatus.IN_PROGRESS)
    before = f.make_task(meeting, group_b, b_staff, title="乙组机密任务之前置")
    hand_off = f.make_hand_off(before, task)
    own_task = f.make_task(meeting, group_a, people["a_staff"], title="甲组的任务")
    comment = task_services.add_comment(b_staff, task_queries.task_for_update(task.id), "乙组机密留言",
                                        [_text_file("乙组机密附件内容", "乙组机密附件.txt")])
    db.session.flush()
    attachment = comment.attachments[0]

    # documents: 乙组's report (a file version, returned with comments, a second version) and M2's speech
    pipeline = f.make_pipeline_template([[b_lead]], name="乙组机密流程")
    document = f.make_document(meeting, template=pipeline, drafters=[b_staff], title="乙组机密材料", group=group_b)
    document_services.add_version(b_staff, document, file=_text_file("乙组机密正文第一稿", "乙组机密正文.txt"))
    document = document_queries.document_for_action(document.id)
    document_services.decide(b_lead, document, Decision.RETURN, comment="乙组机密意见：请改", version_number=1)
    document = f.add_text_version(document_queries.document_for_action(document.id), b_staff, "乙组机密正文第二稿")
    document_services.add_comment(b_lead, document, body="乙组机密意见", is_internal=True)
    speech = document_services.submit_speech(m2, meeting, title="乙委员机密发言",
                                             file=_text_file("乙委员机密发言正文", "乙委员机密发言.txt"))

    # attendance: M2's profile, leave request and check-in; a sitting; 乙组 staff on duty
    member_m1 = f.make_member(meeting, name="甲委员", user=people["m1"])
    member_m2 = f.make_member(meeting, name="乙委员", user=m2)
    member_m2.unit, member_m2.phone = "乙委员机密单位", "13900000009"
    sitting = f.make_sitting(meeting, name="第一次全体会议", starts_in_minutes=5)
    later = f.make_sitting(meeting, name="第二次全体会议", starts_in_minutes=2000)
    leave = f.make_leave(member_m2, [later], reason="乙委员机密请假事由", requested_by=m2)
    attendance_services.check_in(secretariat, sitting, member_m2, method=CheckInMethod.DESK)
    duty = f.make_duty(b_staff, sitting)
    # a closed sitting M2 missed without leave: a follow-up item, resolved with a private note
    held = f.make_sitting(meeting, name="会前培训会", starts_in_minutes=-600)
    attendance_services.close_sitting(secretariat, held)
    from meetingprep.attendance.models import AbsenceFollowUp, FollowUpOutcome

    follow_up = db.session.scalar(select(AbsenceFollowUp).where(AbsenceFollowUp.member_id == member_m2.id))
    attendance_services.resolve_follow_up(secretariat, follow_up, FollowUpOutcome.CONTACTED, "乙委员机密请假说明",
                                          version_id=follow_up.version_id)
    # agenda: a 大会发言 item of that sitting with M2's speech in its order (rows written directly: the
    # speech need not reach 定稿 for the walk)
    from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot

    item = AgendaItem(meeting_id=meeting.id, sitting_id=sitting.id, position=1, starts_at=sitting.starts_at,
                      kind=AgendaItemKind.SPEECHES, title="大会发言", slots=[])
    db.session.add(item)
    db.session.flush()
    slot = SpeechSlot(meeting_id=meeting.id, item_id=item.id, document_id=speech.id, mode=SpeechMode.ORAL,
                      position=1, minutes=8)
    db.session.add(slot)

    # discussion opinions: 乙讨论组 (M2's) with 乙组's staff as recorder, and M2's opinion on 乙组's report
    from meetingprep.opinions import services as opinion_services

    discussion_group = f.make_discussion_group(meeting, "乙讨论组")
    member_m2.discussion_group_id = discussion_group.id
    # M1 sits in another discussion group: opinion.group_view lets a group's members read their own group's
    # opinions, so M1 must still be refused 乙讨论组's
    member_m1.discussion_group_id = f.make_discussion_group(meeting, "甲讨论组").id
    recorder = opinion_services.add_recorder(secretariat, meeting.id, group_id=discussion_group.id,
                                             user_id=b_staff.id)
    opinion = opinion_services.record_opinion(b_staff, document_queries.document_for_action(document.id),
                                              group_id=discussion_group.id, member_id=member_m2.id,
                                              paragraph_number=1, body="乙委员机密讨论意见")

    # notifications, plan templates, a pending import, the users and groups themselves
    notification = f.make_notification(b_staff, subject="乙组机密通知", body="乙组机密通知正文",
                                       link=f"/tasks/{task.id}")
    delivery = f.make_delivery(notification)
    plan_template = f.make_plan_template(meeting, name="乙组机密模板", actor=secretariat)
    workbook = FileStorage(io.BytesIO(importer.template_workbook(meeting)), filename="乙组机密导入.xlsx")
    pending = plan_services.start_import(secretariat, meeting, workbook)
    membership_id = db.session.scalar(select(GroupMembership.id).where(
        GroupMembership.user_id == b_staff.id))
    # materials: a PDF handed out to the 常委 — M2 is one, M1 is not
    from meetingprep.materials import services as material_services
    from meetingprep.materials.models import Audience
    from tests.materials.conftest import pdf_upload

    member_m2.is_standing = True
    material = material_services.publish(secretariat, meeting, material_services.PublishData(
        scope=material_services.Scope(Audience.STANDING), title="乙委员机密会议材料", file=pdf_upload(1)))
    from meetingprep.dashboard import kiosk

    kiosk_link = kiosk.create_link(secretariat, meeting, "主会场屏")
    # a notice sent to 乙组 only (通知公告): its text and receipts are for 乙组 and the secretariat
    from meetingprep.notices import services as notice_services
    from meetingprep.notices.models import NoticeCategory, ScopeKind

    notice = notice_services.create_notice(secretariat, meeting, notice_services.NoticeData(
        category=NoticeCategory.GENERAL, title="乙组机密通告", body="乙组机密通告正文",
        scopes=[notice_services.ScopeChoice(ScopeKind.WORKING_GROUP, ref_id=group_b.id)]))
    # a leader's 批示 on 乙组's task, addressed to its owner and lead
    from meetingprep.instructions import services as instruction_services

    instruction = instruction_services.write_instruction(people["leader"], task, "乙组机密批示")
    db.session.commit()

    targets = {
        "task_id": [("乙组的任务", task.id)], "attachment_id": [("乙组任务的附件", attachment.id)],
        "hand_off_id": [("乙组任务的衔接", hand_off.id)],
        "document_id": [("乙组的材料", document.id), ("M2 的发言稿", speech.id)],
        "documents.template_id": [("乙组材料的审核流程", pipeline.id)],
        "type_id": [("材料类型", document.type_id)],
        "plans.template_id": [("任务模板", plan_template.id)],
        "member_id": [("M2 的委员档案", member_m2.id)], "leave_id": [("M2 的请假", leave.id)],
        "sitting_id": [("M2 已签到的会次", sitting.id)], "duty_id": [("乙组工作人员的签到值守", duty.id)],
        "notification_id": [("乙组工作人员的通知", notification.id)], "delivery_id": [("其投递记录", delivery.id)],
        "group_id": [("乙组", group_b.id)], "membership_id": [("乙组工作人员的组员身份", membership_id)],
        "meeting_id": [("本次会议", meeting.id)], "user_id": [("乙组工作人员", b_staff.id)],
        "token": [("秘书处的待确认导入", pending.token)],
        "item_id": [("M2 发言所在的大会发言议程", item.id)], "slot_id": [("M2 的发言安排", slot.id)],
        "material_id": [("发给常委（M2）的会议材料", material.id)],
        "notice_id": [("发给乙组的通知公告", notice.id)],
        "follow_up_id": [("M2 的缺席跟进", follow_up.id)],
        "opinion_id": [("M2 的讨论意见", opinion.id)], "recorder_id": [("乙讨论组的记录员", recorder.id)],
        "opinions.group_id": [("M2 的讨论组", discussion_group.id)],
        "instruction_id": [("乙组任务的领导批示", instruction.id)],
    }
    # a wall link belongs to the whole meeting and only the secretariat manages it (a role rule, not a group's)
    others = {"link_id": [("会议的大屏链接", kiosk_link.id)],
              "task_id": [("甲组自己的任务", own_task.id)], "group_id": [("甲组", group_a.id)],
              "member_id": [("M1 自己的档案", member_m1.id)], "number": [("第1稿", 1)], "page": [("第1页", 1)],
              "action": [(action.value, action.value) for action in TaskAction]}
    objects = {kind: [(label, value, kind in targets and (label, value) in targets[kind])
                      for label, value in [*targets.get(kind, []), *others.get(kind, [])]]
               for kind in {*targets, *others}}
    placeholders = {"group_a": group_a.id, "a_staff": people["a_staff"].id, "a_staff_name": people["a_staff"].username,
                    "doc_type": document.type_id, "pipeline": pipeline.id, "member_m2": member_m2.id,
                    "meeting": meeting.id, "member_m1": member_m1.id, "b_staff_version": b_staff.version_id,
                    "task_version": task.version_id}
    return people, {"objects": objects, "placeholders": placeholders}


def attacked_rules(app) -> list:
    """Every rule taking an int id (or, in TOKEN_ROUTES, a personal token)."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if any(isinstance(rule._converters[a], IntegerConverter) for a in rule.arguments)
                   or rule.endpoint in TOKEN_ROUTES), key=lambda rule: rule.rule)


def urls_for(rule, objects: dict) -> list[tuple[str, str]]:
    """(description, url) for every combination of the world's objects for the rule's arguments
    that puts at least one target (乙组's or M2's object) in the URL."""
    combos: list[tuple[str, dict, bool]] = [("", {}, False)]
    blueprint = rule.endpoint.partition(".")[0]
    for argument in sorted(rule.arguments):
        converter = rule._converters[argument]
        if isinstance(converter, AnyConverter):
            values = [(item, item, False) for item in sorted(converter.items)]
        else:
            values = objects.get(f"{blueprint}.{argument}") or objects.get(argument)
        assert values, (f"{rule.endpoint} ({rule.rule}) takes <{argument}> but the world of {__name__} has no "
                        f"object of that kind: add one to build_world()")
        combos = [(f"{label} {name}".strip(), {**args, argument: value}, hit or target)
                  for label, args, hit in combos for name, value, target in values]
    return [(label, rule.build(args, append_unknown=False)[1]) for label, args, hit in combos if hit]


def snapshot() -> dict:
    """Every row of every table (and every stored file). A refused request leaves one trace by design:
    its "denied" audit entry, which is therefore left out."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name not in NOT_COMPARED:
            query = select(table)
            if table.name == "audit_entries":
                query = query.where(table.c.action != "denied")
            tables[table.name] = sorted(map(repr, db.session.execute(query).all()))
    db.session.commit()
    root = uploads.upload_root()
    tables["<files>"] = sorted(str(p) for p in root.rglob("*")) if root.exists() else []
    return tables


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def _plausible(endpoint: str, placeholders: dict) -> dict:
    return {key: value.format(**placeholders) for key, value in PLAUSIBLE.get(endpoint, {}).items()}


def _refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_nobody_reaches_another_groups_or_persons_objects(app, client, login):
    people, world = build_world()
    objects, placeholders = world["objects"], world["placeholders"]
    failures, attempts = [], 0
    baseline = snapshot()  # refused requests change nothing, so one snapshot serves until one does
    for rule in attacked_rules(app):
        methods = [m for m in ("GET", "POST") if m in (rule.methods or ())]
        writes = "POST" in methods
        for label, url in urls_for(rule, objects):
            for method in methods:
                for who in WRITE_ATTACKERS if writes else ATTACKERS:
                    login(people[who])
                    db.session.expire_all()
                    data = _plausible(rule.endpoint, placeholders) if method == "POST" else None
                    response = client.open(url, method=method, data=data)
                    attempts += 1
                    where = f"{method} {url} ({rule.endpoint}, {label}) as {who}"
                    if who in CROSS_GROUP.get(rule.endpoint, ()):
                        # allowed by rule: answered exactly as the secretariat is (e.g. 404 for a diff of
                        # a document with one version), never refused
                        login(people["secretariat"])
                        expected = client.open(url, method="GET").status_code if method == "GET" else 302
                        if response.status_code != expected or response.status_code in (403, 500):
                            failures.append(f"{where}: {response.status_code}, but CROSS_GROUP allows it "
                                            f"(the secretariat gets {expected})")
                        if method == "POST" or rule.endpoint in RECORDED_READS:
                            baseline = snapshot()  # an allowed write changes rows, as it should
                        continue
                    if not _refused(response):
                        failures.append(f"{where}: {response.status_code}, expected 403/404")
                    body = response.get_data(as_text=True)
                    leaked = [secret for secret in SECRETS if secret in body]
                    if leaked:
                        failures.append(f"{where}: body shows {leaked}")
                    if method == "POST":
                        after = snapshot()
                        if changed := _changed(baseline, after):
                            failures.append(f"{where}: changed {changed}")
                            baseline = after
    login(None)
    assert attempts > 400, attempts
    assert not failures, f"{len(failures)} of {attempts} requests reached another's object:\n" + "\n".join(failures)


def test_the_same_requests_succeed_for_the_rightful_user(app, client, login):
    people, world = build_world()
    rules = {rule.endpoint: rule for rule in attacked_rules(app)}
    task_id = world["objects"]["task_id"][0][1]
    for endpoint, who in CONTROLS:
        label, url = urls_for(rules[endpoint], world["objects"])[0]
        world["placeholders"]["task_version"] = db.session.get(Task, task_id).version_id  # a control edits it
        before = snapshot()
        login(people[who])
        response = client.post(url, data=_plausible(endpoint, world["placeholders"]))
        assert response.status_code == 302, f"{endpoint} ({label}) as {who}: {response.status_code}"
        assert _changed(before, snapshot()), f"{endpoint} ({label}) as {who} changed nothing"
