"""Who may do what: the ONE place that decides.

``can(user, action, obj)`` is a pure function of the user, the action name and the object, used by
views (403), templates (to hide what cannot be done) and the JSON API alike. Every action is a rule
registered below with ``@rule("domain.verb")``; asking for an unknown action is a programming error
(KeyError), so a typo never silently grants or denies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from meetingprep.errors import NotAllowed
from meetingprep.roles import MANAGERS, READERS, WORKERS, Role

if TYPE_CHECKING:
    from meetingprep.auth.models import User


Rule = Callable[["User", Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"permission rule {action!r} defined twice")
        _RULES[action] = func
        return func

    return register


def can(user: User | None, action: str, obj: Any = None) -> bool:
    check = _RULES[action]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(check(user, obj))


def require(user: User | None, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise NotAllowed()


def actions() -> list[str]:
    return sorted(_RULES)


def _role_in(*roles: Role) -> Rule:
    allowed = frozenset(roles)
    return lambda user, _obj=None: user.role in allowed


# ── accounts ────────────────────────────────────────────────────────────────────────────────────
rule("user.manage")(_role_in(*MANAGERS))


@rule("user.grant_role")
def _grant_role(user, role) -> bool:
    """Only an administrator makes administrators; the secretariat manages everyone else."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SECRETARIAT and role != Role.ADMIN


@rule("user.edit")
def _edit_user(user, target) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SECRETARIAT and target is not None and target.role != Role.ADMIN


rule("audit.search")(_role_in(*MANAGERS))
rule("audit.view")(_role_in(*READERS))

# ── meetings and working groups ─────────────────────────────────────────────────────────────────
rule("meeting.view")(lambda user, _meeting=None: True)
rule("meeting.manage")(_role_in(*MANAGERS))
rule("group.view")(_role_in(*READERS))
rule("group.manage")(_role_in(*MANAGERS))
# 会后 (#21): the secretariat archives a meeting (read-only from then on), downloads its bundle and summary draft,
# and starts the next meeting from it; only an administrator reopens an archived meeting (with a reason).
rule("meeting.archive")(_role_in(*MANAGERS))
rule("meeting.reopen")(_role_in(Role.ADMIN))
rule("meeting.carry_over")(_role_in(*MANAGERS))

# ── attendance ──────────────────────────────────────────────────────────────────────────────────
rule("attendance.view")(_role_in(*READERS))          # roster, sittings, figures: leaders read all
rule("attendance.manage")(_role_in(*MANAGERS))       # roster, sittings, duties, corrections, codes
rule("attendance.own")(_role_in(Role.MEMBER))         # 我的出勤
# Following up who is missing (#20): absences without leave and how each was resolved — the notes often say
# why someone stayed away — are the secretariat's work.
rule("attendance.follow_up")(_role_in(*MANAGERS))


@rule("attendance.leave.decide")
def _decide_leave(user, target) -> bool:
    """The secretariat, and the leaders it names to decide the meeting's leave (LeaveApprover).

    ``target`` is a LeaveRequest, or a Meeting (may they decide its leave at all: their home lists what waits).
    """
    if user.role in MANAGERS:
        return True
    if user.role != Role.LEADER or target is None:
        return False
    from meetingprep.attendance.queries import leave_approver_meetings

    meeting_id = getattr(target, "meeting_id", None) or target.id
    return meeting_id in leave_approver_meetings(user)


@rule("attendance.remind")
def _remind_missing(user, target) -> bool:
    """Remind the 未签到 (target: a Sitting) or 未报到 (target: a Meeting) through their channels: the
    secretariat, and who runs that desk (the people at the door see who is missing)."""
    return _run_check_in(user, target)


