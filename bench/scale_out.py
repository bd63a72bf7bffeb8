"""The scale-out path, measured (issue 18 §4): N web processes (waitress) on PostgreSQL, reached over the loopback with
no proxy, plus two `gasflow scheduler` processes; completions/s and p95 latency for N = 1, 2, 4 with as many client
threads, and the timer lag p99 while the web processes are under that load.

For each N: N `gasflow serve --no-scheduler` processes start; ``--timers`` sla_wait timers are created to fall due
evenly over the load window; N client threads (one per web process, keep-alive) each start five_tasks cases and
complete their five tasks over HTTP until ``--seconds`` have passed; then the bench waits for every timer to fire and
reads each one's lateness from its timer_fired event (late_seconds). A fresh database per run, dropped at the end.

    .venv/bin/python -m bench.scale_out [--sizes 1,2,4] [--seconds 10] [--timers 200] [--server-threads 4]

Prints one line per N and the summary last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.common import BENCH, fresh_app, percentile
from bench.http_completions import Client, _free_port

ROOT = BENCH.parent
WAIT_BPMN = ROOT / "tests" / "fixtures" / "sla_wait.bpmn"
BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
QUIET = {"GASFLOW_LOG_LEVEL": "WARNING"}


def _database(name: str, create: bool) -> str:
    admin = sa.create_engine(f"{BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{BASE}/{name}"


def _gasflow(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gasflow"), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_up(port: int, token: str) -> None:
    for _ in range(300):
        try:
            if Client(port, token).call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not answer")


def _client_loop(port: int, token: str, until: float, latencies: list[float], done: list[int], errors: list) -> None:
    """Start a case, complete its five tasks, again, until the window closes (a case in flight is finished)."""
    client, count = Client(port, token), 0
    while time.perf_counter() < until:
        status, body = client.call("POST", "/api/v1/instances", {"process": "five_tasks", "data": {}})
        if status != 201:
            errors.append((status, body))
            break
        task_id = body["open_tasks"][0]["id"]
        while task_id:
            started = time.perf_counter()
            status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {}})
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append((status, body))
                return
            count += 1
            task_id = (body.get("next_task_ids") or [None])[0]
    done.append(count)


def _create_timers(app, count: int, spread: float) -> tuple[list[int], float]:
    """Timers due evenly over ``spread`` seconds from a start time far enough ahead that creating them all ends before
    it (a timer already due when its case starts fires inside the start step, with no timer_fired event). Returns the
    case ids and the start time (time.time())."""
    from app import clock
    from app.platform import instances

    lead = 2.0 + 0.1 * count  # PostgreSQL on a loaded 2-core machine starts 10-40 cases/s
    with app.app_context():
        first = clock.now() + timedelta(seconds=lead)
        ids = [
            instances.start(
                "sla_wait", {"wake_at": (first + timedelta(seconds=spread * i / count)).isoformat()}, None
            ).id
            for i in range(count)
        ]
    if clock.now() > first:
        print(f"  warning: creating {count} timers took longer than {lead:.0f} s; the first fired at their start")
    return ids, first.timestamp()


def _timer_lags(app, ids: list[int], wait_seconds: float) -> tuple[list[float], int]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Event, Timer

    with app.app_context():
        deadline = time.time() + wait_seconds
        while time.time() < deadline:
            db.session.rollback()
            if not db.session.scalar(select(func.count()).select_from(Timer).where(Timer.instance_id.in_(ids))):
                break
            time.sleep(0.25)
        db.session.rollback()
        rows = db.session.scalars(
            select(Event.payload_json).where(Event.kind == "timer_fired", Event.instance_id.in_(ids))
        ).all()
        left = db.session.execute(
            select(func.count(), func.count(Timer.failed_at), func.min(Timer.due_at)).where(Timer.instance_id.in_(ids))
        ).one()
        if left[0]:
            print(f"  {left[0]} timers left ({left[1]} on hold), oldest due {left[2]}")
        return [json.loads(p)["late_seconds"] for p in rows], len(ids) - len(rows)


def run_size(app, env, token, n: int, seconds: float, timers: int, server_threads: int) -> dict:
    ports = [_free_port() for _ in range(n)]
    servers = [
        _gasflow(env, "serve", "--port", str(p), "--no-scheduler", "--threads", str(server_threads)) for p in ports
    ]
    try:
        for port in ports:
            _wait_up(port, token)
        timer_ids, window_start = _create_timers(app, timers, max(seconds - 1, 1))
        time.sleep(max(window_start - time.time(), 0))  # the load window opens as the first timer falls due
        latencies: list[float] = []
        done: list[int] = []
        errors: list = []
        started = time.perf_counter()
        until = started + seconds
        clients = [
            threading.Thread(target=_client_loop, args=(ports[i % n], token, until, latencies, done, errors))
            for i in range(n)
        ]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - started
        lags, unfired = _timer_lags(app, timer_ids, 30)
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            s.wait(10)
    total = sum(done)
    return {
        "n": n,
        "completions": total,
        "rate": total / elapsed,
        "p95_ms": percentile(latencies, 95),
        "p50_ms": percentile(latencies, 50),
        "timer_p99_s": percentile(lags, 99),
        "timers_fired": len(lags),
        "unfired": unfired,
        "errors": errors[:2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=10.0, help="load window per size")
    parser.add_argument("--timers", type=int, default=200, help="timers falling due during each window")
    parser.add_argument("--server-threads", type=int, default=4)
    args = parser.parse_args()
    name = f"gasflow_scale_{os.getpid()}"
    url = _database(name, create=True)
    schedulers: list[subprocess.Popen] = []
    try:
        from app.org import users
        from app.platform import definitions

        app, tmp = fresh_app(database_url=url)
        with app.app_context():
            for fixture in (BENCH / "fixtures" / "five_tasks.bpmn", WAIT_BPMN):
                definitions.deploy(fixture.read_bytes(), fixture.name)
            token = users.issue_token("kf_agent")
        env = {**os.environ, **QUIET, "DATABASE_URL": url, "GASFLOW_INSTANCE_DIR": str(tmp)}
        schedulers = [_gasflow(env, "scheduler") for _ in range(2)]
        results = []
        for n in (int(s) for s in args.sizes.split(",")):
            result = run_size(app, env, token, n, args.seconds, args.timers, args.server_threads)
            results.append(result)
            print(
                f"N={n}: {result['completions']} completions, {result['rate']:.0f}/s, p50 {result['p50_ms']:.1f} ms, "
                f"p95 {result['p95_ms']:.1f} ms; timers fired {result['timers_fired']} (unfired {result['unfired']}), "
                f"lag p99 {result['timer_p99_s']:.3f} s" + (f"; errors {result['errors']}" if result["errors"] else ""),
                flush=True,
            )
    finally:
        for s in schedulers:
            s.terminate()
        for s in schedulers:
            s.wait(10)
        _database(name, create=False)
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    summary = ", ".join(
        f"N={r['n']} {r['rate']:.0f}/s p95 {r['p95_ms']:.0f} ms lag p99 {r['timer_p99_s']:.2f} s" for r in results
    )
    print(f"scale-out on PostgreSQL, {cores} cores, load {load:.1f}, 2 schedulers: {summary}")


if __name__ == "__main__":
    main()
