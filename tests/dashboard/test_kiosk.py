"""大屏链接: signed, read-only, revocable; creation and revocation in the audit trail."""

from sqlalchemy import select

from meetingprep.audit import AuditEntry
from meetingprep.dashboard import kiosk
from meetingprep.dashboard.models import KioskLink
from meetingprep.extensions import db


def test_a_kiosk_link_shows_the_wall_without_login_until_it_is_revoked(app, client, login, role_users):
    login(role_users["secretariat"])
    response = client.post("/dashboard/kiosk", data={"label": "主会场东侧屏"})
    assert response.status_code == 302
    link = db.session.scalar(select(KioskLink))
    page = client.get("/dashboard/kiosk").get_data(as_text=True)
    token = kiosk.token_for(link)
    assert f"/wall/{token}" in page and "主会场东侧屏" in page
    login(None)
    wall = client.get(f"/wall/{token}")
    assert wall.status_code == 200 and role_users["meeting"].name in wall.get_data(as_text=True)
    assert f'data-dashboard-api="/wall/{token}/figures.json"' in wall.get_data(as_text=True)
    assert client.get(f"/wall/{token}/figures.json").is_json
    assert client.get(f"/wall/{token[:-2]}xx").status_code == 404  # altered: the signature fails
    assert kiosk.link_for_token(kiosk.token_for(link).replace(".", "")) is None
    assert client.get("/api/dashboard").status_code == 401  # the link opens the wall, nothing else
    login(role_users["secretariat"])
    assert client.post(f"/dashboard/kiosk/{link.id}/revoke").status_code == 302
    login(None)
    assert client.get(f"/wall/{token}").status_code == 404
    assert client.get(f"/wall/{token}/figures.json").status_code == 404
    actions = [entry.action for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "KioskLink").order_by(AuditEntry.id))]
    assert actions == ["create", "update"]  # created, then revoked (revoked_at, revoked_by)


def test_a_kiosk_link_needs_a_name_and_only_managers_make_them(app, client, login, role_users):
    login(role_users["secretariat"])
    client.post("/dashboard/kiosk", data={"label": "  "})
    assert db.session.scalar(select(KioskLink)) is None
    login(role_users["leader"])
    assert client.post("/dashboard/kiosk", data={"label": "屏"}).status_code == 403
