"""Alembic migrations are the only way the schema is made: they must build exactly what the models describe."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from app.extensions import db
from app.settings import Settings, postgres_test_url


def _empty_url(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    base = postgres_test_url()
    name = f"gasflow_migrations_{os.getpid()}"  # one per test process: suites running side by side never collide
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_build_the_models_schema(backend, tmp_path):
    if backend == "postgresql" and not postgres_test_url():
        pytest.skip("GASFLOW_TEST_POSTGRES not set")
    from flask_migrate import downgrade, upgrade

    url = _empty_url(backend, tmp_path)
    app = create_app(Settings(database_url=url, instance_dir=tmp_path, secret_key="x", testing=True))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() in ([], ["alembic_version"])
        db.session.remove()
        db.engine.dispose()
    if backend == "postgresql":
        admin = sa.create_engine(postgres_test_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def test_events_from_before_keyed_history_survive_the_migration_and_are_adopted(tmp_path):
    """Issue 13 §8: the audit migration adds key_id/mac without touching older events; their sha256 chain still
    verifies, they are named as unkeyed, and adoption keys them without changing a hash."""
    from flask_migrate import upgrade

    from app.platform import history

    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    app = create_app(Settings(database_url=url, instance_dir=tmp_path, secret_key="x", testing=True))
    with app.app_context():
        upgrade(revision="20261129_outbox")  # the schema before keyed history
        at = "2026-03-02 01:00:00.000000"
        rows = []
        prev = history.GENESIS
        from datetime import UTC, datetime

        for seq, kind in enumerate(["started", "task_ready"], start=1):
            digest = history.event_hash(prev, 1, seq, datetime(2026, 3, 2, 1, tzinfo=UTC), "kf_agent", kind, None,
                                        "{}", None)  # fmt: skip
            rows.append((seq, kind, prev, digest))
            prev = digest
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, name, kind) VALUES (1, '客服中心', 'csc')"))
            conn.execute(sa.text("INSERT INTO process_definition (id, key, version, name, content_hash, xml, deployed_at)"
                                 " VALUES (1, 'p', 1, 'p', 'h', '<x/>', :at)"), {"at": at})  # fmt: skip
            conn.execute(
                sa.text("INSERT INTO process_instance (id, definition_id, process_key, status, state_json, revision,"
                        " started_at, event_seq, event_hash) VALUES (1, 1, 'p', 'running', '{}', 1, :at, 2, :head)"),
                {"at": at, "head": prev},
            )  # fmt: skip
            for seq, kind, before, digest in rows:
                conn.execute(
                    sa.text("INSERT INTO event (instance_id, seq, at, actor, kind, payload_json, prev_hash, hash)"
                            " VALUES (1, :seq, :at, 'kf_agent', :kind, '{}', :prev, :hash)"),
                    {"seq": seq, "at": at, "kind": kind, "prev": before, "hash": digest},
                )  # fmt: skip
        upgrade()
        report = history.verify_chain(1)
        assert not report.ok and report.first_broken_seq is None and report.unkeyed == 2
        assert history.adopt_legacy() == 2
        assert history.verify_chain(1).ok
        with db.engine.connect() as conn:
            assert [r[0] for r in conn.execute(sa.text("SELECT hash FROM event ORDER BY seq"))] == [r[3] for r in rows]
        db.session.remove()
        db.engine.dispose()