@rule("attendance.check_in")
def _run_check_in(user, target) -> bool:
    """The secretariat, and the people it names (CheckinDuty) for this sitting or the whole meeting.

    ``target`` is a Sitting (its desk) or a Meeting (the registration desk: meeting-wide duty only).
    """
    if user.role in MANAGERS:
        return True
    if target is None:
        return False
    from meetingprep.attendance.models import Sitting
    from meetingprep.attendance.queries import duty_scope_of

    meeting_ids, sitting_ids = duty_scope_of(user)
    if isinstance(target, Sitting):
        return target.meeting_id in meeting_ids or target.id in sitting_ids
    return target.id in meeting_ids


@rule("attendance.member.view")
def _view_member(user, member) -> bool:
    """Readers see every member's record; a member only their own."""
    if user.role in READERS:
        return True
    return member is not None and member.user_id == user.id


@rule("attendance.member.card")
def _member_card(user, member) -> bool:
    """The printed 报到表 with the personal check-in code: the secretariat, and the member themself."""
    return user.role in MANAGERS or (member is not None and member.user_id == user.id)


@rule("attendance.leave.request")
def _request_leave(user, member) -> bool:
    """A member asks for themself; only the secretariat files on a member's behalf (a request carries
    the member's reasons, often medical: nobody else speaks for them)."""
    if user.role in MANAGERS:
        return True
    return user.role == Role.MEMBER and (member is None or member.user_id == user.id)


# Members' personal data — phone numbers (and any identity data), leave reasons and the history that
# records them — is for the secretariat and the member themself. Everyone else who follows attendance
# (staff of any group, leaders) sees what their work needs: that a member is on leave (请假), not why.
@rule("attendance.member.personal")
def _member_personal_data(user, member) -> bool:
    """``member`` None: the whole roster's personal columns (the secretariat only)."""
    return user.role in MANAGERS or (member is not None and member.user_id == user.id)


@rule("attendance.leave.reason")
def _leave_reason(user, leave) -> bool:
    """The secretariat, the member, and a leader named to decide it (a decision needs its reason)."""
    if user.role in MANAGERS or (leave is not None and leave.member.user_id == user.id):
        return True
    return leave is not None and _decide_leave(user, leave)


@rule("attendance.leave.view")
def _view_leave(user, leave) -> bool:
    if user.role in READERS:
        return True
    return user.role == Role.MEMBER and (leave is None or leave.member.user_id == user.id)


@rule("attendance.leave.cancel")
def _cancel_leave(user, leave) -> bool:
    if leave is None or leave.status != "pending":
        return False
    return user.role in MANAGERS or leave.requested_by_id == user.id or leave.member.user_id == user.id
# ── dashboard ───────────────────────────────────────────────────────────────────────────────────
rule("dashboard.view")(_role_in(Role.ADMIN, Role.SECRETARIAT, Role.LEADER, Role.GROUP_LEAD))
rule("dashboard.kiosk")(_role_in(*MANAGERS))  # create and revoke the wall screens' read-only links


def dashboard_group_scope(user: User) -> frozenset[int] | None:
    """The groups whose figures the user sees on the dashboard; None = the whole meeting.
    A group lead sees the same page scoped to the groups they lead."""
    return user.lead_group_ids if user.role == Role.GROUP_LEAD else None
# ── notifications ───────────────────────────────────────────────────────────────────────────────
rule("notifications.inbox")(lambda user, _obj=None: True)
rule("notifications.settings")(lambda user, _obj=None: True)
rule("notifications.read")(lambda user, notification: notification is not None
                           and notification.recipient_id == user.id)
rule("notifications.admin")(_role_in(*MANAGERS))  # jobs, delivery log, resend
rule("notifications.wording")(_role_in(*MANAGERS))


# Group robots post task titles to an outside address: only the secretariat sets them (#17, SSRF).
rule("notifications.webhooks")(_role_in(*MANAGERS))
rule("notifications.webhook")(_role_in(*MANAGERS))
# ── notices (通知公告) ──────────────────────────────────────────────────────────────────────────────
# The secretariat sends notices and reads every receipt; everyone reads the notices sent to them, and only those.
rule("notice.manage")(_role_in(*MANAGERS))
rule("notice.list")(lambda user, _obj=None: True)


