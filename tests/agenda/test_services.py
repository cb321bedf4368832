import datetime as dt

import pytest
from sqlalchemy import select

from meetingprep.agenda import queries, services
from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.audit import AuditEntry
from meetingprep.documents.states import DocumentStatus
from meetingprep.errors import Conflict, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from tests import factories
from tests.agenda.conftest import finalized_speech, item_data, reopen


def _titles(sitting):
    db.session.expire_all()
    return [item.title for item in queries.agenda_of(sitting.id)]


def test_items_are_appended_moved_and_renumbered_on_delete(role_users, sitting):
    sec = role_users["secretariat"]
    a = services.add_item(sec, sitting, item_data(sitting, AgendaItemKind.OPENING, "宣布开幕"))
    b = services.add_item(sec, sitting, item_data(sitting, title="听取工作报告", minutes_after=10))
    c = services.add_item(sec, sitting, item_data(sitting, AgendaItemKind.CLOSING, "闭幕", minutes_after=90))
    assert [a.position, b.position, c.position] == [1, 2, 3]
    services.move_item(sec, c, "up")
    assert _titles(sitting) == ["宣布开幕", "闭幕", "听取工作报告"]
    services.move_item(sec, db.session.get(AgendaItem, a.id), "up")  # already first: nothing moves
    assert _titles(sitting) == ["宣布开幕", "闭幕", "听取工作报告"]
    services.delete_item(sec, db.session.get(AgendaItem, c.id))
    db.session.flush()
    db.session.expire_all()
    assert [(i.title, i.position) for i in queries.agenda_of(sitting.id)] == [("宣布开幕", 1), ("听取工作报告", 2)]


def test_every_change_is_audited(role_users, sitting):
    sec = role_users["secretariat"]
    a = services.add_item(sec, sitting, item_data(sitting, title="甲"))
    b = services.add_item(sec, sitting, item_data(sitting, title="乙"))
    services.move_item(sec, b, "up")
    services.update_item(sec, a, item_data(sitting, title="甲改", presiding_name="王主席"), a.version_id)
    services.delete_item(sec, b)
    db.session.flush()
    actions = db.session.execute(select(AuditEntry.action, AuditEntry.object_id).where(
        AuditEntry.object_type == "AgendaItem").order_by(AuditEntry.id)).all()
    assert ("create", a.id) in actions and ("delete", b.id) in actions
    assert [row for row in actions if row.action == "update"]  # positions and the edit


def test_item_rules(role_users, sitting):
    sec = role_users["secretariat"]
    with pytest.raises(ValidationFailed, match="会议室"):
        services.add_item(sec, sitting, item_data(sitting, AgendaItemKind.GROUP, "分组讨论工作报告"))
    with pytest.raises(ValidationFailed, match="议程时间"):
        services.add_item(sec, sitting, item_data(sitting, minutes_after=3 * 24 * 60))
    with pytest.raises(ValidationFailed, match="议题"):
        services.add_item(sec, sitting, item_data(sitting, title="  "))
    with pytest.raises(NotAllowed):
        services.add_item(role_users["staff"], sitting, item_data(sitting))
    item = services.add_item(sec, sitting, item_data(sitting, AgendaItemKind.GROUP, "分组讨论", room="301 室",
                                                     presiding_user_id=role_users["leader"].id))
    assert item.presiding_name == "领导甲"  # the account's name when none is typed


def test_stale_item_edit_is_a_conflict(role_users, sitting):
    sec = role_users["secretariat"]
    item = services.add_item(sec, sitting, item_data(sitting))
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_item(sec, item, item_data(sitting, title="新"), version_id=item.version_id - 1)


def test_only_finalized_speeches_are_admitted(role_users, speeches_item):
    sec = role_users["secretariat"]
    from meetingprep.documents.services import submit_speech

    draft = submit_speech(role_users["member"], role_users["meeting"], title="尚未定稿的发言", text="正文")
    with pytest.raises(ValidationFailed, match="定稿后才能排入"):
        services.add_speech(sec, speeches_item, draft, mode=SpeechMode.ORAL)
    report = factories.make_document(role_users["meeting"], actor=sec)
    with pytest.raises(ValidationFailed, match="大会发言稿"):
        services.add_speech(sec, speeches_item, report, mode=SpeechMode.ORAL)
    speech = finalized_speech(role_users, "关于康养产业的发言")
    services.add_speech(sec, db.session.get(AgendaItem, speeches_item.id), speech, mode=SpeechMode.ORAL)
    with pytest.raises(Conflict, match="已经安排"):
        services.add_speech(sec, db.session.get(AgendaItem, speeches_item.id), speech, mode=SpeechMode.WRITTEN)
    other_sitting = factories.make_sitting(role_users["meeting"])
    plenary = services.add_item(sec, other_sitting, item_data(other_sitting))
    with pytest.raises(ValidationFailed, match="只有"):
        services.add_speech(sec, plenary, finalized_speech(role_users, "另一篇"), mode=SpeechMode.ORAL)
    with pytest.raises(NotAllowed):
        services.add_speech(role_users["leader"], speeches_item, speech, mode=SpeechMode.ORAL)
    assert [d.title for d in queries.eligible_speeches(role_users["meeting"].id)] == ["另一篇"]


