"""Alembic migrations are the only way the schema is made: they must build exactly what the models describe."""

from __future__ import annotations

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
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "gasflow_migrations" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "gasflow_migrations"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/gasflow_migrations"


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
