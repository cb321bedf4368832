import datetime as dt

from sqlalchemy import select

from meetingprep import timeutil
from meetingprep.agenda import services
from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.extensions import db
from tests.agenda.conftest import finalized_speech, item_data, reopen


def _local(value: dt.datetime) -> str:
    return timeutil.to_local(value).strftime("%Y-%m-%dT%H:%M")


def test_secretariat_builds_an_agenda(client, login, role_users, sitting):
    login(role_users["secretariat"])
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": _local(sitting.starts_at), "kind": "opening", "title": "宣布大会开幕",
        "presiding_name": "王主席", "presiding_user_id": ""})
    assert response.status_code == 302
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": _local(sitting.starts_at + dt.timedelta(minutes=30)), "kind": "group", "title": "分组讨论",
        "room": "三楼 301", "presiding_user_id": str(role_users["leader"].id)})
    assert response.status_code == 302
    page = client.get(f"/agenda/sittings/{sitting.id}").get_data(as_text=True)
    assert "宣布大会开幕" in page and "王主席" in page and "三楼 301" in page and "领导甲" in page
    items = db.session.scalars(select(AgendaItem).order_by(AgendaItem.position)).all()
    assert [(i.position, i.kind) for i in items] == [(1, AgendaItemKind.OPENING), (2, AgendaItemKind.GROUP)]
    # edit, move, delete
    first = items[0]
    response = client.post(f"/agenda/items/{first.id}/edit", data={
        "starts_at": _local(sitting.starts_at), "kind": "opening", "title": "大会开幕", "presiding_name": "王主席",
        "presiding_user_id": "", "version_id": str(first.version_id)})
    assert response.status_code == 302
    assert client.post(f"/agenda/items/{first.id}/move", data={"direction": "down"}).status_code == 302
    db.session.expire_all()
    moved = db.session.get(AgendaItem, first.id)
    assert (moved.position, moved.title) == (2, "大会开幕")
    assert client.post(f"/agenda/items/{first.id}/delete").status_code == 302
    assert db.session.get(AgendaItem, first.id) is None


def test_bad_input_answers_400_with_the_input_kept(client, login, role_users, sitting):
    login(role_users["secretariat"])
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": "not-a-time", "kind": "plenary", "title": "听取报告甲乙丙"})
    assert response.status_code == 400 and "听取报告甲乙丙" in response.get_data(as_text=True)
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": _local(sitting.starts_at), "kind": "group", "title": "分组讨论丁", "room": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "分组讨论请填写会议室" in page and "分组讨论丁" in page
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": _local(sitting.starts_at), "kind": "nonsense", "title": "x", "presiding_user_id": "99x"})
    assert response.status_code == 400
    response = client.post(f"/agenda/sittings/{sitting.id}/items", data={
        "starts_at": "2099-01-01T09:00", "kind": "plenary", "title": "远期"})
    assert response.status_code == 400 and "议程时间" in response.get_data(as_text=True)
    assert db.session.scalar(select(AgendaItem.id)) is None
    item = services.add_item(role_users["secretariat"], sitting, item_data(sitting))
    db.session.commit()
    assert client.post(f"/agenda/items/{item.id}/move", data={"direction": "sideways"}).status_code == 400
    stale = client.post(f"/agenda/items/{item.id}/edit", data={
        "starts_at": _local(sitting.starts_at), "kind": "plenary", "title": "改过的议题",
        "version_id": str(item.version_id + 5)})
    assert stale.status_code == 409 and "改过的议题" in stale.get_data(as_text=True)
    assert client.get("/agenda/items/999999/edit").status_code == 404
    assert client.get(f"/agenda/items/{item.id}/speeches").status_code == 404  # not a 大会发言 item
    assert client.get("/agenda/sittings/99999999999999999999").status_code == 404


def test_speech_order_arranged_printed_and_a_reopened_speech_drops_out(client, login, role_users, speeches_item):
    first = finalized_speech(role_users, "关于康养产业的发言")
    second = finalized_speech(role_users, "关于乡村振兴的发言")
    written = finalized_speech(role_users, "关于城市更新的书面发言")
    db.session.commit()
    login(role_users["secretariat"])
    url = f"/agenda/items/{speeches_item.id}/speeches"
    add = f"{url}/add"
    for document, mode, minutes in ((first, "oral", "10"), (second, "oral", "8"), (written, "written", "")):
        response = client.post(add, data={"document_id": str(document.id), "mode": mode, "minutes": minutes})
        assert response.status_code == 302, response.get_data(as_text=True)
    again = client.post(add, data={"document_id": str(first.id), "mode": "oral", "minutes": "8"})
    assert again.status_code == 409 and "已经安排" in again.get_data(as_text=True)
    assert client.post(add, data={"document_id": "", "mode": "oral"}).status_code == 400
    assert client.post(add, data={"document_id": str(first.id), "mode": "oral", "minutes": "500"}).status_code == 400
    printed = client.get(f"{url}/print").get_data(as_text=True)
    assert "大会发言顺序" in printed
    positions = [printed.index(t) for t in ("关于康养产业的发言", "关于乡村振兴的发言", "关于城市更新的书面发言")]
    assert positions == sorted(positions)

    reopen(role_users, first)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    warning = page[page.index("已被重新打开"):page.index("口头发言</h2>")]
    assert "关于康养产业的发言" in warning
    printed = client.get(f"{url}/print").get_data(as_text=True)
    assert "关于康养产业的发言" not in printed and "关于乡村振兴的发言" in printed
    agenda = client.get(f"/agenda/sittings/{speeches_item.sitting_id}").get_data(as_text=True)
    assert "1 篇发言稿已被重新打开" in agenda


