"""User-task completions per second over real HTTP (issue 2 target: >= 400/s on SQLite, one worker process).

Starts `gasflow serve` (waitress, one process, one thread — app/web/server.py — unless BENCH_SERVER_THREADS says
otherwise; no scheduler) on a fresh migrated SQLite database, starts N instances of a simple 5-user-task process, then completes every task over HTTP from a few client threads (keep-alive sessions),
each completion a real POST /api/v1/tasks/{id}/complete with its bearer token. Prints the server's CPU time per
completion (Linux: /proc) and the rate last.

    .venv/bin/python -m bench.http_completions [INSTANCES] [CLIENT_THREADS]
    BENCH_PROCESS=scripted_tasks .venv/bin/python -m bench.http_completions   # a script and a condition per task
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import BENCH, fresh_app, proc_stat

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def _complete_all(port: int, token: str, instance_ids: list[int]) -> tuple[int, list]:
    """Complete every task of these instances, one after another, as a client would."""
    client, done, errors = Client(port, token), 0, []
    for instance_id in instance_ids:
        task_id = client.call("GET", f"/api/v1/instances/{instance_id}")[1]["open_tasks"][0]["id"]
        while task_id:
            status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {}})
            if status != 200:
                errors.append((status, body))
                return done, errors
            done += 1
            task_id = (body.get("next_task_ids") or [None])[0]
    return done, errors


def main() -> None:
    instances_count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    threads_count = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    from app.org import users
    from app.platform import definitions

    process = os.environ.get("BENCH_PROCESS", "five_tasks")
    fixture = BENCH / "fixtures" / f"{process}.bpmn"
    app, tmp = fresh_app()
    with app.app_context():
        definitions.deploy(fixture.read_bytes(), fixture.name)
        token = users.issue_token("kf_agent")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "GASFLOW_INSTANCE_DIR": str(tmp)}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gasflow"),
            "serve",
            "--port",
            str(port),
            "--no-scheduler",
            "--threads",
            os.environ.get("BENCH_SERVER_THREADS", "1"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if Client(port, token).call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        starter = Client(port, token)
        ids = []
        for _ in range(instances_count):
            status, body = starter.call("POST", "/api/v1/instances", {"process": process, "data": {}})
            assert status == 201, body
            ids.append(body["id"])
        chunks = [ids[i::threads_count] for i in range(threads_count)]
        cpu_before = proc_stat(server.pid)
        started = time.perf_counter()
        # Client threads in one process: the GIL keeps the client on one core and leaves the other to the server
        # (client processes would compete with the server for both cores).
        outcomes: list[tuple[int, list]] = []
        workers = [
            threading.Thread(target=lambda c=chunk: outcomes.append(_complete_all(port, token, c))) for chunk in chunks
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        cpu_after = proc_stat(server.pid)
        done = [n for n, _ in outcomes]
        errors = [e for _, errs in outcomes for e in errs]
    finally:
        server.terminate()
        server.wait(10)
    if errors:
        print(f"errors: {errors[:3]}")
    total = sum(done)
    print(f"{total} completions over HTTP by {threads_count} client threads in {elapsed:.2f} s")
    if cpu_before is not None and cpu_after is not None and total:
        print(
            f"server CPU per completion (with a GET per case): {1000 * (cpu_after[1] - cpu_before[1]) / total:.2f} ms"
        )
    print(f"HTTP task completions per second ({process}, SQLite, one server process): {total / elapsed:.0f}")


if __name__ == "__main__":
    main()
