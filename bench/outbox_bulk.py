"""10,000 SMS rows in one transaction (issue 16 "Must show": under 5 s on this machine).

Builds a fresh database with the real migrations, then writes N outbox messages in ONE ``@writes`` transaction through
``outbox.enqueue_many`` (batched multi-row INSERT … ON CONFLICT DO NOTHING), and once more with the same keys to show
that nothing is added twice. The second figure puts N customers in one estate of the archive and queues their outage
SMS the way the planned_outage diagram step does (``outages.queue_sms``: the area resolved from the archive, the
first mobile of each customer, one row per customer), again in one transaction, then once more to show the
idempotency keys hold. SQLite always; PostgreSQL too when GASFLOW_TEST_POSTGRES is set.

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
        outage_seconds = _outage_step(n)
        db.session.remove()
        db.engine.dispose()
    return seconds, outage_seconds


def _estate(n: int) -> list[str]:
    """N residential customers in one estate of 利州区, each with a mobile number."""
    from app.core.tx import writes
    from app.customers.bulk import insert_customers
    from app.extensions import db
    from app.models import Unit

    branch = db.session.scalar(sa.select(Unit.id).where(Unit.name == "利州区分公司"))
    rows = ({"account_no": f"LZ-B{i:07d}", "name": f"住户{i}", "customer_class": "B2", "district": "利州区",
             "street": "嘉陵街道", "estate": "万户小区", "room": f"{i // 100}栋{i % 100}号", "branch_id": branch,
             "phones": [f"138{i:08d}"], "supply_status": "normal"} for i in range(n))  # fmt: skip
    writes(insert_customers)(rows)
    return ["利州区/嘉陵街道/万户小区"]


def _outage_step(n: int) -> float:
    from app.core.tx import writes
    from app.supply import outages

    area = _estate(n)
    queue = writes(outages.queue_sms)  # one transaction, as the diagram's script step runs it
    args = ("TQ20260302000001", "planned", "中压管道迁改施工", area, "2026-03-05T09:00:00+08:00",
            "2026-03-05T17:00:00+08:00")  # fmt: skip
    started = time.perf_counter()
    added = queue(*args)
    seconds = time.perf_counter() - started
    again = queue(*args)
    print(f"    outage step: {n:,} customers of one estate resolved and {added:,} SMS rows queued in one transaction: "
          f"{seconds:.2f} s; again: {again} added")  # fmt: skip
    assert added == n and again == 0
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    results = {"SQLite": run("SQLite", None, n)}
    pg = _postgres_url()
    if pg:
        results["PostgreSQL"] = run("PostgreSQL", pg, n)
    print(
        f"outbox bulk, {n:,} messages: "
        + " ; ".join(f"{k} {a:.2f} s (outage step {b:.2f} s)" for k, (a, b) in results.items())
        + " (target < 5 s)"
    )


if __name__ == "__main__":
    main()
