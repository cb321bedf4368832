"""The board, 待我审核 and the document page run a fixed number of queries whatever the data size."""

import datetime as dt

from sqlalchemy import select, update

from meetingprep.documents import queries, services
from meetingprep.documents.models import Document
from meetingprep.documents.services import StageData
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db
from tests import factories


def _documents_in_review(role_users, template, count):
    for n in range(count):
        document = factories.make_document(role_users["meeting"], template=template, drafters=[role_users["staff"]],
                                           group=role_users["group"], actor=role_users["secretariat"],
                                           title=f"材料{n}")
        factories.add_text_version(document, role_users["staff"], f"正文{n}")
    db.session.commit()


def _count(client, count_queries, url):
    client.get(url)  # warm up (the login, the meeting) so both measurements see the same caches
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_board_and_queue_query_counts_do_not_grow(client, login, role_users, count_queries):
    template = factories.make_pipeline_template([[role_users["group_lead"], role_users["leader"]]],
                                                actor=role_users["secretariat"])
    login(role_users["group_lead"])
    _documents_in_review(role_users, template, 3)
    small_board, _ = _count(client, count_queries, "/documents/")
    small_queue, body = _count(client, count_queries, "/documents/queue")
    assert body.count("data-document-id") == 3
    _documents_in_review(role_users, template, 57)
    large_board, body = _count(client, count_queries, "/documents/")
    assert body.count("data-document-id") == 50  # paginated
    large_queue, _ = _count(client, count_queries, "/documents/queue")
    assert (small_board, small_queue) == (large_board, large_queue)
    assert large_board <= 12 and large_queue <= 12


def test_document_page_query_count_does_not_grow_with_versions(client, login, role_users, review, count_queries):
    staff, lead = role_users["staff"], role_users["group_lead"]

    def revise_and_return(times):
        for n in range(times):
            document = factories.add_text_version(queries.document_for_action(review.id), staff, f"第{n}稿正文")
            services.decide(lead, document, Decision.RETURN, comment=f"第{n}次退回", quote="正文")
            services.add_comment(lead, document, body=f"补充意见{n}")
            db.session.expire_all()
        db.session.commit()

    login(role_users["leader"])
    revise_and_return(2)
    small, _ = _count(client, count_queries, f"/documents/{review.id}")
    small_record, _ = _count(client, count_queries, f"/documents/{review.id}/record")
    revise_and_return(10)
    large, body = _count(client, count_queries, f"/documents/{review.id}")
    assert "第9次退回" in body and "第12稿" in body
    large_record, _ = _count(client, count_queries, f"/documents/{review.id}/record")
    assert (small, small_record) == (large, large_record)
    assert large <= 16 and large_record <= 10


def test_board_pages_keep_the_order_open_first_then_finalized(role_users):
    """The page is chosen on (id, keys) and loaded afterwards: pages follow one another without gaps,
    open documents by how long they wait, finalized ones last."""
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    _documents_in_review(role_users, template, 12)
    ids = db.session.scalars(select(Document.id).where(Document.meeting_id == role_users["meeting"].id)
                             .order_by(Document.id)).all()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n, document_id in enumerate(ids):  # waiting order: reversed ids; every third finalized
        db.session.execute(update(Document).where(Document.id == document_id).values(
            waiting_since=start - dt.timedelta(hours=n),
            status=DocumentStatus.FINALIZED if n % 3 == 0 else DocumentStatus.IN_REVIEW))
    db.session.commit()
    expected = ([i for n, i in reversed(list(enumerate(ids))) if n % 3] +
                [i for n, i in reversed(list(enumerate(ids))) if not n % 3])
    pages = [queries.board(role_users["meeting"].id, queries.BoardFilters(page=page), 5) for page in (1, 2, 3)]
    assert [d.id for p in pages for d in p.items] == expected
    assert [p.total for p in pages] == [12, 12, 12] and pages[0].pages == 3
    assert all(d.type is not None and d.current_stage is not None for p in pages for d in p.items)  # loaded
    nothing = queries.board(role_users["meeting"].id, queries.BoardFilters(group_id=-1), 5)
    assert nothing.items == [] and nothing.total == 0


def test_queue_total_rides_on_the_page_and_is_counted_past_the_end(role_users):
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    _documents_in_review(role_users, template, 7)
    lead = role_users["group_lead"].id
    pages = [queries.review_queue(lead, page, 3) for page in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [3, 3, 1] and {p.total for p in pages} == {7}
    assert len({d.id for p in pages for d in p.items}) == 7
    beyond = queries.review_queue(lead, 9, 3)
    assert beyond.items == [] and beyond.total == 7  # no row to carry the total: counted separately
    assert queries.review_queue(role_users["leader"].id, 1, 3).total == 0


def test_stage_names_are_the_meetings_own(role_users):
    def route(*names):
        return factories.make_pipeline_template(
            [StageData(name=name, reviewer_ids=[role_users["leader"].id]) for name in names],
            actor=role_users["secretariat"])

    here, elsewhere = role_users["meeting"], factories.make_meeting()
    for meeting, template in [(here, route("秘书长审核", "初审")), (here, route("初审", "主席审定")),
                              (elsewhere, route("外会审核", "初审"))]:
        factories.make_document(meeting, template=template, actor=role_users["secretariat"])
    db.session.commit()
    assert queries.stage_names(here.id) == sorted(["秘书长审核", "初审", "主席审定"])
    assert queries.stage_names(elsewhere.id) == sorted(["外会审核", "初审"])
    assert queries.stage_names(factories.make_meeting().id) == []
