"""Backup → restore into a fresh instance gives back every table's rows and every uploaded file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from meetingprep import create_app, uploads
from meetingprep.audit import record
from meetingprep.extensions import db
from meetingprep.ops.sessions import start_session
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def _instance(tmp_path: Path, name: str, database_url: str):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / name), "SECRET_KEY": "k",
                       "DATABASE_URL": database_url})


def _fill(app) -> None:
    with app.app_context():
        db.create_all()
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        group = factories.make_group(meeting, name="材料组")
        user = factories.make_user("secretariat", username="backup_user", group=group, is_lead=True)
        start_session(user, ip="10.0.0.1", user_agent="浏览器")
        record(db.session, "login", user, actor=user, message="登录")
        for index, (data, name, kind) in enumerate([(b"first file", "a.txt", "txt"),
                                                    ("第二个文件".encode(), "说明.md", "md"),
                                                    (b"%PDF-1.4 pdf body", "x.pdf", "pdf")]):
            uploads.store_bytes(db.session, data * (index + 1), name, kind)
        db.session.commit()
        db.session.remove()


def _snapshot(app) -> tuple[dict, dict]:
    with app.app_context():
        rows = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows[table.name] = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
        root = uploads.upload_root()
        files = {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
                 for path in root.rglob("*") if path.is_file()}
        db.engine.dispose()
    return rows, files


def _round_trip(tmp_path, source, target):
    _fill(source)
    result = source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "backups").glob("meetingprep-*.tar.gz")
    assert str(archive) in result.output

    result = target.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert "上传文件 3 个" in result.output
    before, after = _snapshot(source), _snapshot(target)
    assert before[0]["users"] and before[0]["user_sessions"] and before[0]["audit_entries"]
    # the data version moves past the restored one, so no worker serves what it held before the restore
    (restored_version,), (version_after,) = before[0].pop("data_version"), after[0].pop("data_version")
    assert version_after.version > restored_version.version
    assert before[0] == after[0]
    assert len(before[1]) == 3 and before[1] == after[1]
    return archive, result.output


def test_sqlite_round_trip(tmp_path):
    source = _instance(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite'}")
    target = _instance(tmp_path, "b", f"sqlite:///{tmp_path / 'b.sqlite'}")
    stray = Path(target.config["UPLOAD_FOLDER"]) / "zz" / "stray.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("not in the backup")
    archive, _ = _round_trip(tmp_path, source, target)
    assert not stray.exists()  # the upload folder is the backup's, not a mixture

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == 1 and manifest["database"] == "sqlite"
    assert manifest["files"][0]["path"] == "database.sqlite"
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])


def test_backup_while_another_connection_writes(tmp_path):
    """The online backup API gives a consistent copy even while the service holds the database."""
    source = _instance(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite'}")
    _fill(source)
    with source.app_context():
        factories.make_meeting(name="未提交的会议")  # an open write transaction in the running service
        result = source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "out")])
        db.session.rollback()
    assert result.exit_code == 0, result.output


def _rewrite(archive: Path, target: Path, change) -> None:
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            member, data = change(member, data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_restore_refuses_a_tampered_archive_and_changes_nothing(tmp_path):
    source = _instance(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite'}")
    _fill(source)
    source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backups")])
    (archive,) = (tmp_path / "backups").glob("*.tar.gz")
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, lambda m, d: (m, b"evil" if m.name.endswith(".txt") else d))

    target = _instance(tmp_path, "b", f"sqlite:///{tmp_path / 'b.sqlite'}")
    with target.app_context():
        db.create_all()
        factories.make_user(username="keep_me")
        db.session.commit()
    result = target.test_cli_runner().invoke(args=["restore", str(tampered), "--yes"])
    assert result.exit_code != 0 and "校验和不符" in result.output
    with target.app_context():
        assert db.session.scalar(text("SELECT username FROM users")) == "keep_me"
        db.engine.dispose()


def test_restore_refuses_path_traversal(tmp_path):
    source = _instance(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite'}")
    _fill(source)
    source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backups")])
    (archive,) = (tmp_path / "backups").glob("*.tar.gz")
    hostile = tmp_path / "hostile.tar.gz"

    def escape(member, data):
        if member.name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][1]["path"] = "uploads/../../escaped.txt"
            return member, json.dumps(manifest).encode()
        return member, data

    _rewrite(archive, hostile, escape)
    target = _instance(tmp_path, "b", f"sqlite:///{tmp_path / 'b.sqlite'}")
    result = target.test_cli_runner().invoke(args=["restore", str(hostile), "--yes"])
    assert result.exit_code != 0 and "不安全" in result.output
    assert not list(tmp_path.rglob("escaped.txt"))


def test_restore_asks_before_overwriting(tmp_path):
    source = _instance(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite'}")
    _fill(source)
    source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backups")])
    (archive,) = (tmp_path / "backups").glob("*.tar.gz")
    result = source.test_cli_runner().invoke(args=["restore", str(archive)], input="n\n")
    assert result.exit_code != 0 and "确定继续吗" in result.output


@pytest.fixture
def two_postgres_databases():
    if not TEST_DATABASE_URL:
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    names = [f"mp_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    server = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(TEST_DATABASE_URL).set(password="not-printed-pw")
    yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    with server.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_postgresql_round_trip(tmp_path, two_postgres_databases):
    url_a, url_b = two_postgres_databases
    _, output = _round_trip(tmp_path, _instance(tmp_path, "a", url_a), _instance(tmp_path, "b", url_b))
    assert "not-printed-pw" not in output


def test_restore_elsewhere_keeps_the_secret_key_and_says_what_it_restored(tmp_path):
    """Restored on another machine, every printed QR code and iCal link must still verify: the backup
    carries instance/secret_key (and config.py), and the restore says what it put back."""
    def instance(name, database):
        return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / name),
                           "DATABASE_URL": f"sqlite:///{tmp_path / database}"})

    source = instance("a", "a.sqlite")  # no SECRET_KEY given: generated into instance/secret_key
    (tmp_path / "a" / "config.py").write_text("PAGE_SIZE = 30\n")
    _fill(source)
    result = source.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0 and "密钥" in result.output, result.output
    (archive,) = (tmp_path / "backups").glob("meetingprep-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert {"instance/secret_key", "instance/config.py"} <= set(tar.getnames())

    target = instance("b", "b.sqlite")
    assert target.config["SECRET_KEY"] != source.config["SECRET_KEY"]
    result = target.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    for said in ("数据库（sqlite）", "上传文件 3 个", "密钥 secret_key", "配置文件 config.py", "重新启动"):
        assert said in result.output, (said, result.output)
    restarted = instance("b", "b.sqlite")
    assert restarted.config["SECRET_KEY"] == source.config["SECRET_KEY"]
    assert restarted.config["PAGE_SIZE"] == 30
    assert oct((tmp_path / "b" / "secret_key").stat().st_mode & 0o777) == "0o600"

    # a second restore keeps the config.py now in place and puts the backup's beside it
    (tmp_path / "b" / "config.py").write_text("PAGE_SIZE = 40\n")
    result = target.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert "config.py.from-backup" in result.output
    assert (tmp_path / "b" / "config.py").read_text() == "PAGE_SIZE = 40\n"
