"""Backups (S21.3: business data at least weekly; the customer archive at once after a bulk change).

A backup is one consistent snapshot: SQLite's online backup API, or pg_dump inside an exported snapshot on
PostgreSQL. The manifest beside it holds a row count and a content hash per table, computed from that same snapshot,
so `restore` can prove the restored database is exactly what was saved. Restore checks the checksums first.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.core.errors import Invalid, ServiceError
from app.customers import change_log
from app.extensions import db
from app.platform import backup_files

ADVISORY_LOCK = 0x4746_4255  # "GFBU": one scheduled backup at a time across scheduler processes


class BackupFailed(ServiceError):
    status, code = 500, "backup_failed"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    tables: dict[str, dict]


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    tables: dict[str, dict]


def _settings():
    return current_app.config["GASFLOW"]


def backup_dir() -> Path:
    return _settings().backups


def table_digests(connection: sa.Connection) -> dict[str, dict]:
    """Row count and sha256 of every table's rows in primary-key order, as the driver returns them."""
    inspector = sa.inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    result = {}
    for table in sorted(inspector.get_table_names()):
        key = inspector.get_pk_constraint(table).get("constrained_columns") or [
            c["name"] for c in inspector.get_columns(table)
        ]
        order = ", ".join(quote(c) for c in key)
        digest, rows = hashlib.sha256(), 0
        for row in connection.exec_driver_sql(f"SELECT * FROM {quote(table)} ORDER BY {order}"):
            digest.update(repr(tuple(row)).encode("utf-8"))
            rows += 1
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


@contextlib.contextmanager
def _pg_target(url: sa.URL) -> Iterator[list[str]]:
    """libpq arguments for pg_dump/pg_restore. A password goes in a private passfile named by the connection string,
    never on the command line where `ps` shows it."""
    plain = url.set(drivername="postgresql", password=None)
    if not url.password:
        yield ["--dbname", plain.render_as_string(hide_password=False)]
        return
    with tempfile.TemporaryDirectory() as folder:
        passfile = Path(folder) / "pgpass"
        fields = [url.host or "*", str(url.port or "*"), url.database or "*", url.username or "*"]
        escaped = [f.replace("\\", "\\\\").replace(":", "\\:") for f in [*fields, str(url.password)]]
        passfile.write_text(":".join(escaped) + "\n")
        passfile.chmod(0o600)
        with_passfile = plain.update_query_dict({"passfile": str(passfile)})
        yield ["--dbname", with_passfile.render_as_string(hide_password=False)]


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        raise BackupFailed(f"找不到 {name}，请安装 PostgreSQL 客户端工具 ({name} not found)")
    return path


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{Path(args[0]).name} 失败 (failed): {done.stderr.strip()[-2000:]}")


def _snapshot_sqlite(target: Path) -> dict[str, dict]:
    source = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            source.driver_connection.backup(copy)  # a consistent copy even while others write
        finally:
            copy.close()
    finally:
        source.close()
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return table_digests(connection)
    finally:
        engine.dispose()


def _snapshot_postgres(target: Path) -> dict[str, dict]:
    with (
        _pg_target(db.engine.url) as args,
        db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
        connection.begin(),
    ):
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        tables = table_digests(connection)  # the same snapshot pg_dump reads
        _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(target), *args])
    return tables


def create_backup(directory: Path | None = None) -> BackupResult:
    """Write a snapshot with its manifest and checksum file into the backup directory (default from settings)."""
    backend = db.engine.dialect.name
    backup = backup_files.new_set(directory or backup_dir(), backend, clock.now())
    # S21.3: the archive's change log since the last snapshot ships with this one; a new log starts first, so an edit
    # made while the snapshot is taken is in the new log as well (replaying a whole record twice changes nothing).
    change_log.rotate(backup.snapshot.with_name(backup.snapshot.name + change_log.SUFFIX))
    partial = backup.snapshot.with_name(backup.snapshot.name + ".partial")
    try:
        tables = _snapshot_sqlite(partial) if backend == "sqlite" else _snapshot_postgres(partial)
        partial.rename(backup.snapshot)
    finally:
        partial.unlink(missing_ok=True)
    manifest = {"backend": backend, "created_at": clock.now().isoformat(), "tables": tables}
    return BackupResult(backup.snapshot, backup_files.seal(backup, manifest), tables)


def restore(snapshot: Path) -> RestoreResult:
    """Replace this database with the snapshot, after its checksum verifies; then prove every table matches."""
    manifest = backup_files.verify(snapshot)
    backend = db.engine.dialect.name
    if manifest.get("backend") != backend:
        raise Invalid(f"备份来自 {manifest.get('backend')}，当前数据库是 {backend}，不能直接恢复 (backend mismatch)")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if backend == "sqlite":
        source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        target = sqlite3.connect(db.engine.url.database)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        restore_args = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
        with _pg_target(db.engine.url) as args:
            _run([_tool("pg_restore"), *restore_args, "--exit-on-error", *args, str(snapshot)])
    db.engine.dispose()
    with db.engine.connect() as connection:
        tables = table_digests(connection)
    if tables != manifest["tables"]:
        differing = sorted(
            t for t in set(tables) | set(manifest["tables"]) if tables.get(t) != manifest["tables"].get(t)
        )
        raise BackupFailed(
            f"恢复后数据与备份清单不一致 (restored data differs from the manifest): {', '.join(differing)}"
        )
    return RestoreResult(snapshot, tables)


def scheduled_backup() -> BackupResult | None:
    """The weekly job (app/scheduler.py): back up, then keep the newest N. On PostgreSQL only one scheduler process
    does it (advisory lock); the others skip."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            if not connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_LOCK})").scalar_one():
                return None
            try:
                return _backup_and_prune()
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK})")
    return _backup_and_prune()


def _backup_and_prune() -> BackupResult:
    result = create_backup()
    backup_files.prune(result.path.parent, _settings().backup_keep)
    return result
