"""Materials rules: publishing, audiences, readings, updates by a new 定稿, reminders, withdrawal, 会议简报."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from meetingprep.audit import AuditEntry
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.models import DocumentType
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.materials import queries, services
from meetingprep.materials.audience import reaches
from meetingprep.materials.models import Audience, Material, MaterialReceipt, ReadState
from meetingprep.notifications.models import Notification
from meetingprep.permissions import can
from tests import factories
from tests.materials.conftest import (
    finalized_document,
    pdf_upload,
    publish_document,
    publish_pdf,
    refinalize,
)


def _notified(kind: str) -> set[int]:
    return set(db.session.scalars(select(Notification.recipient_id).where(Notification.kind == kind)))


def _audit(material, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "Material",
                                                            AuditEntry.object_id == material.id,
                                                            AuditEntry.action == action)))


def test_publishing_a_final_document_tells_the_members_in_scope_and_is_audited(role_users, roster):
    document = finalized_document(role_users)
    material = publish_document(role_users, document)
    assert material.is_live and material.version_count == 1 and material.title == "常委会工作报告"
    assert material.current_version.kind == "text" and material.current_version.document_version_id is not None
    assert _notified("material.published") == {roster.member.id, roster.other.id}  # not the account-less member
    assert _audit(material, "create") and "第1版" in _audit(material, "发布")[0].message
    assert "全体委员" in _audit(material, "发布")[0].message


def test_only_the_secretariat_publishes(role_users, roster):
    document = finalized_document(role_users)
    for role in ("group_lead", "staff", "leader", "member"):
        with pytest.raises(NotAllowed):
            services.publish(role_users[role], role_users["meeting"], services.PublishData(
                scope=services.Scope(audience=Audience.ALL), document_id=document.id))


@pytest.mark.parametrize(("scope", "message"), [
    ({"audience": Audience.SITTING}, "请选择会次"),
    ({"audience": Audience.GROUPS}, "至少选择一个讨论组"),
    ({"audience": Audience.GROUPS, "group_ids": [987654]}, "本次会议的讨论组"),
    ({"audience": Audience.ALL, "sitting_id": 987654}, "本次会议的会次"),
])
def test_a_scope_must_name_what_it_needs(role_users, roster, scope, message):
    document = finalized_document(role_users)
    with pytest.raises(ValidationFailed, match=message):
        services.publish(role_users["secretariat"], role_users["meeting"], services.PublishData(
            scope=services.Scope(**scope), document_id=document.id))


def test_a_document_must_be_final_and_published_once(role_users, roster):
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    drafting = factories.make_document(role_users["meeting"], template=template, actor=role_users["secretariat"])
    secretariat, meeting = role_users["secretariat"], role_users["meeting"]
    with pytest.raises(ValidationFailed, match="定稿后才能"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL),
                                                                    document_id=drafting.id))
    document = finalized_document(role_users)
    with pytest.raises(ValidationFailed, match="二选一"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL),
                                                                    document_id=document.id, file=pdf_upload()))
    with pytest.raises(ValidationFailed, match="二选一"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL)))
    publish_document(role_users, document)
    with pytest.raises(ValidationFailed, match="已经发布过"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL),
                                                                    document_id=document.id))


def test_an_uploaded_pdf_needs_a_title_and_must_be_a_pdf(role_users, roster):
    import io

    from werkzeug.datastructures import FileStorage

    secretariat, meeting = role_users["secretariat"], role_users["meeting"]
    with pytest.raises(ValidationFailed, match="填写材料标题"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL), file=pdf_upload()))
    fake = FileStorage(io.BytesIO(b"%PDF-1.4 not really"), filename="日程.pdf")
    with pytest.raises(ValidationFailed, match="无法打开这个 PDF"):
        services.publish(secretariat, meeting, services.PublishData(services.Scope(Audience.ALL), title="日程",
                                                                    file=fake))
    material = publish_pdf(role_users, pages=3)
    version = material.current_version
    assert (version.kind, version.page_count, version.uploaded_by_id) == ("pdf", 3, secretariat.id)


@pytest.mark.parametrize(("audience", "extra", "member", "other"), [
    (Audience.ALL, {}, True, True),
    (Audience.STANDING, {}, False, True),
    (Audience.GROUPS, {"groups": "two"}, False, True),
    (Audience.SITTING, {}, True, False),  # the sitting expects 第一组
])
def test_who_a_material_reaches(role_users, roster, audience, extra, member, other):
    scope = {"sitting_id": roster.sitting.id} if audience == Audience.SITTING else {}
    if extra.get("groups") == "two":
        scope["group_ids"] = [roster.group_two.id]
    material = publish_document(role_users, finalized_document(role_users), audience, **scope)
    assert reaches(material, roster.member.id) is member
    assert reaches(material, roster.other.id) is other
    assert can(roster.member, "material.view", material) is member
    assert can(role_users["staff"], "material.view", material)  # whoever follows the preparation reads it
    expected = (1 if member else 0) + (1 if other else 0) + (1 if member else 0)  # the offline member is in 第一组
    assert queries.readings([material.id])[material.id].expected == expected


def test_a_sitting_of_listed_members_reaches_exactly_them(role_users, roster):
    listed = factories.make_sitting(role_users["meeting"], name="座谈会", expectation="listed",
                                    members=[roster.other_profile])
    db.session.commit()
    material = publish_document(role_users, finalized_document(role_users), Audience.SITTING, sitting_id=listed.id)
    assert not reaches(material, roster.member.id) and reaches(material, roster.other.id)
    assert services.audience_user_ids(material) == [roster.other.id]


def test_a_reading_is_one_receipt_per_member_with_first_and_last_time(role_users, roster, time_machine):
    material = publish_document(role_users, finalized_document(role_users))
    start = dt.datetime(2027, 1, 5, 1, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    services.record_reading(material, roster.member_profile, roster.member)
    time_machine.move_to(start + dt.timedelta(hours=2), tick=False)
    services.record_reading(material, roster.member_profile, roster.member)
    db.session.commit()
    receipts = db.session.scalars(select(MaterialReceipt)).all()
    assert len(receipts) == 1
    receipt = receipts[0]
    assert (receipt.first_opened_at, receipt.last_opened_at, receipt.open_count, receipt.version_number) == \
        (start, start + dt.timedelta(hours=2), 2, 1)
    reading = queries.readings([material.id])[material.id]
    assert (reading.expected, reading.read, reading.stale, reading.unread, reading.no_account) == (3, 1, 0, 2, 1)


def test_a_new_final_version_replaces_the_published_one_and_the_old_stays(role_users, roster):
    document = finalized_document(role_users, text="第一版正文")
    material = publish_document(role_users, document)
    services.record_reading(material, roster.member_profile, roster.member)
    db.session.commit()
    refinalize(role_users, document.id, "第二版正文，补充了数据")
    db.session.commit()
    material = queries.material(material.id)
    assert material.version_count == 2 and material.is_updated and material.updated_at is not None
    versions = queries.versions_of(material.id)
    assert [v.number for v in versions] == [2, 1]
    assert queries.version_text(versions[0]) == "第二版正文，补充了数据"
    assert queries.version_text(versions[1]) == "第一版正文"  # the record keeps what was read before
    assert _notified("material.updated") == {roster.member.id, roster.other.id}
    assert _audit(material, "更新版本")
    reading = queries.readings([material.id])[material.id]
    assert (reading.read, reading.stale) == (0, 1)
    rows = queries.receipt_rows(material, state=ReadState.STALE, page=1, per_page=50).items
    assert [r.member_no for r in rows] == ["0007"]


def test_replacing_an_uploaded_pdf_and_not_a_pipeline_material(role_users, roster):
    pdf = publish_pdf(role_users)
    version = services.replace_file(role_users["secretariat"], queries.material(pdf.id), pdf_upload(1), "更正日期")
    db.session.commit()
    assert (version.number, version.page_count, version.note) == (2, 1, "更正日期")
    from_document = publish_document(role_users, finalized_document(role_users))
    with pytest.raises(InvalidTransition, match="自动替换"):
        services.replace_file(role_users["secretariat"], queries.material(from_document.id), pdf_upload())


def test_withdrawing_hides_it_from_members_and_keeps_the_record(role_users, roster):
    material = publish_document(role_users, finalized_document(role_users))
    with pytest.raises(ValidationFailed, match="理由"):
        services.withdraw(role_users["secretariat"], material, " ")
    services.withdraw(role_users["secretariat"], material, "发错了范围")
    db.session.commit()
    assert not material.is_live and _audit(material, "撤回")[0].message == "发错了范围"
    assert not can(roster.member, "material.view", material) and not can(role_users["staff"], "material.view",
                                                                          material)
    assert can(role_users["secretariat"], "material.view", material)
    with pytest.raises(InvalidTransition):
        services.withdraw(role_users["secretariat"], material, "再撤一次")
    assert db.session.scalar(select(Material.id).where(Material.is_live)) is None


def test_reminding_tells_only_those_who_have_not_read_the_current_version(role_users, roster):
    document = finalized_document(role_users)
    material = publish_document(role_users, document)
    services.record_reading(material, roster.member_profile, roster.member)
    db.session.commit()
    assert services.remind_unread(role_users["secretariat"], material, material.version_id) == 1
    db.session.commit()
    assert _notified("material.reminder") == {roster.other.id}
    assert "提醒 1 位委员" in _audit(material, "提醒未阅")[0].message
    with pytest.raises(Conflict):  # the same page's button pressed again
        services.remind_unread(role_users["secretariat"], material, material.version_id - 1)
    refinalize(role_users, document.id, "新的定稿")
    db.session.commit()
    material = queries.material(material.id)
    assert services.remind_unread(role_users["secretariat"], material, material.version_id) == 2  # stale too
    db.session.commit()
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "material.reminder",
                                                           Notification.recipient_id == roster.member.id))
    for profile, user in ((roster.member_profile, roster.member), (roster.other_profile, roster.other)):
        services.record_reading(material, profile, user)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="无需提醒"):
        services.remind_unread(role_users["secretariat"], material, material.version_id)
    with pytest.raises(NotAllowed):
        services.remind_unread(role_users["leader"], material, material.version_id)


def test_changing_the_scope_is_versioned(role_users, roster):
    material = queries.material(publish_document(role_users, finalized_document(role_users)).id)
    services.update_scope(role_users["secretariat"], material, title="工作报告（审议稿）",
                          version_id=material.version_id,
                          scope=services.Scope(Audience.GROUPS, group_ids=[roster.group_two.id], is_internal=True))
    db.session.commit()
    material = queries.material(material.id)
    assert material.group_ids == [roster.group_two.id] and material.is_internal and not material.is_downloadable
    assert not reaches(material, roster.member.id)
    with pytest.raises(Conflict):
        services.update_scope(role_users["secretariat"], material, title="x", version_id=1,
                              scope=services.Scope(Audience.ALL))


def test_a_briefing_is_numbered_reviewed_and_published_on_its_final(role_users, roster):
    secretariat = role_users["secretariat"]
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=secretariat)
    data = services.BriefingData(scope=services.Scope(Audience.STANDING), drafter_ids=[role_users["staff"].id],
                                 template_id=template.id, headline="预备会议召开")
    first = services.create_briefing(secretariat, role_users["meeting"], data)
    second = services.create_briefing(secretariat, role_users["meeting"], dict_replace(data, headline=""))
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    document = document_queries.document_for_action(first.document_id)
    assert document.title == "会议简报 第1期：预备会议召开" and document.type.code == "briefing"
    assert db.session.get(DocumentType, document.type_id).name == "会议简报"
    material = queries.material(first.material_id)
    assert material.is_pending and not material.is_live and material.audience == Audience.STANDING
    document = factories.add_text_version(document, role_users["staff"], "简报正文")
    document_services.decide(role_users["group_lead"], document, Decision.APPROVE)
    db.session.commit()
    assert document.status == DocumentStatus.FINALIZED
    material = queries.material(first.material_id)
    assert material.is_live and material.version_count == 1
    assert _notified("material.published") == {roster.other.id}  # the 常委
    assert material.published_by_id == role_users["group_lead"].id  # the reviewer whose approval made the 定稿
    with pytest.raises(ValidationFailed, match="已经发布过"):
        services.publish(secretariat, role_users["meeting"], services.PublishData(services.Scope(Audience.ALL),
                                                                                document_id=first.document_id))


def test_a_briefing_needs_a_pipeline_and_drafters(role_users, roster):
    with pytest.raises(ValidationFailed, match="审核流程"):
        services.create_briefing(role_users["secretariat"], role_users["meeting"], services.BriefingData(
            scope=services.Scope(Audience.ALL), drafter_ids=[role_users["staff"].id], template_id=None))
    with pytest.raises(NotAllowed):
        services.create_briefing(role_users["staff"], role_users["meeting"], services.BriefingData(
            scope=services.Scope(Audience.ALL), drafter_ids=[role_users["staff"].id], template_id=None))


def test_a_withdrawn_material_does_not_follow_its_document(role_users, roster):
    document = finalized_document(role_users)
    material = publish_document(role_users, document)
    services.withdraw(role_users["secretariat"], material, "不再发放")
    db.session.commit()
    refinalize(role_users, document.id, "新稿")
    db.session.commit()
    assert queries.material(material.id).version_count == 1


def dict_replace(data, **changes):
    import dataclasses

    return dataclasses.replace(data, **changes)
