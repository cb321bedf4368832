"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

Not tied to a revision id: it upgrades an empty database to head and asks Alembic's autogenerate
for the difference, which must be empty.
"""

from __future__ import annotations

import os
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text

from meetingprep import create_app
from meetingprep.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def _schema_diff_after_upgrade(url: str, tmp_path) -> list:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"})
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            tables = set(conn.dialect.get_table_names(conn))
        db.engine.dispose()
    assert "alembic_version" in tables and "users" in tables
    return diff


def test_migrations_match_models_on_sqlite(tmp_path):
    assert _schema_diff_after_upgrade(f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path) == []


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL check needs TEST_DATABASE_URL")
def test_migrations_match_models_on_postgresql(tmp_path):
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        assert _schema_diff_after_upgrade(url, tmp_path) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
