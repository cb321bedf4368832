"""Members indexed before polyphonic surnames were read as surnames are found by that reading after
`flask db upgrade` (migration 609595237700), and running the re-index again changes nothing (#19)."""

from __future__ import annotations

import importlib.util

import flask_migrate
from sqlalchemy import MetaData, insert

from meetingprep import PROJECT_ROOT, create_app
from meetingprep.attendance.queries import search_members
from meetingprep.extensions import db
from meetingprep.timeutil import now

BEFORE = "92c524c48c1a"
MIGRATION = (PROJECT_ROOT / "meetingprep" / "migrations" / "versions"
             / "609595237700_members_reindexed_by_surname_readings.py")


def _migration():
    spec = importlib.util.spec_from_file_location("reindex_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_old_members_are_found_by_their_surname_reading_after_the_upgrade(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'upgraded.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"})
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        # The rows as that revision's tables hold them (reflected: today's models have columns added since).
        tables = MetaData()
        tables.reflect(bind=db.session.connection(), only=["meetings", "member_profiles"])
        moment = now()
        meeting_id = db.session.execute(insert(tables.tables["meetings"]).returning(tables.tables["meetings"].c.id), {
            "name": "政协第十届测试市委员会第四次会议", "short_name": "", "opens_at": moment, "closes_at": moment,
            "venue": "", "description": "", "is_current": True, "created_at": moment, "version_id": 1}).scalar_one()
        blank = {"sector": "", "committee": "", "is_standing": False, "unit": "", "position": "", "phone": "",
                 "qr_generation": 1, "version_id": 1, "meeting_id": meeting_id}
        db.session.execute(insert(tables.tables["member_profiles"]), [
            {**blank, "member_no": "0001", "name": "曾芳峰", "pinyin": "cengfangfeng",
             "initials": "cff"},  # as the roster indexed him before
            {**blank, "member_no": "0002", "name": "张三", "pinyin": "zhangsan", "initials": "zs"}])
        db.session.commit()
        assert search_members(meeting_id, "zff") == []
        db.session.remove()  # its transaction would hold SQLite's write lock against the migration's

        flask_migrate.upgrade()
        assert [row.name for row in search_members(meeting_id, "zff")] == ["曾芳峰"]
        assert [row.name for row in search_members(meeting_id, "cff")] == ["曾芳峰"]
        assert [row.name for row in search_members(meeting_id, "zs")] == ["张三"]
        db.session.remove()
        with db.engine.begin() as connection:
            assert _migration().reindex(connection) == 0  # idempotent: nothing left to change
        db.engine.dispose()
