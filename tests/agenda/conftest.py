import pytest

from meetingprep.agenda import services
from meetingprep.agenda.models import AgendaItemKind
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.timeutil import now
from tests import factories


def finalized_speech(role_users, title: str, member=None):
    """A member's 大会发言 taken through a one-stage pipeline (the group lead reviews) to 定稿."""
    member = member or role_users["member"]
    document = document_services.submit_speech(member, role_users["meeting"], title=title, text=f"{title}正文")
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    document_services.assign_pipeline(role_users["secretariat"], document_queries.document_for_action(document.id),
                                      template_id=template.id, group_id=None, due_on=None)
    db.session.expire_all()
    document = document_queries.document_for_action(document.id)
    document_services.decide(role_users["group_lead"], document, Decision.APPROVE)
    db.session.flush()
    db.session.expire_all()
    return document_queries.document_for_action(document.id)


def reopen(role_users, document):
    document_services.reopen(role_users["secretariat"], document_queries.document_for_action(document.id),
                             "需补充数据")
    db.session.flush()
    db.session.expire_all()


@pytest.fixture
def sitting(app, role_users):
    result = factories.make_sitting(role_users["meeting"], name="第一次全体会议", starts_in_minutes=24 * 60)
    db.session.commit()
    return result


def item_data(sitting, kind=AgendaItemKind.PLENARY, title="听取常委会工作报告", minutes_after=0, **fields):
    import datetime as dt

    return services.ItemData(starts_at=sitting.starts_at + dt.timedelta(minutes=minutes_after), kind=kind,
                             title=title, **fields)


@pytest.fixture
def speeches_item(app, role_users, sitting):
    item = services.add_item(role_users["secretariat"], sitting,
                             item_data(sitting, AgendaItemKind.SPEECHES, "大会发言", minutes_after=60))
    db.session.commit()
    return item


__all__ = ["finalized_speech", "item_data", "now", "reopen"]
