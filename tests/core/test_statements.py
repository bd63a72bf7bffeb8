"""Lean statements (app/core/statements.py): the same rows and values as SQLAlchemy's own execution, on both
databases, and a savepoint still undoes what was written inside it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update

from app.core import statements
from app.core.statements import Statement
from app.core.tx import writes
from app.extensions import db
from app.models.types import UTCDateTime

_META = sa.MetaData()
THINGS = sa.Table(
    "statement_test_things",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(20)),
    sa.Column("state", sa.String(10), default="new"),
    sa.Column("at", UTCDateTime()),
    sa.Column("flag", sa.Boolean),
)
KEYS = ("id", "name", "state", "at", "flag")
_INSERT = Statement(insert(THINGS), keys=KEYS)
_READ = Statement(select(THINGS).where(THINGS.c.id == bindparam("b_id")))
_FINISH = Statement(update(THINGS).where(THINGS.c.id == bindparam("b_id")).values(state="done", at=bindparam("b_at")))
AT = datetime(2026, 3, 9, 8, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def things(app):
    _META.create_all(db.engine)
    yield
    db.session.rollback()
    _META.drop_all(db.engine)


@writes
def _add(rows: list[dict]) -> None:
    _INSERT.run_many(rows)


def _row(thing_id: int, name: str, flag: bool = True) -> dict:
    return {"id": thing_id, "name": name, "state": "new", "at": AT, "flag": flag}


def test_rows_read_back_as_sqlalchemy_reads_them(things):
    _add([_row(1, "一"), _row(2, "二", flag=False)])
    _add([_row(3, "三")])
    lean = _READ.first({"b_id": 2})
    orm = db.session.execute(select(THINGS).where(THINGS.c.id == 2)).one()
    assert tuple(lean) == tuple(orm) == (2, "二", "new", AT, False)
    assert lean.at.tzinfo is not None and lean.flag is False  # converted by the column types, not raw text and 0
    assert lean._asdict()["name"] == "二"
    assert _READ.first({"b_id": 99}) is None
    assert db.session.scalar(select(sa.func.count()).select_from(THINGS)) == 3


def test_update_counts_rows_and_binds_written_values(things):
    _add([_row(1, "一")])
    later = datetime(2026, 3, 10, tzinfo=UTC)

    @writes
    def finish(thing_id: int) -> int:
        return _FINISH.run({"b_id": thing_id, "b_at": later})

    assert finish(1) == 1
    assert finish(7) == 0
    assert (_READ.first({"b_id": 1}).state, _READ.first({"b_id": 1}).at) == ("done", later)


def test_a_column_with_a_python_default_must_be_passed(things):
    with pytest.raises(TypeError, match="state"):
        _add_partial()


@writes
def _add_partial() -> None:
    Statement(insert(THINGS), keys=("id", "name")).run({"id": 5, "name": "五"})


def test_a_savepoint_undoes_statements_run_inside_it(things):
    @writes
    def write_then_fail_inside_savepoint(hold: bool) -> None:
        _INSERT.run(_row(1, "before"))
        try:
            with db.session.begin_nested(), statements.not_held() if hold else contextlib.nullcontext():
                _INSERT.run(_row(2, "inside"))
                raise RuntimeError("the step failed")
        except RuntimeError:
            pass

    write_then_fail_inside_savepoint(hold=True)
    assert [r.id for r in db.session.execute(select(THINGS.c.id).order_by(THINGS.c.id))] == [1]
    db.session.rollback()
    db.session.execute(sa.delete(THINGS))
    db.session.commit()
    # Why steps.apply_step asks for not_held(): with the transaction's connection held, SAVEPOINT was never sent.
    write_then_fail_inside_savepoint(hold=False)
    assert [r.id for r in db.session.execute(select(THINGS.c.id).order_by(THINGS.c.id))] == [1, 2]
