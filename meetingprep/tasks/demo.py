"""Demo tasks: the preparation of the plenary across the eight working groups, with hand-offs.

Deadlines are mostly relative to the opening (开幕前 N 天), so the story fits whatever date the
demo meeting opens. Status follows the deadline: long past → accepted (a few returned once on the
way, a few still overdue), near → in progress, submitted or returned, far → not started. Every task
gets the TaskEvents its status implies, and the audit trail the services would have written for them
(``_audit_rows``). At the large scales the set is repeated up to ``ctx.target("tasks")``
(≈20,000 tasks at large) through bulk inserts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from meetingprep.audit import AuditEntry, plain_value
from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import HandOff, Task, TaskCoworker, TaskEvent, TaskPriority
from meetingprep.tasks.services import relative_due_at
from meetingprep.tasks.states import TaskAction, TaskStatus

B, D, A = Phase.BEFORE, Phase.DURING, Phase.AFTER
S = TaskStatus

# key: (group, title, phase, days from the opening, hour)
TEMPLATES: dict[str, tuple[str, str, Phase, int, int]] = {
    "s1": ("秘书组", "拟定大会日程和议程（草案）", B, -30, 17),
    "s2": ("秘书组", "编制会议须知和作息时间表", B, -14, 17),
    "s3": ("秘书组", "印发大会通知", B, -25, 17),
    "s4": ("秘书组", "分发常委会工作报告等大会文件", B, -1, 18),
    "s5": ("秘书组", "编排主席台及会场座次", B, -5, 17),
    "s6": ("秘书组", "组织委员报到", B, -1, 9),
    "s7": ("秘书组", "编印大会简报", D, 1, 20),
    "s8": ("秘书组", "整理大会决议和选举结果", A, 3, 17),
    "s9": ("秘书组", "大会文件清退与归档", A, 10, 17),
    "s10": ("秘书组", "起草大会总结报告", A, 14, 17),
    "s11": ("秘书组", "汇总委员请假情况", B, -3, 17),
    "s12": ("秘书组", "测试会议签到系统", B, -4, 17),
    "m1": ("材料组", "起草常委会工作报告（初稿）", B, -40, 17),
    "m2": ("材料组", "常委会工作报告征求意见并修改", B, -25, 17),
    "m3": ("材料组", "常委会工作报告定稿", B, -15, 17),
    "m4": ("材料组", "起草提案工作情况报告", B, -20, 17),
    "m5": ("材料组", "提案工作情况报告定稿", B, -12, 17),
    "m6": ("材料组", "准备开幕式、闭幕式主持词", B, -7, 17),
    "m7": ("材料组", "汇编委员大会发言材料", B, -5, 17),
    "m8": ("材料组", "起草大会政治决议（草案）", D, 2, 12),
    "m9": ("材料组", "核对大会材料清单", B, -3, 17),
    "m10": ("材料组", "会后材料汇编出版", A, 20, 17),
    "m11": ("材料组", "编印委员名册", B, -10, 17),
    "m12": ("材料组", "审核委员大会发言稿", B, -6, 17),
    "h1": ("会务组", "确定主会场及分会场", B, -45, 17),
    "h2": ("会务组", "印制常委会工作报告", B, -10, 17),
    "h3": ("会务组", "印制提案工作情况报告", B, -8, 17),
    "h4": ("会务组", "制作代表证、工作证和车辆通行证", B, -7, 17),
    "h5": ("会务组", "布置主会场（主席台、会标、座签）", B, -2, 17),
    "h6": ("会务组", "调试音响、投影和电子表决系统", B, -2, 10),
    "h7": ("会务组", "开幕式彩排", B, -1, 15),
    "h8": ("会务组", "安排分组讨论会场", B, -3, 17),
    "h9": ("会务组", "大会期间会场服务", D, 0, 8),
    "h10": ("会务组", "撤除会场、归还物品", A, 1, 17),
    "h11": ("会务组", "安排分组讨论茶歇", D, 0, 9),
    "h12": ("会务组", "设计会议文件袋", B, -20, 17),
    "p1": ("提案组", "征集委员提案", B, -30, 17),
    "p2": ("提案组", "提案审查立案", D, 3, 17),
    "p3": ("提案组", "编印提案目录", A, 7, 17),
    "p4": ("提案组", "筹备提案交办会", A, 15, 17),
    "p5": ("提案组", "准备提案审查委员会会议材料", B, -6, 17),
    "p6": ("提案组", "大会期间受理委员提案", D, 0, 9),
    "p7": ("提案组", "测试提案线上提交系统", B, -20, 17),
    "p8": ("提案组", "统计上年度提案办理情况", B, -18, 17),
    "p9": ("提案组", "开展提案工作培训", B, -8, 15),
    "x1": ("宣传组", "制定大会宣传报道方案", B, -20, 17),
    "x2": ("宣传组", "邀请并登记媒体记者", B, -10, 17),
    "x3": ("宣传组", "制作会场宣传展板", B, -5, 17),
    "x4": ("宣传组", "编发大会新闻通稿", D, 0, 20),
    "x5": ("宣传组", "开幕式现场直播保障", D, 0, 9),
    "x6": ("宣传组", "委员风采专题采访", D, 2, 17),
    "x7": ("宣传组", "会后宣传报道总结", A, 5, 17),
    "x8": ("宣传组", "筹备新闻发布会", B, -2, 17),
    "x9": ("宣传组", "制作大会宣传片", B, -8, 17),
    "a1": ("安全保卫组", "制定大会安全保卫方案", B, -20, 17),
    "a2": ("安全保卫组", "会场安全检查", B, -1, 17),
    "a3": ("安全保卫组", "制定交通管制与车辆引导方案", B, -7, 17),
    "a4": ("安全保卫组", "组织应急疏散演练", B, -4, 15),
    "a5": ("安全保卫组", "大会期间安保值守", D, 0, 7),
    "a6": ("安全保卫组", "检查消防设施", B, -6, 17),
    "a7": ("安全保卫组", "调试证件核验系统", B, -3, 17),
    "a8": ("安全保卫组", "会议网络安全保障", B, -3, 17),
    "l1": ("后勤保障组", "安排委员住宿", B, -15, 17),
    "l2": ("后勤保障组", "确定会议用餐方案与菜单", B, -10, 17),
    "l3": ("后勤保障组", "调度接送站车辆", B, -2, 17),
    "l4": ("后勤保障组", "采购会议用品", B, -12, 17),
    "l5": ("后勤保障组", "委员报到材料装袋", B, -2, 12),
    "l6": ("后勤保障组", "大会期间餐饮服务", D, 0, 7),
    "l7": ("后勤保障组", "会后费用结算", A, 15, 17),
    "l8": ("后勤保障组", "与餐饮供应商签约", B, -14, 17),
    "y1": ("医疗卫生组", "制定大会医疗保障方案", B, -15, 17),
    "y2": ("医疗卫生组", "设置会场医疗点", B, -2, 17),
    "y3": ("医疗卫生组", "开展食品安全检查", B, -1, 10),
    "y4": ("医疗卫生组", "大会期间委员健康服务", D, 0, 8),
    "y5": ("医疗卫生组", "准备急救药品与设备", B, -5, 17),
    "y6": ("医疗卫生组", "组织应急医疗演练", B, -4, 10),
    "y7": ("医疗卫生组", "医护人员排班", B, -3, 17),
}
# Finish-to-start hand-offs, many across groups: 材料组 finalises the report → 会务组 prints it → 秘书组 hands it out.
HANDOFFS = [("m1", "m2"), ("m2", "m3"), ("m3", "h2"), ("h2", "s4"), ("m4", "m5"), ("m5", "h3"), ("h3", "s4"),
            ("s5", "h5"), ("h5", "h7"), ("h6", "h7"), ("h7", "x5"), ("h5", "a2"), ("h4", "a7"), ("h2", "l5"),
            ("p1", "p2"), ("p2", "p3"), ("s1", "m6"), ("l8", "l2"), ("x1", "x2"), ("a1", "a4"), ("y1", "y2"),
            ("m12", "m7"), ("p8", "m4"), ("h12", "l5")]
# The sector liaison groups of the large scales (groups not named in TEMPLATES): a few tasks each.
LIAISON: list[tuple[str, Phase, int, int]] = [
    ("收集本界别委员提案线索", B, -20, 17), ("汇总本界别委员请假情况", B, -3, 17), ("联系本界别委员报到", B, -1, 17),
    ("组织本界别分组讨论", D, 1, 15), ("报送本界别讨论发言摘要", D, 2, 20)]
LIAISON_TASKS_PER_GROUP = 20
RELATIVE_SHARE = 0.85
COMPLETION_NOTES = ["已按要求完成，材料已报秘书处。", "已完成，经组内复核无误。", "已办结，相关清单见附件说明。"]
RETURN_REASONS = ["数据需与统计部门核对后再报。", "格式不符合公文要求，请按模板调整。", "请补充分会场的安排。"]


def _owner_and_reviewer(ctx: DemoContext, group: str):
    people = ctx.staff_by_group.get(group) or ctx.secretariat
    owner = ctx.rng.choice(people[1:] or people)
    reviewer = people[0] if people[0].id != owner.id else ctx.secretariat[0]
    return owner, reviewer


def _status_for(ctx: DemoContext, due: dt.datetime) -> tuple[TaskStatus, bool]:
    """(status, returned once on the way) — plausible for a deadline this far from now."""
    days_left = (due - ctx.now).total_seconds() / 86400
    roll = ctx.rng.random()
    if ctx.meeting.closes_at < ctx.now:  # an earlier session (xl scale): everything was accepted
        return S.DONE, roll < 0.15
    if days_left < -2:
        if roll < 0.82:
            return S.DONE, roll < 0.15
        return (S.IN_PROGRESS, False) if roll < 0.94 else (S.RETURNED, True)
    if days_left < 0:
        return (S.IN_PROGRESS, False) if roll < 0.5 else (S.SUBMITTED, False) if roll < 0.8 else (S.DONE, False)
    if days_left < 6:
        choices = [(S.IN_PROGRESS, False), (S.SUBMITTED, False), (S.RETURNED, True), (S.NOT_STARTED, False)]
        return choices[min(int(roll * 4), 3)]
    return (S.NOT_STARTED, False) if roll < 0.7 else (S.IN_PROGRESS, False)


def _events(ctx: DemoContext, task: dict, returned: bool, reviewer_id: int, created_at: dt.datetime) -> list[dict]:
    """The history a task in this status must have had, oldest first, all before now."""
    status, owner_id = task["status"], task["owner_id"]
    steps = [("create", S.NOT_STARTED, S.NOT_STARTED, ctx.secretariat[0].id, "")]
    if status != S.NOT_STARTED:
        steps.append(("start", S.NOT_STARTED, S.IN_PROGRESS, owner_id, ""))
    if returned:
        steps += [("submit", S.IN_PROGRESS, S.SUBMITTED, owner_id, ctx.rng.choice(COMPLETION_NOTES)),
                  ("return", S.SUBMITTED, S.RETURNED, reviewer_id, task["status_note"])]
    if status in (S.SUBMITTED, S.DONE):
        source = S.RETURNED if returned else S.IN_PROGRESS
        steps.append(("submit", source, S.SUBMITTED, owner_id, task["completion_note"]))
    if status == S.DONE:
        steps.append(("accept", S.SUBMITTED, S.DONE, reviewer_id, ""))
    if status == S.IN_PROGRESS and returned:
        steps.append(("resume", S.RETURNED, S.IN_PROGRESS, owner_id, ""))
    end = min(task["due_at"], ctx.now - dt.timedelta(hours=1)) if status == S.DONE else ctx.now - dt.timedelta(hours=1)
    span = max((end - created_at).total_seconds(), 3600 * len(steps))
    moments = sorted(created_at + dt.timedelta(seconds=span * ctx.rng.random()) for _ in steps[1:])
    return [{"action": action, "from_status": source, "to_status": target, "actor_id": actor,
             "note": note, "at": at} for (action, source, target, actor, note), at
            in zip(steps, [created_at, *moments], strict=True)]


#: What each step changes beside the status (tasks.services.transition), from the final row's values.
_STEP_FIELDS = {"submit": ("completion_note", "submitted_by_id", "submitted_at"),
                "accept": ("accepted_by_id", "accepted_at", "progress"), "return": ("status_note",)}
#: The fields a task is created with (services.create_task), as audit.py's hook lists them.
_CREATED_FIELDS = ("meeting_id", "group_id", "owner_id", "title", "phase", "priority", "due_at", "due_offset_days",
                   "due_offset_time", "created_at")


def _audit_rows(task_id: int, row: dict, history: list[dict]) -> list[dict]:
    """The trail the services write for this history: the hook's "create" with every field, then per step
    ``services.transition``'s explicit entry and the hook's "update" with the fields it changed. Without it
    every generated task page showed an empty 变更记录 that real use never has, and measured less than real."""
    common = {"object_type": "Task", "object_id": task_id, "object_label": row["title"],
              "meeting_id": row["meeting_id"], "message": "", "ip": None}
    created = {key: [None, plain_value(row[key])] for key in _CREATED_FIELDS if row[key] is not None}
    created.update(status=[None, S.NOT_STARTED.value], progress=[None, 0])
    rows = [{**common, "at": history[0]["at"], "actor_id": history[0]["actor_id"], "action": "create",
             "changes": created}]
    for step in history[1:]:
        source, target, note = step["from_status"], step["to_status"], step["note"]
        changes = {"status": [source.value, target.value]}
        changes.update({key: [None, plain_value(row[key])] for key in _STEP_FIELDS.get(step["action"], ())})
        moment = {"at": step["at"], "actor_id": step["actor_id"]}
        rows += [{**common, **moment, "action": TaskAction(step["action"]).label, "changes": None,
                  "message": f"{source.label} → {target.label}" + (f"：{note}" if note else "")},
                 {**common, **moment, "action": "update", "changes": changes}]
    return rows


def _task_rows(ctx: DemoContext, copy: int, templates: dict[str, tuple[str, str, Phase, int, int]]):
    meeting = ctx.meeting
    for key, (group, title, phase, days, hour) in sorted(templates.items(), key=lambda kv: (kv[1][3], kv[1][4])):
        relative = ctx.rng.random() < RELATIVE_SHARE
        due = relative_due_at(meeting.opens_at, days, dt.time(hour, 0))
        owner, reviewer = _owner_and_reviewer(ctx, group)
        yield key, reviewer, {
            "meeting_id": meeting.id, "group_id": ctx.groups[group].id, "owner_id": owner.id,
            "title": title if copy == 0 else f"{title}（{copy + 1}）", "description": "", "phase": phase,
            "priority": TaskPriority.URGENT if days in (-1, 0) else
            TaskPriority.HIGH if ctx.rng.random() < 0.25 else TaskPriority.NORMAL,
            "due_at": due, "due_offset_days": days if relative else None,
            "due_offset_time": dt.time(hour, 0) if relative else None, "version_id": 1,
        }


def seed(ctx: DemoContext) -> None:
    """The TEMPLATES set repeated until ``ctx.target("tasks")`` is reached (≈20,000 at large: 材料组 then
    holds ≈3,000), plus LIAISON_TASKS_PER_GROUP for each sector liaison group."""
    named = {group for group, *_rest in TEMPLATES.values()}
    liaison = {f"{group}:{n}": (group, *template) for group in ctx.groups if group not in named
               for n, template in enumerate(LIAISON)}
    liaison_copies = LIAISON_TASKS_PER_GROUP // len(LIAISON) if liaison else 0
    copies = max(1, round((ctx.target("tasks", len(TEMPLATES)) - liaison_copies * len(liaison)) / len(TEMPLATES)))
    for copy in range(copies):
        _seed_copy(ctx, copy, TEMPLATES, HANDOFFS)
        if copy % 20 == 19:
            ctx.progress(f"任务 {copy + 1}/{copies} 批")
    for copy in range(liaison_copies):
        _seed_copy(ctx, copy, liaison, [])
    db.session.flush()


def _seed_copy(ctx: DemoContext, copy: int, templates: dict, handoffs: list[tuple[str, str]]) -> None:
    prepared = list(_task_rows(ctx, copy, templates))
    predecessors: dict[str, list[str]] = {}
    for before, after in handoffs:
        predecessors.setdefault(after, []).append(before)
    statuses: dict[str, TaskStatus] = {}
    extras: dict[str, tuple[bool, int, dt.datetime]] = {}
    for key, reviewer, row in prepared:  # sorted by deadline: predecessors are decided first
        status, returned = _status_for(ctx, row["due_at"])
        if status in (S.SUBMITTED, S.DONE) and ctx.meeting.closes_at > ctx.now \
                and any(statuses.get(p) != S.DONE for p in predecessors.get(key, ())):
            status, returned = S.IN_PROGRESS, False  # a successor never finishes before its predecessors
        statuses[key] = status
        created_at = min(row["due_at"] - dt.timedelta(days=20), ctx.now - dt.timedelta(days=3))
        extras[key] = (returned, reviewer.id, created_at)
        row.update(status=status, created_at=created_at, updated_at=ctx.now, progress={
            S.NOT_STARTED: 0, S.IN_PROGRESS: ctx.rng.choice([20, 40, 60, 80]), S.RETURNED: 80, S.SUBMITTED: 90,
            S.DONE: 100}[status],
            completion_note=ctx.rng.choice(COMPLETION_NOTES) if status in (S.SUBMITTED, S.DONE) else "",
            status_note=ctx.rng.choice(RETURN_REASONS) if returned else "",
            submitted_by_id=row["owner_id"] if status in (S.SUBMITTED, S.DONE) else None,
            accepted_by_id=reviewer.id if status == S.DONE else None)
    histories = {}
    for key, _reviewer, row in prepared:
        returned, reviewer_id, created_at = extras[key]
        histories[key] = _events(ctx, row, returned, reviewer_id, created_at)
        moments = {e["action"]: e["at"] for e in histories[key]}
        row.update(submitted_at=moments.get("submit"), accepted_at=moments.get("accept"))
    ids = db.session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True),
                             [row for _k, _r, row in prepared]).all()
    by_key = {key: task_id for (key, _r, _row), task_id in zip(prepared, ids, strict=True)}
    events = [{**event, "task_id": by_key[key]} for key, history in histories.items() for event in history]
    db.session.execute(insert(TaskEvent), events)
    db.session.execute(insert(AuditEntry), [entry for key, _reviewer, row in prepared
                                            for entry in _audit_rows(by_key[key], row, histories[key])])
    if handoffs:
        db.session.execute(insert(HandOff), [{"predecessor_id": by_key[a], "successor_id": by_key[b]}
                                                    for a, b in handoffs])
    coworkers = []
    for key, _reviewer, row in prepared:
        if ctx.rng.random() < 0.2:
            other_group = ctx.rng.choice(sorted(ctx.staff_by_group))
            helper = ctx.rng.choice(ctx.staff_by_group[other_group])
            if helper.id != row["owner_id"]:
                coworkers.append({"task_id": by_key[key], "user_id": helper.id, "meeting_id": row["meeting_id"]})
    if coworkers:
        db.session.execute(insert(TaskCoworker), coworkers)
