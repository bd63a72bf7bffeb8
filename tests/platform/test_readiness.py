"""Health that tells the truth (issue 18 §3): /healthz says the process is alive; /readyz says whether it can work now —
a write gets through within the deadline, the schema is at head, its scheduler beats, no script worker is stuck."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.platform import heartbeat, readiness


@pytest.fixture
def stamped(app):
    """The test schema comes from the models; record it as migrated to the head, as `gasflow setup` would."""
    heads = readiness._heads(app)
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(sa.text("DELETE FROM alembic_version"))
        for head in heads:
            conn.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    app.config["GASFLOW"] = app.config["GASFLOW"].with_overrides(ready_deadline_seconds=0.5)
    yield app
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))


class _Running:
    """What readiness asks of this process's scheduler: is it running."""

    running = True


def _ready_eventually(client, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_readyz_is_ready_when_every_check_passes(stamped, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert set(checks) == {"database", "migrations", "scripts"}  # no scheduler in this process: not checked
    assert all(c["ok"] for c in checks.values())


def test_healthz_only_says_the_process_is_alive(stamped, client, database_url):
    """A load balancer must not restart a live process for a slow database: /healthz touches no database."""
    with _write_lock(database_url):
        assert client.get("/healthz").json == {"status": "ok"}


class _write_lock:
    """Another connection holds the write lock, as a runaway transaction would."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.engine = sa.create_engine(self.url)
            self.conn = self.engine.connect()
            self.tx = self.conn.begin()
            self.conn.execute(sa.text("LOCK TABLE app_setting IN EXCLUSIVE MODE"))
        return self

    def __exit__(self, *exc):
        if self.url.startswith("sqlite"):
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.tx.rollback()
            self.conn.close()
            self.engine.dispose()


def test_readyz_is_unready_while_no_write_gets_through(stamped, client, database_url):
    """The failure /healthz used to miss: every write blocked (here by another connection's write lock)."""
    with _write_lock(database_url):
        started = time.monotonic()
        response = client.get("/readyz")
        assert time.monotonic() - started < 3  # answered on time, whatever the database does
        assert response.status_code == 503 and response.json["status"] == "unready"
        assert not response.json["checks"]["database"]["ok"]
        assert "within 0.5 s" in response.json["checks"]["database"]["detail"]
        again = client.get("/readyz")  # the first probe still waits: no second thread piles up behind it
        assert again.status_code == 503 and "still waiting" in again.json["checks"]["database"]["detail"]
    assert _ready_eventually(client).status_code == 200  # the lock gone, ready again


def test_readyz_is_unready_when_the_schema_is_behind(stamped, client):
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '20261129_sessions'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "gasflow setup" in response.json["checks"]["migrations"]["detail"]


def test_readyz_is_unready_when_this_process_scheduler_heartbeat_is_stale(stamped, client, monkeypatch):
    stamped.extensions["gasflow_scheduler"] = _Running()
    stamped.extensions["gasflow_scheduler_started"] = time.monotonic() - 600
    monkeypatch.setattr(heartbeat, "_last_beat", None)
    response = client.get("/readyz")
    assert response.status_code == 503 and "no heartbeat" in response.json["checks"]["scheduler"]["detail"]
    heartbeat.beat()
    fresh = client.get("/readyz")
    assert fresh.status_code == 200 and fresh.json["checks"]["scheduler"]["ok"]
    monkeypatch.setattr(heartbeat, "_last_beat", time.monotonic() - 31)  # silent past heartbeat_stale_seconds (30)
    stale = client.get("/readyz")
    assert stale.status_code == 503 and "last heartbeat 31 s ago" in stale.json["checks"]["scheduler"]["detail"]


def test_the_heartbeat_is_written_where_every_process_sees_it(app):
    heartbeat.beat()
    heartbeat.beat()
    assert list(heartbeat.beats()) == [heartbeat.NAME]


def test_readyz_names_a_stuck_script_worker(stamped, client, monkeypatch):
    """Issue 13: a worker past its wall-clock ceiling (its kill failed) makes the process unready."""
    from app import engine

    stuck = {
        "workers": 1,
        "busy": 1,
        "jobs": 1,
        "killed_at_limit": 0,
        "failed": 0,
        "stuck": [{"pid": 1, "seconds": 99}],
    }
    monkeypatch.setattr(engine, "script_workers_health", lambda: stuck)
    response = client.get("/readyz")
    assert response.status_code == 503 and not response.json["checks"]["scripts"]["ok"]
