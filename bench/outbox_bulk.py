"""10,000 SMS rows in one transaction (issue 16 "Must show": under 5 s on this machine).

Builds a fresh database with the real migrations, then writes N outbox messages in ONE ``@writes`` transaction through
``outbox.enqueue_many`` (batched multi-row INSERT … ON CONFLICT DO NOTHING), and once more with the same keys to show
that nothing is added twice. When the supply area's outage notifier exists, the second figure resolves N affected
customers of one estate from the archive and queues their SMS the way a diagram step does. SQLite always; PostgreSQL
too when GASFLOW_TEST_POSTGRES is set.

    .venv/bin/python -m bench.outbox_bulk [N]
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa

from app.settings import postgres_test_url
from bench.common import fresh_app

BENCH_DATABASE = "gasflow_bench_outbox"


def _postgres_url() -> str | None:
    base = postgres_test_url()
    if not base:
        return None
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"


def _messages(n: int):
    from app.platform import outbox

    return [
        outbox.Message(
            f"bench:{i}", "outage_planned", f"139{i:08d}", f"【广元燃气】停气通知 {i}", {"n": str(i)}, f"B-{i}"
        )
        for i in range(n)
    ]


def run(label: str, database_url: str | None, n: int) -> float:
    from app.core.tx import writes
    from app.extensions import db
    from app.models import OutboxMessage
    from app.platform import outbox

    app, _ = fresh_app(database_url)
    with app.app_context():
        messages = _messages(n)
        enqueue = writes(outbox.enqueue_many)  # one transaction, as in a case step
        started = time.perf_counter()
        added = enqueue(messages)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = enqueue(messages)
        repeat = time.perf_counter() - started
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        print(f"[{label}] {added:,} SMS rows in one transaction: {seconds:.2f} s; the same {n:,} again: "
              f"{again} added in {repeat:.2f} s; {rows:,} rows in the table")  # fmt: skip
        assert added == n and again == 0 and rows == n
        db.session.remove()
        db.engine.dispose()
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    results = {"SQLite": run("SQLite", None, n)}
    pg = _postgres_url()
    if pg:
        results["PostgreSQL"] = run("PostgreSQL", pg, n)
    print(
        f"outbox bulk, {n:,} messages: " + " ; ".join(f"{k} {v:.2f} s" for k, v in results.items()) + " (target < 5 s)"
    )


if __name__ == "__main__":
    main()