@rule("notice.read")
def _read_notice(user, receipt) -> bool:
    """``receipt``: the user's NoticeRecipient row of the notice (None: the notice was not sent to them)."""
    return receipt is not None and receipt.user_id == user.id
# ── documents (材料审核) ─────────────────────────────────────────────────────────────────────────
# Documents take loaded ``drafters`` and ``current_stage.reviewers`` (the detail query loads them).
rule("document.board")(_role_in(*READERS))
rule("document.queue")(_role_in(*READERS))
rule("document.create")(_role_in(*MANAGERS))
rule("document.edit")(_role_in(*MANAGERS))
rule("document.reopen")(_role_in(*MANAGERS))
rule("document.assign")(_role_in(*MANAGERS))
rule("document.configure")(_role_in(*MANAGERS))  # pipeline templates and document types
rule("speech.submit")(_role_in(Role.MEMBER))


@rule("document.view")
def _view_document(user, document) -> bool:
    """Whoever follows the whole preparation; otherwise only the drafters (a member: own speeches)."""
    if user.role in READERS:
        return True
    return document is not None and user.id in document.drafter_ids


@rule("document.add_version")
def _add_document_version(user, document) -> bool:
    return user.role in MANAGERS or (document is not None and user.id in document.drafter_ids)


@rule("document.decide")
def _decide_document(user, document) -> bool:
    """Only the reviewers named in the current stage — leaders included, the secretariat too."""
    stage = document.current_stage if document is not None else None
    return stage is not None and any(r.user_id == user.id for r in stage.reviewers)


@rule("document.comment")
def _comment_document(user, document) -> bool:
    return _view_document(user, document)


@rule("document.see_internal")
def _see_internal_comments(user, _document=None) -> bool:
    return user.role in READERS

# ── tasks ───────────────────────────────────────────────────────────────────────────────────────
# Leaders read every task; members see none. The secretariat creates and assigns any task, a group
# lead within their own groups; the owner (not co-workers: one person answers for a task) starts and
# submits; acceptance is by the group lead or the secretariat, never by the submitter.
def _group_id_of(obj) -> int | None:
    return obj if isinstance(obj, int) else getattr(obj, "group_id", getattr(obj, "id", None))


def _leads_task_group(user, task) -> bool:
    return user.role == Role.GROUP_LEAD and _group_id_of(task) in user.lead_group_ids


def _manages_task(user, task) -> bool:
    return user.role in MANAGERS or (task is not None and _leads_task_group(user, task))


def _works_on_task(user, task) -> bool:
    """Owner or co-worker; ``task.coworkers`` must be loaded (the task page loads it)."""
    return task is not None and user.role in WORKERS and (
        task.owner_id == user.id or user.id in task.coworker_user_ids)


rule("task.view")(_role_in(*READERS))
rule("task.export")(_role_in(*READERS))
rule("task.bulk_edit")(_role_in(*MANAGERS, Role.GROUP_LEAD))
rule("task.override_predecessors")(_role_in(*MANAGERS))
rule("task.cancel")(_role_in(*MANAGERS))
rule("task.reopen")(_role_in(*MANAGERS))


@rule("task.create")
def _create_task(user, group=None) -> bool:
    """Without a group: may the user create tasks at all (shows the button and the form)."""
    if user.role in MANAGERS:
        return True
    return user.role == Role.GROUP_LEAD and (group is None or _group_id_of(group) in user.lead_group_ids)


rule("task.edit")(_manages_task)
rule("task.hand_off")(_manages_task)  # add or remove hand-offs of this task


@rule("task.progress")
def _update_progress(user, task) -> bool:
    return _manages_task(user, task) or _works_on_task(user, task)


rule("task.comment")(_update_progress)


@rule("task.start")
def _start_task(user, task) -> bool:
    return task is not None and task.owner_id == user.id and user.role in WORKERS


rule("task.resume")(_start_task)


