"""Readiness that tells the truth (issue 18): /readyz answers 200 only when this process can do its work now.

- the database takes a write within ``ready_deadline_seconds`` (a runaway transaction holding SQLite's write lock, a
  locked table or a read-only PostgreSQL all fail it; a SELECT 1 would have said "ok");
- the schema is at the migrations' head;
- when this process runs the scheduler, it beat within ``heartbeat_stale_seconds``;
- no script worker has outlived its limit (issue 13).

The write probe runs in a thread of its own so the answer comes on time whatever the database does; while a probe is
still stuck, later checks say so at once instead of piling up threads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass

from flask import Flask
from sqlalchemy import text, update

from app import clock, engine
from app.core.errors import Conflict
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting
from app.platform import heartbeat

PROBE_KEY = "readyz_probe"
KEY = "gasflow_readiness"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@writes
def _touch() -> None:
    now = clock.system_now()
    if not db.session.execute(update(AppSetting).where(AppSetting.key == PROBE_KEY).values(updated_at=now)).rowcount:
        db.session.add(AppSetting(key=PROBE_KEY, value_json="null", updated_at=now))


class _WriteProbe:
    def __init__(self, app: Flask):
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gasflow-readyz")
        self.lock = threading.Lock()
        self.inflight: Future | None = None

    def _run(self) -> None:
        # Conflict: another process inserted the probe row first; the database took writes.
        with self.app.app_context(), contextlib.suppress(Conflict):
            _touch()

    def check(self, deadline: float) -> Check:
        with self.lock:
            if self.inflight is not None and not self.inflight.done():
                return Check("database", False, "an earlier write probe is still waiting for the database")
            self.inflight = future = self.executor.submit(self._run)
        started = time.perf_counter()
        try:
            future.result(timeout=deadline)
        except FutureTimeout:
            return Check("database", False, f"no write got through within {deadline:g} s")
        except Exception as err:  # noqa: BLE001 - any failure to write is the answer
            return Check("database", False, f"write failed: {type(err).__name__}: {str(err)[:200]}")
        return Check("database", True, f"write in {1000 * (time.perf_counter() - started):.0f} ms")


def _probe(app: Flask) -> _WriteProbe:
    probe = app.extensions.get(KEY)
    if probe is None:
        probe = app.extensions.setdefault(KEY, _WriteProbe(app))
    return probe


def _heads(app: Flask) -> set[str]:
    heads = app.extensions.get("gasflow_migration_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(app.extensions["migrate"].directory))
        heads = app.extensions["gasflow_migration_heads"] = set(ScriptDirectory.from_config(config).get_heads())
    return heads


def migrations(app: Flask) -> Check:
    heads = _heads(app)
    try:
        with db.engine.connect() as conn:
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as err:  # noqa: BLE001 - no version table: never migrated
        return Check("migrations", False, f"no migration version recorded ({type(err).__name__}): run gasflow setup")
    if current != heads:
        return Check(
            "migrations", False, f"database at {sorted(current)}, code expects {sorted(heads)}: run gasflow setup"
        )
    return Check("migrations", True, ", ".join(sorted(heads)))


def scheduler(app: Flask) -> Check | None:
    """None when this process runs no scheduler (a separate `gasflow scheduler` is watched through /metrics)."""
    running = app.extensions.get("gasflow_scheduler")
    if running is None or not running.running:
        return None
    stale = app.config["GASFLOW"].heartbeat_stale_seconds
    age = heartbeat.own_age()
    if age is None:
        age = time.monotonic() - app.extensions.get("gasflow_scheduler_started", time.monotonic())
        if age <= stale:
            return Check("scheduler", True, "starting")
        return Check("scheduler", False, f"no heartbeat since the scheduler started {age:.0f} s ago")
    if age > stale:
        return Check("scheduler", False, f"last heartbeat {age:.0f} s ago (limit {stale:g} s)")
    return Check("scheduler", True, f"last heartbeat {age:.1f} s ago")


def scripts() -> Check:
    health = engine.script_workers_health()
    if health["stuck"]:
        return Check("scripts", False, f"{len(health['stuck'])} script worker(s) past their limit: {health['stuck']}")
    return Check("scripts", True, f"{health['busy']} of {health['workers']} worker(s) busy")


def check(app: Flask) -> tuple[bool, dict]:
    deadline = app.config["GASFLOW"].ready_deadline_seconds
    checks = [_probe(app).check(deadline), migrations(app), scheduler(app), scripts()]
    found = [c for c in checks if c is not None]
    ready = all(c.ok for c in found)
    return ready, {"status": "ready" if ready else "unready", "checks": {c.name: asdict(c) for c in found}}
