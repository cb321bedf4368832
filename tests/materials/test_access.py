from meetingprep.materials.models import Audience
from tests.access import EVERYONE, MANAGERS, READERS, Case, check_cases
from tests.materials.conftest import finalized_document, publish_document, publish_pdf

ENDPOINTS = {
    "materials.board", "materials.publish", "materials.mine", "materials.briefings", "materials.briefing_new",
    "materials.read", "materials.version", "materials.page_image", "materials.download", "materials.receipts",
    "materials.edit", "materials.replace", "materials.withdraw", "materials.remind",
}


def test_route_role_table(app, client, login, role_users, roster):
    """The member (r_member, 第一组, not 常委) is in the scope of the material to all and the PDF, not of the
    material to the 常委; the internal one is read by all members but downloaded by the secretariat alone."""
    everyone = publish_document(role_users, finalized_document(role_users, title="全体委员的材料"))
    internal = publish_document(role_users, finalized_document(role_users, title="内部材料"), is_internal=True)
    standing = publish_document(role_users, finalized_document(role_users, title="常委的材料"), Audience.STANDING)
    pdf = publish_pdf(role_users)
    m, i, s, p = (f"/materials/{x.id}" for x in (everyone, internal, standing, pdf))
    member = READERS | {"member"}
    cases = [
        Case("materials.board", "/materials/", READERS),
        Case("materials.publish", "/materials/new", MANAGERS),
        Case("materials.mine", "/materials/mine", EVERYONE),
        Case("materials.briefings", "/materials/briefings", READERS),
        Case("materials.briefing_new", "/materials/briefings/new", MANAGERS),
        Case("materials.read", m, member),
        Case("materials.read", s, READERS),
        Case("materials.read", p, member),
        Case("materials.version", f"{m}/versions/1", MANAGERS),
        Case("materials.page_image", f"{p}/versions/1/pages/1", member),
        Case("materials.download", f"{m}/download", member),
        Case("materials.download", f"{i}/download", MANAGERS),
        Case("materials.download", f"{s}/download", READERS),
        Case("materials.receipts", f"{m}/receipts", MANAGERS),
        Case("materials.edit", f"{m}/edit", MANAGERS),
        Case("materials.replace", f"{p}/replace", MANAGERS, method="POST", data={}),
        Case("materials.withdraw", f"{m}/withdraw", MANAGERS, method="POST", data={"reason": ""}),
        Case("materials.remind", f"{m}/remind", MANAGERS, method="POST", data={}),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