@rule("task.submit")
def _submit_task(user, task) -> bool:
    """The owner; the secretariat may also submit on the owner's behalf (e.g. reported by phone)."""
    return _start_task(user, task) or user.role in MANAGERS


def _accept_or_return(user, task) -> bool:
    return task is not None and task.submitted_by_id != user.id and _manages_task(user, task)


@rule("task.accept")
def _accept_task(user, task) -> bool:
    """Nobody accepts their own task — not when someone else submitted it for them either (the secretariat
    on a group lead's behalf): acceptance is a second pair of eyes. The owner may still return it."""
    return _accept_or_return(user, task) and task.owner_id != user.id


rule("task.return")(_accept_or_return)
# ── plans: templates, import, calendar, timeline, iCal ─────────────────────────────────────────
# Templates and .xlsx import create tasks across every group and name their owners, so they stay
# with the secretariat (group leads add their own tasks one at a time on the task pages).
rule("plan.templates")(_role_in(*MANAGERS))
rule("plan.import")(_role_in(*MANAGERS))
rule("plan.calendar")(_role_in(*READERS))
rule("plan.timeline")(_role_in(*READERS))
# The personal deadline feed: everyone who can own or co-work a task.
rule("plan.ical")(_role_in(*WORKERS))
# ── agenda and speaking order (议程与大会发言) ───────────────────────────────────────────────────
# The secretariat builds the agenda and the 大会发言 order; whoever follows the preparation reads them.
# A speaker (the member who submitted a speech, or its drafters) sees their own slot, and the published
# 大会发言顺序 of the items they speak in (who speaks when) — not the arranging page, not other items' orders.
rule("agenda.view")(_role_in(*READERS))
rule("agenda.manage")(_role_in(*MANAGERS))
rule("agenda.mine")(lambda user, _obj=None: True)
rule("agenda.schedule")(_role_in(Role.MEMBER))  # 我的日程: a member's sittings, rooms, items, slot


@rule("agenda.slot.view")
def _view_speech_slot(user, slot) -> bool:
    """``slot.document.drafters`` must be loaded."""
    if user.role in READERS:
        return True
    return slot is not None and slot.spoken_by(user.id)


@rule("agenda.view_order")
def _view_speech_order(user, item) -> bool:
    """The printed 大会发言顺序 of one speeches item (order, speaker, title, minutes): readers, and whoever has a
    slot in it — a speaker needs to know who speaks before them. ``item.slots`` with their speeches' drafters
    loaded (``queries.item_with_order``)."""
    if user.role in READERS:
        return True
    return item is not None and any(slot.spoken_by(user.id) for slot in item.slots)
# ── materials to members (会议材料发放) and 会议简报 ──────────────────────────────────────────────
# The secretariat publishes, scopes, withdraws and reminds, and alone sees who read what. Whoever follows
# the preparation reads every published material; a member reads those whose audience includes them.
# Downloads: the secretariat always (it holds the originals); others only when the material allows it.
rule("material.board")(_role_in(*READERS))
rule("material.manage")(_role_in(*MANAGERS))
rule("material.mine")(lambda user, _obj=None: True)


@rule("material.view")
def _view_material(user, material) -> bool:
    if user.role in MANAGERS:
        return material is not None
    if material is None or not material.is_live:
        return False
    if user.role in READERS:
        return True
    from meetingprep.materials.audience import reaches

    return reaches(material, user.id)


@rule("material.download")
def _download_material(user, material) -> bool:
    if user.role in MANAGERS:
        return material is not None
    return material is not None and material.is_downloadable and _view_material(user, material)
# ── discussion opinions (分组讨论意见) ────────────────────────────────────────────────────────────
# Opinions raised in the group discussions are read by whoever follows the preparation; a discussion
# group's recorders (named by the secretariat) enter them for their group; the drafting group (the
# document's drafters, and the secretariat) answers them; a member sees their own and the answers.
rule("opinion.view")(_role_in(*READERS))
rule("opinion.recorders")(_role_in(*MANAGERS))
rule("opinion.own")(_role_in(Role.MEMBER))
rule("opinion.record_any")(_role_in(*MANAGERS))  # for every discussion group, without being named


