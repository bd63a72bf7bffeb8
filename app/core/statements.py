"""Fixed statements of the hot path, run on the DBAPI cursor of the session's connection (issue 18, item 5).

A task completion runs the same handful of statements hundreds of times a second. Through ``session.execute`` each
costs about 40 µs of Python (cache key, execution context, result wrapping) against 5 µs for SQLite itself
(bench/engine_overhead.py). A ``Statement`` is compiled by SQLAlchemy once per dialect and set of keys — the same SQL
and the same type conversions (each bound value goes through its column type's bind processor, each fetched value
through its result processor) — and then run directly, in the session's transaction (``session.connection()`` begins
it, with BEGIN IMMEDIATE for a writer on SQLite, core/tx.py).

Only plain statements belong here: no expanding IN lists, no ORM entities. SQL sent this way does not pass through
SQLAlchemy's cursor events.
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar

from sqlalchemy.sql import ClauseElement

from app.extensions import db

# Inside one writing transaction (core/tx.py) the session keeps one connection: it is looked up once, not per statement
# (session.connection() is itself ~15 µs of SQLAlchemy state machinery).
_held: ContextVar[list | None] = ContextVar("gasflow_held_connection", default=None)


@contextlib.contextmanager
def held_connection() -> Iterator[None]:
    """For the span of one transaction that nothing inside ends early (tx._once): statements reuse its connection."""
    token = _held.set([])
    try:
        yield
    finally:
        _held.reset(token)


@contextlib.contextmanager
def not_held() -> Iterator[None]:
    """Inside a savepoint (session.begin_nested()): SQLAlchemy emits SAVEPOINT when the session's connection is next
    asked for, so every statement must ask for it."""
    token = _held.set(None)
    try:
        yield
    finally:
        _held.reset(token)


def _connection():
    """(dialect, DBAPI connection) of the session's transaction, beginning it if it has not begun."""
    held = _held.get()
    if held:
        return held[0]
    connection = db.session.connection()
    found = (connection.dialect, connection.connection.dbapi_connection)
    if held is not None:
        held.append(found)
    return found


class _Plan:
    """One compiled form: the SQL, how to build its parameters, how to read its rows."""

    def __init__(self, statement: ClauseElement, dialect, keys: Sequence[str] | None):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        defaulted = [c.key for c in [*compiled.insert_prefetch, *compiled.update_prefetch] if c.key not in (keys or ())]
        if defaulted:  # SQLAlchemy computes Python-side defaults per execution: this path would bind NULL instead
            raise TypeError(f"pass these columns explicitly (they have Python defaults): {defaulted}")
        self.sql = compiled.string
        self.positional = dialect.positional
        names = list(compiled.positiontup or []) if self.positional else list(compiled.binds)
        self.binds = []
        for name in names:
            bind = compiled.binds[name]
            # A value written into the statement (.values(state="completed")) or one the caller passes by name.
            literal = None if bind.callable is not None or bind.required else bind.effective_value
            self.binds.append((name, bind.key, literal, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        columns = getattr(statement, "selected_columns", None)
        self.row = None
        if columns is not None and getattr(statement, "is_select", False):
            self.row = namedtuple("Row", [c.key for c in columns])  # noqa: PYI024 (built per statement)
            self.readers = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]

    def parameters(self, values: dict):
        pairs = [
            (name, convert(values[key]) if convert is not None else values[key]) if key in values
            else (name, convert(literal) if convert is not None else literal)
            for name, key, literal, convert in self.binds
        ]  # fmt: skip
        return tuple(v for _, v in pairs) if self.positional else dict(pairs)

    def read(self, raw: tuple):
        return self.row(*[read(v) if read is not None else v for read, v in zip(self.readers, raw, strict=True)])


class Statement:
    """A Core statement run lean. ``keys``: for an INSERT without .values(), the columns the rows carry."""

    def __init__(self, statement: ClauseElement, keys: Iterable[str] | None = None):
        self.statement = statement
        self.keys = tuple(keys) if keys is not None else None
        self._plans: dict[str, _Plan] = {}

    def _cursor(self):
        dialect, dbapi_connection = _connection()
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _Plan(self.statement, dialect, self.keys)
        return plan, dbapi_connection.cursor()

    def run(self, values: dict) -> int:
        """Execute once; the number of rows it changed."""
        plan, cursor = self._cursor()
        try:
            cursor.execute(plan.sql, plan.parameters(values))
            return cursor.rowcount
        finally:
            cursor.close()

    def run_many(self, rows: Sequence[dict]) -> None:
        if not rows:
            return
        plan, cursor = self._cursor()
        try:
            if len(rows) == 1:
                cursor.execute(plan.sql, plan.parameters(rows[0]))
            else:
                cursor.executemany(plan.sql, [plan.parameters(r) for r in rows])
        finally:
            cursor.close()

    def all(self, values: dict) -> list:
        """Every row, as first() gives one."""
        plan, raw = self._fetch(values, lambda cursor: cursor.fetchall())
        return [plan.read(r) for r in raw]

    def first(self, values: dict):
        """The first row as a named tuple (column keys as attributes, values converted by their types), or None."""
        plan, raw = self._fetch(values, lambda cursor: cursor.fetchone())
        return plan.read(raw) if raw is not None else None

    def _fetch(self, values: dict, take):
        plan, cursor = self._cursor()
        try:
            cursor.execute(plan.sql, plan.parameters(values))
            return plan, take(cursor)
        finally:
            cursor.close()