def test_slot_edit_move_remove(client, login, role_users, speeches_item):
    sec = role_users["secretariat"]
    a = services.add_speech(sec, speeches_item, finalized_speech(role_users, "甲篇"), mode=SpeechMode.ORAL)
    b = services.add_speech(sec, speeches_item, finalized_speech(role_users, "乙篇"), mode=SpeechMode.ORAL)
    db.session.commit()
    login(sec)
    assert client.post(f"/agenda/slots/{b.id}/move", data={"direction": "up"}).status_code == 302
    response = client.post(f"/agenda/slots/{a.id}/edit", data={"mode": "oral", "minutes": "0", "speaker": "x",
                                                               "version_id": str(a.version_id)})
    assert response.status_code == 400 and "1 到 120" in response.get_data(as_text=True)
    db.session.expire_all()
    a = db.session.get(SpeechSlot, a.id)
    response = client.post(f"/agenda/slots/{a.id}/edit", data={
        "mode": "written", "minutes": "", "speaker": "致公党市委会", "version_id": str(a.version_id)})
    assert response.status_code == 302
    db.session.expire_all()
    a = db.session.get(SpeechSlot, a.id)
    assert (a.mode, a.minutes, a.speaker) == (SpeechMode.WRITTEN, None, "致公党市委会")
    assert db.session.get(SpeechSlot, b.id).position == 1
    assert client.post(f"/agenda/slots/{a.id}/remove").status_code == 302
    assert db.session.get(SpeechSlot, a.id) is None
    assert client.post("/agenda/slots/424242/remove").status_code == 404


def test_readers_see_no_controls(client, login, role_users, speeches_item):
    services.add_speech(role_users["secretariat"], speeches_item, finalized_speech(role_users, "甲篇"),
                        mode=SpeechMode.ORAL)
    db.session.commit()
    for role in ("leader", "staff"):
        login(role_users[role])
        agenda = client.get(f"/agenda/sittings/{speeches_item.sitting_id}").get_data(as_text=True)
        order = client.get(f"/agenda/items/{speeches_item.id}/speeches").get_data(as_text=True)
        assert "大会发言" in agenda and "添加议程" not in agenda and "/delete" not in agenda
        assert "甲篇" in order and "排入发言" not in order and "/remove" not in order


def test_a_speaker_sees_their_own_slot(client, login, role_users, speeches_item):
    sec = role_users["secretariat"]
    from tests import factories

    other = factories.make_user("member", display_name="委员乙")
    services.add_speech(sec, speeches_item, finalized_speech(role_users, "别人的发言", member=other),
                        mode=SpeechMode.ORAL, minutes=7)
    mine = finalized_speech(role_users, "我的发言")
    services.add_speech(sec, speeches_item, mine, mode=SpeechMode.ORAL, minutes=5)
    db.session.commit()
    login(role_users["member"])
    page = client.get("/agenda/mine").get_data(as_text=True)
    planned = timeutil.format_datetime(speeches_item.starts_at + dt.timedelta(minutes=7))
    assert "我的发言" in page and "口头发言第 2 位" in page and "限时 5 分钟" in page and planned in page
    assert "别人的发言" not in page
    assert client.get(f"/agenda/items/{speeches_item.id}/speeches").status_code == 403
    reopen(role_users, mine)
    db.session.commit()
    page = client.get("/agenda/mine").get_data(as_text=True)
    assert "暂不在发言顺序中" in page and "口头发言第" not in page


def _query_count(client, count_queries, url):
    client.get(url)  # warm: navigation fragment, session
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_query_counts_do_not_grow_with_items(client, login, role_users, sitting, speeches_item, count_queries):
    sec = role_users["secretariat"]
    login(sec)
    pages = [f"/agenda/sittings/{sitting.id}", f"/agenda/items/{speeches_item.id}/speeches",
             f"/agenda/items/{speeches_item.id}/speeches/print", "/agenda/mine"]
    services.add_speech(sec, speeches_item, finalized_speech(role_users, "甲篇"), mode=SpeechMode.ORAL)
    services.add_item(sec, sitting, item_data(sitting))
    db.session.commit()
    before = [_query_count(client, count_queries, url) for url in pages]
    for n in range(5):
        mode = SpeechMode.ORAL if n % 2 else SpeechMode.WRITTEN
        services.add_speech(sec, db.session.get(AgendaItem, speeches_item.id),
                            finalized_speech(role_users, f"第{n}篇"), mode=mode)
        services.add_item(sec, sitting, item_data(sitting, title=f"议题{n}"))
    db.session.commit()
    after = [_query_count(client, count_queries, url) for url in pages]
    assert after == before


def test_pages_link_to_the_agenda_and_to_the_speakers_slots(client, login, role_users, sitting):
    login(role_users["secretariat"])
    assert f'href="/agenda/sittings/{sitting.id}"' in client.get(f"/attendance/sittings/{sitting.id}").get_data(
        as_text=True)
    assert 'href="/agenda/"' in client.get("/agenda/").get_data(as_text=True)  # the navigation entry
    login(role_users["member"])
    assert 'href="/agenda/mine"' in client.get("/documents/speeches/mine").get_data(as_text=True)