@rule("opinion.record")
def _record_opinion(user, discussion_group) -> bool:
    """``discussion_group`` a DiscussionGroup or its id; None: may the user record for some group (the button)."""
    if _RULES["opinion.record_any"](user, None):
        return True
    if user.role not in WORKERS:
        return False
    from meetingprep.opinions.scope import recorder_groups_of

    groups = recorder_groups_of(user)
    if discussion_group is None:
        return bool(groups)
    group_id = discussion_group if isinstance(discussion_group, int) else discussion_group.id
    return group_id in groups


@rule("opinion.correct")
def _correct_opinion(user, opinion) -> bool:
    """Correcting an opinion's text (while unanswered: the service's rule): the secretariat, and the recorders
    of the opinion's group — whoever may record for that group."""
    if opinion is None:
        return False
    if _RULES["opinion.record_any"](user, None):
        return True
    return opinion.discussion_group_id is not None and _record_opinion(user, opinion.discussion_group_id)


@rule("opinion.group_view")
def _view_group_opinions(user, discussion_group) -> bool:
    """A discussion group's opinions and their answers (read-only): whoever reads every opinion, and the
    group's own people — its members (the roster's 讨论组) and its recorders — so a group sees that what it
    said was heard. Not another group's. ``discussion_group`` a DiscussionGroup or its id."""
    if _RULES["opinion.view"](user, None):
        return True
    if discussion_group is None:
        return False
    from meetingprep.opinions.scope import member_groups_of, recorder_groups_of

    group_id = discussion_group if isinstance(discussion_group, int) else discussion_group.id
    if user.role == Role.MEMBER:
        return group_id in member_groups_of(user)
    return group_id in recorder_groups_of(user)


@rule("opinion.answer")
def _answer_opinion(user, document) -> bool:
    """The drafting group: the document's drafters (loaded), and the secretariat."""
    return user.role in MANAGERS or (document is not None and user.id in document.drafter_ids)


# ── members' records (委员履职) ──────────────────────────────────────────────────────────────────
# A member's record is personal data like the roster's: the secretariat and the member themself.
# Leaders see the aggregates (per 界别, per 讨论组), the 常委 view and the comparison of meetings.
rule("records.list")(_role_in(*MANAGERS))
rule("records.aggregate")(_role_in(*MANAGERS, Role.LEADER))
rule("records.standing")(_role_in(*MANAGERS, Role.LEADER))
rule("records.compare")(_role_in(*MANAGERS, Role.LEADER))
rule("records.own")(_role_in(Role.MEMBER))


@rule("records.member")
def _member_record(user, member) -> bool:
    return user.role in MANAGERS or (member is not None and member.user_id == user.id)
# ── leaders' instructions (领导批示) and 督办 ──────────────────────────────────────────────────────
# A leader writes 批示 on a task or a document; the secretariat may record one too (转达领导批示). Those it is
# addressed to — the task's owner or the document's drafters, and the group's leads, when it was written —
# acknowledge it (已阅) and report back (办理情况); nobody else answers for them. 督办 likewise: leaders and the
# secretariat mark and unmark it.
rule("instruction.write")(_role_in(Role.LEADER, *MANAGERS))
rule("task.supervise")(_role_in(Role.LEADER, *MANAGERS))
rule("instruction.list")(_role_in(*READERS))  # 批示督办: every one (leaders, secretariat), or those addressed to one


@rule("instruction.answer")
def _answer_instruction(user, instruction) -> bool:
    """Acknowledge (已阅) and report back (办理情况): the addressees only; ``instruction.receipts`` loaded."""
    return instruction is not None and user.id in instruction.recipient_ids


def sees_all_instructions(user: User) -> bool:
    """The 批示督办 list: leaders and the secretariat follow every instruction; others those addressed to them."""
    return user.role == Role.LEADER or user.role in MANAGERS