def _order(item_id):
    db.session.flush()
    db.session.expire_all()
    return queries.speech_order(queries.item_with_order(item_id))


def test_oral_order_limits_and_planned_times(role_users, speeches_item):
    sec = role_users["secretariat"]
    first = finalized_speech(role_users, "第一篇")
    second = finalized_speech(role_users, "第二篇")
    written = finalized_speech(role_users, "书面一篇")
    services.add_speech(sec, speeches_item, first, mode=SpeechMode.ORAL, minutes=10)
    slot2 = services.add_speech(sec, speeches_item, second, mode=SpeechMode.ORAL, minutes=6, speaker="民建市委会")
    services.add_speech(sec, speeches_item, written, mode=SpeechMode.WRITTEN, minutes=10)
    order = _order(speeches_item.id)
    assert [(o.number, o.slot.document.title, o.slot.minutes) for o in order.oral] == [
        (1, "第一篇", 10), (2, "第二篇", 6)]
    assert order.oral[1].planned_at == speeches_item.starts_at + dt.timedelta(minutes=10)
    assert [s.speaker_label for s in (o.slot for o in order.oral)] == ["委员甲", "民建市委会"]
    assert [s.document.title for s in order.written] == ["书面一篇"] and order.written[0].minutes is None
    assert order.oral_minutes == 16
    services.move_speech(sec, db.session.get(SpeechSlot, slot2.id), "up")
    assert [o.slot.document.title for o in _order(speeches_item.id).oral] == ["第二篇", "第一篇"]
    with pytest.raises(ValidationFailed):
        services.move_speech(sec, db.session.get(SpeechSlot, slot2.id), "sideways")


def test_a_change_of_mode_moves_to_the_end_of_the_other_list(role_users, speeches_item):
    sec = role_users["secretariat"]
    slots = [services.add_speech(sec, speeches_item, finalized_speech(role_users, f"第{n}篇"), mode=SpeechMode.ORAL)
             for n in (1, 2, 3)]
    services.add_speech(sec, speeches_item, finalized_speech(role_users, "书面"), mode=SpeechMode.WRITTEN)
    slot = db.session.get(SpeechSlot, slots[0].id)
    services.update_speech(sec, slot, mode=SpeechMode.WRITTEN, minutes=5, speaker="", version_id=slot.version_id)
    order = _order(speeches_item.id)
    assert [(o.number, o.slot.document.title, o.slot.position) for o in order.oral] == [
        (1, "第2篇", 1), (2, "第3篇", 2)]
    assert [s.document.title for s in order.written] == ["书面", "第1篇"]
    with pytest.raises(ValidationFailed, match="1 到 120"):
        services.update_speech(sec, db.session.get(SpeechSlot, slots[1].id), mode=SpeechMode.ORAL, minutes=0,
                               speaker="", version_id=db.session.get(SpeechSlot, slots[1].id).version_id)


def test_a_reopened_speech_drops_out_and_returns_when_final_again(role_users, speeches_item):
    sec = role_users["secretariat"]
    first = finalized_speech(role_users, "第一篇")
    second = finalized_speech(role_users, "第二篇")
    services.add_speech(sec, speeches_item, first, mode=SpeechMode.ORAL, minutes=10)
    services.add_speech(sec, speeches_item, second, mode=SpeechMode.ORAL, minutes=8)
    reopen(role_users, first)
    order = _order(speeches_item.id)
    assert [(o.number, o.slot.document.title) for o in order.oral] == [(1, "第二篇")]
    assert order.oral[0].planned_at == speeches_item.starts_at  # the time of the dropped one is not kept
    assert [(s.document.title, s.document.status) for s in order.dropped] == [("第一篇", DocumentStatus.RETURNED)]
    # … and the drafter revises, the reviewer approves: 定稿 again, back in its old place.
    from meetingprep.documents import queries as document_queries
    from meetingprep.documents import services as document_services
    from meetingprep.documents.states import Decision

    document = document_queries.document_for_action(first.id)
    document_services.add_version(role_users["member"], document, text="修改稿")
    db.session.expire_all()
    document_services.decide(role_users["group_lead"], document_queries.document_for_action(first.id),
                             Decision.APPROVE)
    order = _order(speeches_item.id)
    assert [o.slot.document.title for o in order.oral] == ["第一篇", "第二篇"] and not order.dropped


