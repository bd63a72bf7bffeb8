"""Whole complaint cases per second over real HTTP (issue 18 §5): the figure a utility cares about.

Starts one `gasflow serve` (waitress, --no-scheduler, as bench.http_completions does) on a fresh migrated database,
SQLite by default or PostgreSQL with ``--postgres``, with processes/complaint.bpmn deployed as shipped. Each case is
recorded through POST /api/v1/complaints (the hotline intake contract, docs/complaints.md) and then worked by the
people it reaches, each with their own bearer token, claim then complete, until it ends at End_closed: 李坐席
kf_agent triages, rules on validity, checks the measures and calls back; 赵经理 lz_head assigns, talks as the direct
superior and signs; 孙师傅 lz_staff investigates, answers, fills the 信息处理表, the 四不放过 and the unit's callback.
It is the longest ordinary path (a valid complaint caused by the company, C3.5), with app/complaints/demo.py's data.
The diagram's scripts (in the script workers), timers (the C14.1 reminder and the C15 limits, set and cancelled),
form validation and the case projections all run as in production. One warm-up case runs before the clock starts.

Server CPU is user + system time of the server process and its children (the script workers), read from /proc.

    .venv/bin/python -m bench.complaint_cases [--cases 20] [--threads 1] [--server-threads 1] [--postgres]

Prints cases/s and server CPU per case last.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.complaints import demo as story
from app.platform.demo_cases import beijing
from bench.common import fresh_app, proc_stat
from bench.http_completions import Client, _free_port
from bench.scale_out import QUIET, ROOT, _database, _gasflow, _wait_up

COMPLAINT_BPMN = ROOT / "processes" / "complaint.bpmn"
AGENT, HEAD, STAFF = story.AGENT, story.HEAD, story.STAFF
TOLD = story.STORIES[0]
# The closed demo case (app/complaints/demo.py "complaints.closed"), task by task: who works it and what they submit
# (a dict, or a function of the moment for data that states times).
STEPS = [
    ("Task_triage", AGENT, story.GENERAL),
    ("Task_assign", HEAD, {"investigators": [STAFF], "conflict_declared": False}),
    ("Task_investigate", STAFF, story._findings(TOLD)),
    ("Task_superior", HEAD, story._superior),
    ("Task_validity", AGENT, story.VALID),
    ("Task_answer", STAFF, story._answered(TOLD)),
    ("Task_record", STAFF, story._record(TOLD)),
    ("Task_record_sign", HEAD, story.SIGNED),
    ("Task_accountability", STAFF, story.FOUR),
    ("Task_measures_check", AGENT, story.CHECKED),
    ("Task_callback_unit", STAFF, story._called_back),
    ("Task_callback_csc", AGENT, story.SATISFIED),
]


def _intake(number: int) -> dict:
    """A hotline call received three hours ago; a phone of its own so no case is merged into another as a repeat."""
    return {
        "channel": "hotline",
        "received_at": beijing(datetime.now(UTC) - timedelta(hours=3)),
        "complainant": {"name": "王秀英", "phone": f"139{number:08d}", "address": "利州区东坝街道锦绣花园2栋3单元601",
                        "anonymous": False},
        "about": {"unit": story.BRANCH},
        "description": TOLD.description,
        "matter": TOLD.matter,
    }  # fmt: skip


def _open_task(client: Client, instance_id: int, element: str) -> str:
    status, body = client.call("GET", f"/api/v1/instances/{instance_id}")
    found = [t["id"] for t in body.get("open_tasks", []) if t["element"] == element] if status == 200 else []
    if not found:
        raise RuntimeError(f"case {instance_id}: no open {element} ({status}: {body})")
    return found[0]


def run_case(clients: dict[str, Client], number: int) -> None:
    """One complaint from the intake call to End_closed, every step a request as the person's browser would send."""
    status, body = clients[AGENT].call("POST", "/api/v1/complaints", _intake(number))
    if status != 201:
        raise RuntimeError(f"intake refused ({status}): {body}")
    instance_id = body["instance_id"]
    for element, username, data in STEPS:
        client = clients[username]
        task_id = _open_task(client, instance_id, element)
        status, body = client.call("POST", f"/api/v1/tasks/{task_id}/claim", {})
        if status != 200:
            raise RuntimeError(f"case {instance_id}: claim {element} refused ({status}): {body}")
        submitted = data(datetime.now(UTC)) if callable(data) else data
        status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": submitted})
        if status != 200:
            raise RuntimeError(f"case {instance_id}: {element} refused ({status}): {body}")
    if body["status"] != "completed":
        raise RuntimeError(f"case {instance_id} did not end: {body}")


def _worker(port: int, tokens: dict[str, str], numbers: list[int], done: list[int], errors: list[str]) -> None:
    clients = {username: Client(port, token) for username, token in tokens.items()}
    for number in numbers:
        try:
            run_case(clients, number)
        except (RuntimeError, OSError, KeyError) as err:
            errors.append(str(err))
            return
        done.append(number)


def _tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``pid`` and each live descendant, by pid."""
    stats = {
        int(e.name): found for e in Path("/proc").iterdir() if e.name.isdigit() and (found := proc_stat(int(e.name)))
    }
    tree, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        if parent in stats:
            tree[parent] = stats[parent][1]
        frontier.extend(child for child, (ppid, _) in stats.items() if ppid == parent)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="client threads, each working its own cases")
    parser.add_argument("--server-threads", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432 instead of SQLite")
    args = parser.parse_args()
    from app.org import users
    from app.platform import definitions

    database = f"gasflow_complaints_{os.getpid()}"
    url = _database(database, create=True) if args.postgres else None
    server = None
    try:
        app, tmp = fresh_app(database_url=url)
        with app.app_context():
            definitions.deploy(COMPLAINT_BPMN.read_bytes(), COMPLAINT_BPMN.name)
            tokens = {username: users.issue_token(username) for username in (AGENT, HEAD, STAFF)}
        port = _free_port()
        env = {**os.environ, **QUIET, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "GASFLOW_INSTANCE_DIR": str(tmp)}  # fmt: skip
        server = _gasflow(env, "serve", "--port", str(port), "--no-scheduler", "--threads", str(args.server_threads))
        _wait_up(port, tokens[AGENT])
        run_case({username: Client(port, token) for username, token in tokens.items()}, 0)  # warm-up
        numbers = list(range(1, args.cases + 1))
        done: list[int] = []
        errors: list[str] = []
        workers = [
            threading.Thread(target=_worker, args=(port, tokens, numbers[i :: args.threads], done, errors))
            for i in range(args.threads)
        ]
        cpu_before = _tree_cpu(server.pid)
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        cpu_after = _tree_cpu(server.pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        if args.postgres:
            _database(database, create=False)
    cpu = sum(seconds - cpu_before.get(pid, 0.0) for pid, seconds in cpu_after.items())
    for error in errors[:3]:
        print(f"error: {error}")
    cases = len(done)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{cases} complaint cases (intake + {len(STEPS)} tasks each) by {args.threads} client thread(s) in {elapsed:.2f} s"
    )
    print(
        f"complaint cases over HTTP ({backend}, one server process with {args.server_threads} thread(s), "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}): {cases / elapsed:.2f} cases/s, "
        f"server CPU {1000 * cpu / max(cases, 1):.0f} ms per case (server + {len(cpu_after) - 1} script worker(s))"
    )


if __name__ == "__main__":
    main()
