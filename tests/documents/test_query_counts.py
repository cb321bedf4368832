"""The board, 待我审核 and the document page run a fixed number of queries whatever the data size."""

from meetingprep.documents import queries, services
from meetingprep.documents.states import Decision
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