def test_removing_renumbers_and_frees_the_speech(role_users, speeches_item):
    sec = role_users["secretariat"]
    slots = [services.add_speech(sec, speeches_item, finalized_speech(role_users, f"第{n}篇"), mode=SpeechMode.ORAL)
             for n in (1, 2, 3)]
    services.remove_speech(sec, db.session.get(SpeechSlot, slots[0].id))
    order = _order(speeches_item.id)
    assert [(o.slot.document.title, o.slot.position) for o in order.oral] == [("第2篇", 1), ("第3篇", 2)]
    assert [d.title for d in queries.eligible_speeches(role_users["meeting"].id)] == ["第1篇"]
    deleted = db.session.scalar(select(AuditEntry.id).where(AuditEntry.object_type == "SpeechSlot",
                                                            AuditEntry.action == "delete"))
    assert deleted is not None


def test_deleting_a_speeches_item_takes_its_slots_and_audits_each(role_users, speeches_item):
    sec = role_users["secretariat"]
    services.add_speech(sec, speeches_item, finalized_speech(role_users, "第一篇"), mode=SpeechMode.ORAL)
    services.delete_item(sec, db.session.get(AgendaItem, speeches_item.id))
    db.session.flush()
    assert db.session.scalar(select(SpeechSlot.id)) is None
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.object_type == "SpeechSlot",
                                                         AuditEntry.action == "delete")) is not None


def test_a_speeches_item_with_slots_keeps_its_type(role_users, speeches_item, sitting):
    sec = role_users["secretariat"]
    services.add_speech(sec, speeches_item, finalized_speech(role_users, "第一篇"), mode=SpeechMode.ORAL)
    item = db.session.get(AgendaItem, speeches_item.id)
    with pytest.raises(ValidationFailed, match="先移出发言"):
        services.update_item(sec, item, item_data(sitting, AgendaItemKind.PLENARY, "全体会议"), item.version_id)


def test_speaker_sees_own_slots_only(role_users, speeches_item):
    sec = role_users["secretariat"]
    other = factories.make_user("member", display_name="委员乙")
    mine = finalized_speech(role_users, "我的发言")
    theirs = finalized_speech(role_users, "别人的发言", member=other)
    services.add_speech(sec, speeches_item, mine, mode=SpeechMode.ORAL)
    services.add_speech(sec, speeches_item, theirs, mode=SpeechMode.ORAL)
    db.session.flush()
    assert [s.document.title for s in queries.slots_of_speaker(role_users["member"].id)] == ["我的发言"]
    assert [s.document.title for s in queries.slots_of_speaker(other.id)] == ["别人的发言"]


def test_an_agenda_moves_with_its_sitting_when_the_opening_moves(role_users, sitting):
    from meetingprep.meetings.services import update_meeting

    sec, meeting = role_users["secretariat"], role_users["meeting"]
    item = services.add_item(sec, sitting, item_data(sitting, title="宣布开幕"))
    db.session.commit()
    starts, sitting_starts = item.starts_at, sitting.starts_at
    fields = {"name": meeting.name, "short_name": meeting.short_name, "venue": meeting.venue,
              "description": meeting.description or "", "closes_at": meeting.closes_at + dt.timedelta(days=1)}
    update_meeting(sec, meeting, version_id=meeting.version_id, opens_at=meeting.opens_at + dt.timedelta(days=1),
                   move_sittings=True, **fields)
    db.session.commit()
    db.session.expire_all()
    assert sitting.starts_at == sitting_starts + dt.timedelta(days=1)
    assert item.starts_at == starts + dt.timedelta(days=1)  # still the same minutes into its sitting
    update_meeting(sec, meeting, version_id=meeting.version_id, opens_at=meeting.opens_at + dt.timedelta(days=1),
                   move_sittings=False, **{**fields, "closes_at": meeting.closes_at + dt.timedelta(days=1)})
    db.session.commit()
    db.session.expire_all()
    assert item.starts_at == starts + dt.timedelta(days=1)  # not asked to move: stays
