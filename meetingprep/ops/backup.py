"""Backup and restore: the database, every uploaded file and the instance's own settings (the secret key,
``config.py``) in one ``.tar.gz`` with a manifest.

The secret key signs every printed QR code, iCal link and login cookie: a restore without it gives a
working database whose every issued link silently dies, so it travels with the data.

SQLite is copied through its online backup API (consistent while the service runs); PostgreSQL
through ``pg_dump -Fc`` / ``pg_restore``, with connection details taken from the SQLAlchemy URL and
the password passed in the environment, never on a command line or in a message. A restore checks
every file's SHA-256 against the manifest before it touches anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy.engine import URL, make_url

from meetingprep import data_version
from meetingprep.extensions import db
from meetingprep.timeutil import now
from meetingprep.uploads import upload_root

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
UPLOADS_PREFIX = "uploads/"
#: Files of the instance folder a working installation needs besides the database and the uploads.
INSTANCE_MEMBERS = {"instance/secret_key": "secret_key", "instance/config.py": "config.py"}


class BackupError(Exception):
    """Something an operator must fix; the message says what, in Chinese."""


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def database_kind() -> str:
    backend = _database_url().get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份这种数据库：{backend}")
    return backend


def _sqlite_path() -> Path:
    database = _database_url().database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复。")
    return Path(database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ── PostgreSQL tools ────────────────────────────────────────────────────────────────────────────
def _pg_command(tool: str, *args: str) -> tuple[list[str], dict]:
    url = _database_url()
    command = [tool]
    if url.host:
        command += ["--host", url.host]
    if url.port:
        command += ["--port", str(url.port)]
    if url.username:
        command += ["--username", url.username]
    command += ["--no-password", *args]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return command, env


def _run_pg(tool: str, *args: str) -> None:
    command, env = _pg_command(tool, *args)
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端工具（postgresql-client）。") from error
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败：{result.stderr.strip()[-1000:]}")


# ── backup ──────────────────────────────────────────────────────────────────────────────────────
def _dump_database(kind: str, target: Path) -> None:
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        _run_pg("pg_dump", "--format=custom", "--no-owner", "--file", str(target),
                "--dbname", _database_url().database or "")


def _upload_files() -> list[tuple[str, Path]]:
    root = upload_root()
    if not root.exists():
        return []
    return sorted((UPLOADS_PREFIX + path.relative_to(root).as_posix(), path)
                  for path in root.rglob("*") if path.is_file() and path.suffix != ".part")


def _instance_files() -> list[tuple[str, Path]]:
    instance = Path(current_app.instance_path)
    return [(name, instance / filename) for name, filename in INSTANCE_MEMBERS.items()
            if (instance / filename).is_file()]


def secret_key_source() -> str:
    """Where this installation's SECRET_KEY comes from: "file" (instance/secret_key, generated once and
    backed up), "config" (instance/config.py, backed up too) or "environment" (not in any backup: the
    operator keeps it, and the backup command says so)."""
    instance = Path(current_app.instance_path)
    key = current_app.config.get("SECRET_KEY")
    key_file = instance / "secret_key"
    if key_file.is_file() and key_file.read_text().strip() == key:
        return "file"
    if os.environ.get("MEETINGPREP_SECRET_KEY") == key:
        return "environment"
    return "config"


def create_backup(output_dir: Path) -> Path:
    """Write ``meetingprep-<time>.tar.gz`` into ``output_dir`` and return its path."""
    kind = database_kind()
    output_dir.mkdir(parents=True, exist_ok=True)
    created_at = now()
    archive = output_dir / f"meetingprep-{created_at:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        database_file = Path(work) / DATABASE_MEMBERS[kind]
        _dump_database(kind, database_file)
        members = [(DATABASE_MEMBERS[kind], database_file), *_instance_files(), *_upload_files()]
        manifest = {
            "format": FORMAT_VERSION, "app": "meetingprep", "created_at": created_at.isoformat(),
            "database": kind, "secret_key": secret_key_source(),
            "files": [{"path": name, "size": path.stat().st_size, "sha256": _sha256(path)} for name, path in members],
        }
        partial = archive.with_name(archive.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(created_at.timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        partial.replace(archive)
    return archive


# ── restore ─────────────────────────────────────────────────────────────────────────────────────
def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError("这不是 MeetingPrep 的备份文件（缺少 manifest.json）。") from error
    if manifest.get("app") != "meetingprep" or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"备份格式不受支持（format={manifest.get('format')}）。")
    return manifest


def _extract_verified(tar: tarfile.TarFile, manifest: dict, work: Path) -> None:
    """Extract exactly the files the manifest lists, each checked against its SHA-256."""
    allowed = {DATABASE_MEMBERS[manifest["database"]], *INSTANCE_MEMBERS}
    for entry in manifest["files"]:
        name = entry["path"]
        if not _safe_member_name(name) or not (name in allowed or name.startswith(UPLOADS_PREFIX)):
            raise BackupError(f"备份中有不安全的文件名：{name}")
        try:
            member = tar.getmember(name)
        except KeyError as error:
            raise BackupError(f"备份不完整：缺少 {name}") from error
        if not member.isfile():
            raise BackupError(f"备份中的 {name} 不是普通文件。")
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, open(target, "wb") as handle:
            shutil.copyfileobj(source, handle)
        if _sha256(target) != entry["sha256"]:
            raise BackupError(f"备份已损坏：{name} 的校验和不符。")


def _restore_database(kind: str, dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        source = sqlite3.connect(dump)
        destination = sqlite3.connect(_sqlite_path(), timeout=current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        _run_pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                "--dbname", _database_url().database or "", str(dump))


def _swap_uploads(restored: Path) -> None:
    root = upload_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    previous = root.with_name(f"{root.name}.before-restore")
    shutil.rmtree(previous, ignore_errors=True)
    if root.exists():
        root.rename(previous)
    if restored.exists():
        shutil.move(str(restored), str(root))
    else:
        root.mkdir()
    shutil.rmtree(previous, ignore_errors=True)


def _restore_instance_files(work: Path, manifest: dict) -> list[str]:
    """The secret key replaces this installation's (every issued QR code and iCal link works again); a
    ``config.py`` is put in place only where there is none — the one here may name another database
    server — and otherwise beside it, for the operator to compare. Returns what was done, in Chinese."""
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    done = []
    names = {entry["path"] for entry in manifest["files"]}
    if "instance/secret_key" in names:
        target = instance / "secret_key"
        shutil.copyfile(work / "instance/secret_key", target)
        target.chmod(0o600)
        done.append("密钥 secret_key（已签发的二维码、日历订阅和登录保持有效）")
    elif manifest.get("secret_key") == "environment":
        done.append("密钥不在备份中（原安装的 SECRET_KEY 来自环境变量，请在本机设置同一个值）")
    if "instance/config.py" in names:
        target = instance / "config.py"
        if target.exists():
            target = instance / "config.py.from-backup"
            done.append(f"配置文件另存为 {target.name}（本机已有 config.py，未覆盖，请对照修改）")
        else:
            done.append("配置文件 config.py")
        shutil.copyfile(work / "instance/config.py", target)
        target.chmod(0o600)
    return done


def restore_backup(archive: Path) -> dict:
    """Replace the database, the upload folder and the instance's secret key with the archive's (and its
    config.py where there is none). Returns the manifest with ``restored``: what was done, in Chinese."""
    kind = database_kind()
    with tarfile.open(archive, "r:gz") as tar:
        manifest = _read_manifest(tar)
        if manifest.get("database") != kind:
            raise BackupError(f"备份来自 {manifest.get('database')} 数据库，当前配置的是 {kind}，无法直接恢复。")
        work_root = upload_root().parent
        work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work_root, prefix=".restore-") as work:
            work_path = Path(work)
            _extract_verified(tar, manifest, work_path)
            previous_version = data_version.read_outside(db.engine)
            _restore_database(kind, work_path / DATABASE_MEMBERS[kind])
            data_version.move_past(db.engine, previous_version)
            _swap_uploads(work_path / UPLOADS_PREFIX.rstrip("/"))
            uploads = sum(1 for entry in manifest["files"] if entry["path"].startswith(UPLOADS_PREFIX))
            manifest["restored"] = [f"数据库（{kind}）", f"上传文件 {uploads} 个",
                                    *_restore_instance_files(work_path, manifest)]
    return manifest
