from meetingprep.agenda import services
from meetingprep.agenda.models import AgendaItemKind, SpeechMode
from meetingprep.extensions import db
from tests.access import EVERYONE, MANAGERS, READERS, Case, check_cases
from tests.agenda.conftest import finalized_speech, item_data

ENDPOINTS = {
    "agenda.index", "agenda.sitting", "agenda.item_edit", "agenda.item_move", "agenda.item_delete",
    "agenda.speeches", "agenda.speeches_print", "agenda.slot_edit", "agenda.slot_move", "agenda.slot_remove",
    "agenda.mine", "agenda.item_new", "agenda.speech_add", "agenda.schedule",
}


def test_route_role_table(app, client, login, role_users, sitting, monkeypatch):
    sec = role_users["secretariat"]
    item = services.add_item(sec, sitting, item_data(sitting))
    speeches = services.add_item(sec, sitting, item_data(sitting, AgendaItemKind.SPEECHES, "大会发言", 30))
    slot = services.add_speech(sec, speeches, finalized_speech(role_users, "关于康养产业的发言"), mode=SpeechMode.ORAL)
    db.session.commit()
    # Deleting endpoints: the walk checks who gets through, so the first allowed role must not delete the
    # object from under the next one (their effect is tested in test_views).
    monkeypatch.setattr(services, "delete_item", lambda *_args: None)
    monkeypatch.setattr(services, "remove_speech", lambda *_args: None)

    s, i, p, sl = sitting.id, item.id, speeches.id, slot.id
    cases = [
        Case("agenda.index", "/agenda/", READERS),
        Case("agenda.sitting", f"/agenda/sittings/{s}", READERS),
        Case("agenda.item_new", f"/agenda/sittings/{s}/items", MANAGERS, method="POST", data={"title": ""}),
        Case("agenda.item_edit", f"/agenda/items/{i}/edit", MANAGERS),
        Case("agenda.item_move", f"/agenda/items/{i}/move", MANAGERS, method="POST", data={"direction": "up"}),
        Case("agenda.item_delete", f"/agenda/items/{i}/delete", MANAGERS, method="POST"),
        Case("agenda.speeches", f"/agenda/items/{p}/speeches", READERS),
        Case("agenda.speech_add", f"/agenda/items/{p}/speeches/add", MANAGERS, method="POST",
             data={"document_id": ""}),
        # agenda.view_order: readers, and the member who speaks in it (finalized_speech submits as "member")
        Case("agenda.speeches_print", f"/agenda/items/{p}/speeches/print", READERS | {"member"}),
        Case("agenda.slot_edit", f"/agenda/slots/{sl}/edit", MANAGERS),
        Case("agenda.slot_move", f"/agenda/slots/{sl}/move", MANAGERS, method="POST", data={"direction": "down"}),
        Case("agenda.slot_remove", f"/agenda/slots/{sl}/remove", MANAGERS, method="POST"),
        Case("agenda.mine", "/agenda/mine", EVERYONE),
        Case("agenda.schedule", "/agenda/schedule", {"member"}),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
