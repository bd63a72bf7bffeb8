"""Timer lag with the scheduler running (issue 3 §4): the delay between each timer's due time and its firing.

Starts the app's own in-process scheduler (app.scheduler.background, the one `make run` starts; tick from the settings,
0.5 s) against a fresh SQLite database, creates 1,000 timers due over the following ~15 s, waits until all have fired,
and reads the delays from the timer_fired events (payload late_seconds = firing clock - due time).
Prints p50/p90/p99/max; the last line is the p99 (target: under 1 s).

    .venv/bin/python bench/timer_lag.py [--timers 1000] [--spread 15]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app import clock, scheduler  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Timer  # noqa: E402
from app.platform import definitions, instances  # noqa: E402
from bench.common import fresh_app, percentile  # noqa: E402

WAIT_BPMN = ROOT / "tests" / "fixtures" / "sla_wait.bpmn"
LEAD_SECONDS = 8.0  # creating the timers takes a few seconds; the first falls due after that


def create_timers(count: int, spread: float) -> float:
    """Start ``count`` instances whose timers fall due evenly over ``spread`` seconds; returns the last due time."""
    definitions.deploy(WAIT_BPMN.read_bytes(), WAIT_BPMN.name)
    first = clock.now() + timedelta(seconds=LEAD_SECONDS)
    for i in range(count):
        wake = first + timedelta(seconds=spread * i / count)
        instances.start("sla_wait", {"wake_at": wake.isoformat()}, None)
    if clock.now() > first:
        print(f"warning: creating the timers took longer than {LEAD_SECONDS:.0f} s; the first ones start late")
    return (first + timedelta(seconds=spread)).timestamp()


def wait_all_fired(deadline_ts: float) -> bool:
    while time.time() < deadline_ts:
        db.session.commit()  # new snapshot
        if db.session.scalar(select(func.count()).select_from(Timer)) == 0:
            return True
        time.sleep(0.25)
    return False


def lags() -> list[float]:
    db.session.commit()
    rows = db.session.scalars(select(Event.payload_json).where(Event.kind == "timer_fired"))
    return [json.loads(p)["late_seconds"] for p in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=15.0, help="seconds over which the timers fall due")
    args = parser.parse_args()

    app, tmp = fresh_app()
    with app.app_context():
        t0 = time.perf_counter()
        last_due = create_timers(args.timers, args.spread)
        print(f"{args.timers} timers created in {time.perf_counter() - t0:.1f} s (SQLite at {tmp})")
        jobs = scheduler.background(app)
        jobs.start()
        try:
            finished = wait_all_fired(last_due + 30)
        finally:
            jobs.shutdown(wait=True)
        values = lags()
    tick = app.config["GASFLOW"].scheduler_tick_seconds
    print(f"fired {len(values)} of {args.timers} ({'all' if finished else 'NOT all'}); scheduler tick {tick} s")
    print(f"lag p50 {percentile(values, 50):.3f} s, p90 {percentile(values, 90):.3f} s, max {max(values):.3f} s")
    print(f"lag p99: {percentile(values, 99):.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
