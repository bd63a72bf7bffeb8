"""Shared fixtures: an app per test on a fresh database — SQLite always, PostgreSQL too when GASFLOW_TEST_POSTGRES is
set (CI sets it). Tests get the schema from the models here (create_all is allowed in tests only); the migrations are
checked against the models in tests/integration/test_migrations.py."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.settings import Settings, postgres_test_url

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_BPMN = FIXTURES / "platform_sample.bpmn"
PASSWORD = "correct-horse-battery"

BACKENDS = ["sqlite"] + (["postgresql"] if postgres_test_url() else [])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _create_schema(url: str) -> None:
    import app.models  # noqa: F401
    from app.extensions import db

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
        db.metadata.create_all(conn)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _create_schema(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """One database per test session and xdist worker, schema made once, dropped at the end; each test truncates it."""
    base = postgres_test_url()
    name = f"gasflow_test_{_worker()}_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    _create_schema(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    from app.extensions import db

    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gasflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        instance_dir=tmp_path / "instance",
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        extra_forms_dirs=(FIXTURES / "forms",),
        secret_key="test-secret",
        time_travel=True,
        script_timeout_seconds=0.5,
        password_hash_method="pbkdf2:sha256:1000",
        max_task_data_bytes=200_000,
        testing=True,
    )


@pytest.fixture
def app(settings):
    from app.calendar import admin as calendar_admin
    from app.extensions import db

    application = create_app(settings)
    with application.app_context():
        calendar_admin.seed_from_package()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Person:
    user: object
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def people(app):
    """The demo directory plus a token per demo user and system client: people["kf_agent"].headers,
    people["billing"].headers ..."""
    from app import demo
    from app.org import users

    demo.load_directory()
    names = [name for name, *_ in demo.DEMO_USERS] + [name for name, _ in demo.DEMO_SYSTEMS]
    return {name: Person(users.get_by_username(name), users.issue_token(name)) for name in names}


@pytest.fixture
def sample(app, people):
    """The platform sample process (two lanes, gateway, boundary timer, message) deployed (after the directory: a lane
    must reach people)."""
    from app.platform import definitions

    row, _ = definitions.deploy(SAMPLE_BPMN.read_bytes(), SAMPLE_BPMN.name)
    return row


@pytest.fixture
def at():
    """Move the clock: at("2026-03-02T09:00:00+08:00") stops every later clock.now() in this process there (until moved
    again) and stores the same instant as the time-travel offset, so other processes (schedulers) agree."""
    from datetime import datetime

    from app import clock
    from app.platform import clock_admin

    def move(iso: str):
        target = datetime.fromisoformat(iso)
        clock.freeze(None)
        clock_admin.set_clock(target)
        clock.freeze(target)
        return target

    yield move
    clock.freeze(None)


# Every role at once: the API fuzzer reaches the admin, owner and auditor operations too, not only their 403s.
FUZZER_ROLES = ["admin", "staff", "head", "process_owner", "auditor"]


def _module_database(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("live") / "gasflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


def _stamp_migrated(application) -> None:
    """The schema comes from the models; record it as migrated to the head, as `gasflow setup` would (/readyz)."""
    from app.extensions import db
    from app.platform import readiness

    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(sa.text("DELETE FROM alembic_version"))
        for head in readiness._heads(application):
            conn.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


@pytest.fixture(scope="module", params=BACKENDS)
def live_api(request, tmp_path_factory):
    """A live server over real HTTP on its own fresh database for one test module (tests/fuzz, tests/security): the
    company's diagrams and the sample process, the demo directory plus ``fuzzer`` (every role), a token for each, three
    sample cases so ids near 1 name something real."""
    from app import clock, demo
    from app.calendar import admin as calendar_admin
    from app.extensions import db
    from app.org import users
    from app.platform import definitions, instances
    from tests.live import LiveApi, serving

    settings = Settings(
        database_url=_module_database(request, tmp_path_factory),
        instance_dir=tmp_path_factory.mktemp("live-instance"),
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        extra_forms_dirs=(FIXTURES / "forms",),
        secret_key="live-secret",
        time_travel=True,
        script_timeout_seconds=0.5,
        password_hash_method="pbkdf2:sha256:1000",
        max_task_data_bytes=200_000,
        testing=True,
    )
    application = create_app(settings)
    with application.app_context():
        calendar_admin.seed_from_package()
        demo.load_directory()
        users.add_user("fuzzer", PASSWORD, "客服中心", FUZZER_ROLES, "模糊测试")
        names = ["fuzzer"] + [name for name, *_ in demo.DEMO_USERS] + [name for name, _ in demo.DEMO_SYSTEMS]
        tokens = {name: users.issue_token(name) for name in names}
        definitions.deploy(SAMPLE_BPMN.read_bytes(), SAMPLE_BPMN.name)
        definitions.deploy_paths([ROOT / "processes"])
        for _ in range(3):
            instances.start("platform_sample", {"customer_name": "张三"}, users.get_by_username("fuzzer"))
        _stamp_migrated(application)
        db.session.remove()
    try:
        with serving(application) as base:
            yield LiveApi(base, application, tokens)
    finally:
        with application.app_context():
            with db.engine.begin() as conn:  # the PostgreSQL database is the session's: leave it as found
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()
        clock.install_offset_source(None)
