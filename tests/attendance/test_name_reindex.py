"""Members indexed before polyphonic surnames were read as surnames are found by that reading after
`flask db upgrade` (migration 609595237700), and running the re-index again changes nothing (#19)."""

from __future__ import annotations

import importlib.util

import flask_migrate

from meetingprep import PROJECT_ROOT, create_app
from meetingprep.attendance.queries import search_members
from meetingprep.extensions import db
from tests import factories

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
        meeting = factories.make_meeting()
        old = factories.make_member(meeting, name="曾芳峰")
        old.pinyin, old.initials = "cengfangfeng", "cff"  # as the roster indexed him before
        factories.make_member(meeting, name="张三")
        db.session.commit()
        assert search_members(meeting.id, "zff") == []
        db.session.remove()  # its transaction would hold SQLite's write lock against the migration's

        flask_migrate.upgrade()
        assert [row.name for row in search_members(meeting.id, "zff")] == ["曾芳峰"]
        assert [row.name for row in search_members(meeting.id, "cff")] == ["曾芳峰"]
        assert [row.name for row in search_members(meeting.id, "zs")] == ["张三"]
        db.session.remove()
        with db.engine.begin() as connection:
            assert _migration().reindex(connection) == 0  # idempotent: nothing left to change
        db.engine.dispose()
