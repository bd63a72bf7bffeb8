"""Customer search at a million customers (issue 4 target: p95 well under 100 ms).

Builds a fresh database with the real migrations, loads the demo directory and N demo customers through the same bulk
path as `gasflow demo --customers N`, then times the search service (query + masked records, as the API returns them)
for each kind of search: phone suffix (last 4 digits), whole phone number, account, name prefix, estate prefix within a
district, and the free-text box. Prints the load time, each query plan (so a plan that stops using an index shows),
p50/p95 per kind, and the worst p95 last. SQLite always; PostgreSQL too when GASFLOW_TEST_POSTGRES is set.

    .venv/bin/python -m bench.customer_search [CUSTOMERS] [RUNS]
"""

from __future__ import annotations

import random
import sys
import time

import sqlalchemy as sa

from app.settings import postgres_test_url
from bench.common import fresh_app, percentile, summary

BENCH_DATABASE = "gasflow_bench_customers"


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


def _samples(rng: random.Random, total: int, runs: int) -> list[tuple]:
    """Real values to look for: (phone, account, name, estate, district) of random customers."""
    from app.extensions import db
    from app.models import Customer, CustomerPhone

    ids = [rng.randint(1, total) for _ in range(runs)]
    rows = db.session.execute(
        sa.select(CustomerPhone.phone, Customer.account_no, Customer.name, Customer.estate, Customer.district)
        .join(Customer, Customer.id == CustomerPhone.customer_id)
        .where(CustomerPhone.customer_id.in_(ids), CustomerPhone.position == 0)
    ).all()
    return [tuple(r) for r in rows]


def _kinds(samples):
    from app.customers.search import CustomerQuery

    return {
        "phone suffix (4 digits)": [CustomerQuery(phone=s[0][-4:]) for s in samples],
        "whole phone": [CustomerQuery(phone=s[0]) for s in samples],
        "account": [CustomerQuery(account=s[1]) for s in samples],
        "name prefix (2 chars)": [CustomerQuery(name=s[2][:2]) for s in samples],
        "estate prefix in district": [CustomerQuery(address=s[3][:2], district=s[4]) for s in samples],
        "free text (q=name)": [CustomerQuery(q=s[2]) for s in samples],
    }


def _plan(query) -> str:
    from app.customers import search as customer_search
    from app.extensions import db

    stmt = customer_search._statement(query, customer_search._interpret(query)).limit(21)
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(sa.text(prefix + str(compiled))).all()
    return "\n      ".join(str(r[-1]) for r in rows)


def run(label: str, database_url: str | None, total: int, runs: int) -> float:
    from app import demo
    from app.customers import search as customer_search
    from app.extensions import db

    app, _ = fresh_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        demo.load_full_directory()
        demo.load_customers(total)
        load_seconds = time.perf_counter() - started
        print(f"[{label}] {total:,} customers loaded in {load_seconds:.0f} s", flush=True)
        samples = _samples(random.Random(11), total, runs)
        worst = 0.0
        for kind, queries in _kinds(samples).items():
            print(f"[{label}] {kind}: plan\n      {_plan(queries[0])}")
            for query in queries[:10]:  # warm the cache the way a running server has it
                customer_search.search(query)
            timings, found = [], 0
            for query in queries:
                t0 = time.perf_counter()
                result = customer_search.search(query)
                timings.append((time.perf_counter() - t0) * 1000)
                found += len(result.records)
            print(
                f"[{label}] {kind}: {len(queries)} searches, {found / len(queries):.1f} hits each; {summary(timings)}"
            )
            worst = max(worst, percentile(timings, 95))
        db.session.remove()
        db.engine.dispose()
    return worst


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    results = {"SQLite": run("SQLite", None, total, runs)}
    pg = _postgres_url()
    if pg:
        results["PostgreSQL"] = run("PostgreSQL", pg, total, runs)
    print(" ; ".join(f"{name} worst p95 {value:.1f} ms" for name, value in results.items()))
    print(f"customer search at {total:,} customers: worst p95 {max(results.values()):.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
