import datetime as dt

import pytest
from sqlalchemy import text

from meetingprep import create_app
from meetingprep.extensions import db
from meetingprep.ops.heartbeat import beat
from meetingprep.ops.views import migration_heads
from tests import factories


def stamp(*revisions: str) -> None:
    """What ``flask db upgrade`` leaves behind: the revision the schema is at (the tests build it with
    create_all). No revision: an unmigrated database."""
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    if revisions:
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        for revision in revisions:
            db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
    db.session.commit()


@pytest.fixture
def migrated(app):
    stamp(*migration_heads())


def test_healthz_answers_without_database_or_cookie(app, client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert counter.count == 0
    assert "Set-Cookie" not in response.headers


def test_healthz_with_a_login_cookie_still_skips_the_database(app, client, login, count_queries):
    login(factories.make_user())
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200 and counter.count == 0
    assert "Set-Cookie" not in response.headers


def test_readyz_ok_with_a_recent_heartbeat(app, client, migrated, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC), tick=False)  # no age from a busy machine
    beat("scheduler")
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["schema"]["ok"] is True and body["checks"]["schema"]["current"] == sorted(migration_heads())
    assert body["checks"]["scheduler"]["ok"] is True
    assert body["checks"]["scheduler"]["age_seconds"] == 0
    assert "Set-Cookie" not in response.headers


def test_readyz_fails_when_the_heartbeat_is_stale(app, client, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC), tick=False)
    beat("scheduler")
    db.session.commit()
    time_machine.move_to(dt.datetime(2026, 1, 10, 8, 11, tzinfo=dt.UTC), tick=False)
    response = client.get("/readyz")
    assert response.status_code == 503
    scheduler = response.get_json()["checks"]["scheduler"]
    assert scheduler["ok"] is False and scheduler["age_seconds"] == 660


def test_readyz_fails_without_any_heartbeat(app, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["last_beat"] is None


@pytest.mark.parametrize("revisions", [(), ("6b7a08e00384",)], ids=["unmigrated", "behind"])
def test_readyz_fails_on_a_database_not_at_the_migration_head(app, client, revisions):
    app.config["SCHEDULER_EXPECTED"] = False
    beat("scheduler")
    db.session.commit()
    stamp(*revisions)
    response = client.get("/readyz")
    assert response.status_code == 503
    schema = response.get_json()["checks"]["schema"]
    assert schema["ok"] is False and "db upgrade" in schema["error"]
    assert schema["head"] == sorted(migration_heads()) and schema["current"] == list(revisions)


def test_readyz_fails_on_an_empty_database(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}", "SCHEDULER_EXPECTED": False})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["schema"]["error"].startswith("数据库尚未初始化")


def test_readyz_only_reports_the_scheduler_when_not_expected(app, client, migrated):
    app.config["SCHEDULER_EXPECTED"] = False
    response = client.get("/readyz")
    assert response.status_code == 200
    scheduler = response.get_json()["checks"]["scheduler"]
    assert scheduler["ok"] is True and scheduler["expected"] is False and "error" in scheduler


def test_readyz_fails_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"] is False
    assert "postgres" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_public(client, path, app):
    assert client.get(path).status_code in (200, 503)
