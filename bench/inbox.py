"""Inbox server time with a million finished tasks in the database (issue 7 target: p95 < 100 ms).

Builds a fresh migrated SQLite database, bulk-inserts 1,000,000 finished human_task rows (spread over the demo users,
so one user has done ~100,000 of them) and a few hundred open ones, then times the inbox page in the Flask test client
(the service queries + the template, menu counts included) for 我的待办 / 组内待办 / 已办, and prints the query plan
of every human_task statement one page load runs, so a plan that stops using the indexes of app/models/instances.py
shows. Prints the p95 last.

    .venv/bin/python -m bench.inbox [FINISHED_ROWS] [RUNS]
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from datetime import timedelta

from sqlalchemy import event, insert, select

from bench.common import fresh_app, percentile, summary
from tests.conftest import FIXTURES, SAMPLE_BPMN

CHUNK = 50_000
INSTANCES = 20_000
OPEN_TASKS = 400
VIEWS = {"mine": "我的待办", "group": "组内待办", "done": "已办"}


def _fill(app, finished: int) -> int:
    """Returns the user id whose inbox is timed (kf_agent)."""
    from app import clock
    from app.extensions import db
    from app.models import HumanTask, ProcessInstance, User
    from app.platform import definitions

    with app.app_context():
        definition, _ = definitions.deploy(SAMPLE_BPMN.read_bytes(), SAMPLE_BPMN.name)
        people = dict(db.session.execute(select(User.username, User.id)).all())
        user_ids = list(people.values())
        now = clock.now()
        rng = random.Random(7)
        with db.engine.begin() as conn:
            conn.execute(
                insert(ProcessInstance),
                [
                    {
                        "id": i,
                        "definition_id": definition.id,
                        "process_key": "platform_sample",
                        "business_key": f"BK-{i:06d}",
                        "status": "completed",
                        "state_json": "{}",
                        "revision": 1,
                        "started_at": now - timedelta(days=400),
                    }
                    for i in range(1, INSTANCES + 1)
                ],
            )
        groups = ["客服中心", "利州区分公司", "苍溪县分公司", "部门负责人@利州区分公司", "纪检监审法务部"]
        done = 0
        while done < finished:
            rows = []
            for _ in range(min(CHUNK, finished - done)):
                done += 1
                created = now - timedelta(minutes=done)
                rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "instance_id": 1 + done % INSTANCES,
                        "process_key": "platform_sample",
                        "spec_name": "Task_register",
                        "name": "登记",
                        "lane": "客服中心",
                        "candidate_group": groups[done % len(groups)],
                        "assignee_id": user_ids[done % len(user_ids)],
                        "form_key": "register",
                        "state": "completed",
                        "created_at": created,
                        "due_at": created + timedelta(hours=48),
                        "completed_at": created + timedelta(hours=rng.randint(1, 60)),
                        "completed_by_id": user_ids[done % len(user_ids)],
                        "business_key": f"BK-{1 + done % INSTANCES:06d}",
                        "subject": f"客户{done % 9973} 138{done % 100_000_000:08d}",
                    }
                )
            with db.engine.begin() as conn:
                conn.execute(insert(HumanTask), rows)
        agent = people["kf_agent"]
        open_rows = [
            {
                "id": str(uuid.uuid4()),
                "instance_id": 1 + n % INSTANCES,
                "process_key": "platform_sample",
                "spec_name": "Task_visit",
                "name": "上门处理",
                "lane": "分公司",
                "candidate_group": groups[n % 2],
                "assignee_id": agent if n % 4 == 0 else None,
                "form_key": "visit",
                "state": "ready",
                "created_at": now - timedelta(hours=n),
                "due_at": now + timedelta(hours=48 - n % 96),
                "business_key": f"BK-{1 + n % INSTANCES:06d}",
                "subject": f"客户{n} 139{n:08d}",
            }
            for n in range(OPEN_TASKS)
        ]
        with db.engine.begin() as conn:
            conn.execute(insert(HumanTask), open_rows)
        return agent


def _capture(app):
    """Record every human_task statement (with its parameters) the next request runs."""
    from app.extensions import db

    seen: list[tuple[str, tuple]] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, parameters, _context, _many):
        if "human_task" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, tuple(parameters or ())))

    return engine, seen, _record


def _explain(app, engine, statements) -> None:
    with app.app_context(), engine.connect() as conn:
        for sql, params in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            first = " ".join(sql.split())[:110]
            print(f"    {first}...")
            for row in plan:
                print(f"      plan: {row[-1]}")


def main() -> None:
    finished = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    app, _tmp = fresh_app(forms_dir=FIXTURES / "forms")
    started = time.perf_counter()
    agent = _fill(app, finished)
    print(f"filled {finished:,} finished + {OPEN_TASKS} open human_task rows in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = agent
    engine, statements, listener = _capture(app)
    all_times: list[float] = []
    for view, label in VIEWS.items():
        url = f"/inbox?view={view}"
        assert client.get(url).status_code == 200  # warm-up (template compile, definition cache)
        statements.clear()
        client.get(url)
        plans = list(statements)
        times = []
        for _ in range(runs):
            with client.session_transaction() as session:
                session["seen"] = time.time()
            begin = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200
        all_times.extend(times)
        print(f"{label} ({view}): {summary(times)}; {len(plans)} human_task statements per page:")
        _explain(app, engine, plans)
    event.remove(engine, "before_cursor_execute", listener)
    print(f"inbox page server time over {len(all_times)} requests, p95: {percentile(all_times, 95):.1f} ms")


if __name__ == "__main__":
    main()
