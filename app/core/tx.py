"""Transactions. Each public service function is one transaction and the only place that commits (design.md).

On SQLite a writing transaction starts with BEGIN IMMEDIATE: it takes the write lock up front, so two writers queue
instead of one failing when it upgrades a stale read snapshot. Readers start a plain BEGIN and never block on WAL.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core.errors import Conflict
from app.core.statements import held_connection
from app.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_write_intent: ContextVar[bool] = ContextVar("gasflow_write_intent", default=False)
# What runs once the current writing transaction has committed (metrics count only steps that were kept, issue 18).
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("gasflow_after_commit", default=None)


def after_commit(fn: Callable[[], None]) -> None:
    """Call fn after the surrounding @writes transaction commits; never if it rolls back (or is retried: the retry
    registers its own). Outside a transaction it runs now. It must be cheap and must not raise (metrics, logs)."""
    pending = _after_commit.get()
    if pending is None:
        fn()
    else:
        pending.append(fn)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # On the DBAPI connection: through conn.exec_driver_sql this one statement cost more than the SQL it sends.
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


class Retry(Exception):
    """Raised inside a transaction whose reads went stale in a harmless way (an event appended meanwhile): the whole
    use case runs again from a fresh read, a few times at most."""


RETRIES = 3
_TRANSIENT = {"40P01", "40001"}  # deadlock detected, serialization failure


def writes(fn: Callable[P, R]) -> Callable[P, R]:
    """Run fn as one writing transaction: commit on success, roll back on any error."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session()  # the request's (scoped) session
        if _write_intent.get():  # nested call: the outer transaction commits
            return fn(*args, **kwargs)
        if session.in_transaction():
            session.commit()  # end a read snapshot so the write starts fresh (and IMMEDIATE on SQLite)
        for attempt in range(RETRIES):
            try:
                with _local_writer(session):
                    return _once(session, fn, args, kwargs)
            except Retry:
                if attempt == RETRIES - 1:
                    raise Conflict("此流程正被他人同时操作，请稍后重试 (busy: try again)") from None
        raise AssertionError("unreachable")

    return wrapper


# SQLite has one writer at a time. Threads of this process queue on this lock instead of in SQLite's busy handler,
# which polls with sleeps of up to tens of milliseconds; other processes still wait in the busy handler.
_sqlite_writer = threading.Lock()


@contextlib.contextmanager
def _local_writer(session) -> Iterator[None]:
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def _once(session, fn, args, kwargs):
    token = _write_intent.set(True)
    pending: list[Callable[[], None]] = []
    hooks = _after_commit.set(pending)
    try:
        with held_connection():
            result = fn(*args, **kwargs)
        session.commit()
        _after_commit.reset(hooks)
        hooks = None
        for hook in pending:
            hook()
        return result
    except IntegrityError as err:
        session.rollback()
        raise Conflict(f"数据已被他人修改，请刷新后重试 (conflicting write: {err.orig})") from None
    except OperationalError as err:
        session.rollback()
        if getattr(err.orig, "sqlstate", None) in _TRANSIENT:
            raise Retry(str(err.orig)) from None  # PostgreSQL chose this transaction as a deadlock victim: run it again
        if "locked" in str(err.orig).lower():
            raise Conflict("数据库正忙，请稍后重试 (database busy, try again)") from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)
        if hooks is not None:
            _after_commit.reset(hooks)


class LazySavepoint:
    """A savepoint begun only when ``begin()`` is first called (steps.apply_step: at a step's first registry-function
    call, the only way a step writes before it is saved; most steps make none and skip SQLAlchemy's nested
    transaction, ~0.1 ms). Leaving the block releases it, or rolls it back on an exception."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled, self.nested = enabled, None

    def begin(self) -> None:
        if self.enabled and self.nested is None:
            self.nested = db.session.begin_nested()

    def __enter__(self) -> LazySavepoint:
        return self

    def __exit__(self, kind, _error, _trace) -> bool:
        if self.nested is not None and kind is None:
            self.nested.commit()
        elif self.nested is not None:
            self.nested.rollback()
        return False


@contextlib.contextmanager
def side_read() -> Iterator[None]:
    """A read on another connection in the middle of a write (the clock offset): it must not ask for the write lock
    the surrounding transaction already holds."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)
