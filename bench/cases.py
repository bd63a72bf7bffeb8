"""Case list server time with many cases (issue 11 §3: "fast with many cases").

Builds a fresh migrated SQLite database, bulk-inserts CASES process instances, each with its case_index row, two
finished tasks and, for one case in twenty, an open one (groups spread over the demo units), plus breach events on one
case in fifty; then times GET /cases in the Flask test client (service + template + menu counts) for a branch staff
member and an auditor with the filters people use, and prints the p95 of each.

    .venv/bin/python -m bench.cases [CASES] [RUNS]
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from bench.common import fresh_app, summary
from tests.conftest import FIXTURES, SAMPLE_BPMN

CHUNK = 20_000
GROUPS = ["客服中心", "利州区分公司", "苍溪县分公司", "部门负责人@利州区分公司", "旺苍县分公司", "纪检监审法务部"]
QUERIES = {
    "lz_staff": [
        "/cases",
        "/cases?customer=客户12",
        "/cases?phone_tail=1234",
        "/cases?overdue=1",
        "/cases?mine=worked",
    ],
    "auditor": [
        "/cases",
        "/cases?status=running&unit=苍溪县分公司",
        "/cases?breached_rule=C14.1",
        "/cases?number=BK-0100",
    ],
}


def _fill(app, count: int) -> dict[str, int]:
    from app import clock
    from app.extensions import db
    from app.models import CaseIndex, Event, HumanTask, ProcessInstance, User
    from app.platform import definitions

    with app.app_context():
        definition, _ = definitions.deploy(SAMPLE_BPMN.read_bytes(), SAMPLE_BPMN.name)
        people = dict(db.session.execute(select(User.username, User.id)).all())
        users = list(people.values())
        now = clock.now()
        rng = random.Random(11)
        for start in range(1, count + 1, CHUNK):
            ids = range(start, min(start + CHUNK, count + 1))
            instances, index, tasks, events = [], [], [], []
            for i in ids:
                started = now - timedelta(minutes=i * 7)
                running = i % 20 == 0
                instances.append({"id": i, "definition_id": definition.id, "process_key": "platform_sample",
                                  "business_key": f"BK-{i:07d}", "status": "running" if running else "completed",
                                  "state_json": "{}", "revision": 3, "started_at": started,
                                  "started_by_id": users[i % len(users)]})  # fmt: skip
                index.append({"instance_id": i, "customer_name": f"客户{i % 9973}", "phone_tail": f"{i % 10000:04d}",
                              "account_no": f"LZ{i:08d}", "unit": GROUPS[i % 3]})  # fmt: skip
                for n in range(2 + running):
                    ready = n == 2
                    tasks.append({"id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": i,
                                  "process_key": "platform_sample", "spec_name": "Task_register", "name": "登记",
                                  "lane": "客服中心", "candidate_group": GROUPS[(i + n) % len(GROUPS)],
                                  "assignee_id": None if ready else users[(i + n) % len(users)],
                                  "form_key": "register", "state": "ready" if ready else "completed",
                                  "created_at": started, "due_at": started + timedelta(days=2),
                                  "completed_at": None if ready else started + timedelta(hours=5),
                                  "completed_by_id": None if ready else users[(i + n) % len(users)],
                                  "business_key": f"BK-{i:07d}"})  # fmt: skip
                if i % 50 == 0:
                    events.append({"instance_id": i, "seq": 1, "at": started, "actor": "scheduler", "kind": "breach",
                                   "payload_json": json.dumps({"rule": "C14.1"}, separators=(",", ":")),
                                   "prev_hash": "0" * 64, "hash": "0" * 64})  # fmt: skip
            with db.engine.begin() as conn:
                conn.execute(insert(ProcessInstance), instances)
                conn.execute(insert(CaseIndex), index)
                conn.execute(insert(HumanTask), tasks)
                if events:
                    conn.execute(insert(Event), events)
        return people


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    app, _tmp = fresh_app(forms_dir=FIXTURES / "forms")
    begin = time.perf_counter()
    people = _fill(app, count)
    print(f"filled {count:,} cases in {time.perf_counter() - begin:.1f} s")
    for username, urls in QUERIES.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = people[username]
        for url in urls:
            assert client.get(url).status_code == 200  # warm-up
            times = []
            for _ in range(runs):
                with client.session_transaction() as session:
                    session["seen"] = time.time()
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            found = response.get_data(as_text=True).split("共 ", 1)[1].split(" 件", 1)[0]
            print(f"{username:9} {url:42} {found:>7} cases  {summary(times)}")


if __name__ == "__main__":
    main()
