"""Issue 16 "Must show": the > 24 h escalation (S24.4) fires exactly once with two `gasflow scheduler` processes on
PostgreSQL — real OS processes sharing one database, racing for the same due timers."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, HumanTask
from tests.supply.test_outages import _stopped
from tests.test_scheduler import _spawn, _stop, _wait_until

CASES = 4
ESCALATION_TASKS = ("Task_housing_notice", "Task_emergency_plan", "Task_overdue_head", "Task_overdue_dispatch")


def _tasks(spec: str) -> dict[int, int]:
    db.session.commit()  # a fresh snapshot: the schedulers are writing
    rows = db.session.execute(
        select(HumanTask.instance_id, func.count()).where(HumanTask.spec_name == spec).group_by(HumanTask.instance_id)
    )
    return dict(rows.all())


@pytest.mark.slow
def test_S24_4_escalation_fires_exactly_once_with_two_scheduler_processes(world, settings, tmp_path, at):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("several scheduler processes share one PostgreSQL server (GASFLOW_TEST_POSTGRES)")
    ids = []
    for _ in range(CASES):
        at("2026-03-02T09:30:00+08:00")
        ids.append(_stopped(world, at).instance_id)  # supply cut at Thu 09:00, planned end 17:00
    db.session.commit()
    at("2026-03-06T09:05:00+08:00")  # past the planned end and past 24 h of outage, for every case
    procs = _spawn(settings, tmp_path, 2)
    try:
        fired = _wait_until(lambda: len(_tasks("Task_housing_notice")) == CASES, timeout=90)
        time.sleep(3)  # both schedulers keep sweeping: a second firing would show now
        alive = [p.poll() is None for p in procs]
    finally:
        _stop(procs)
    logs = "\n".join((tmp_path / f"scheduler-{i}.log").read_text(errors="replace")[-1500:] for i in range(2))
    assert fired and all(alive), logs
    for spec in ESCALATION_TASKS:
        assert _tasks(spec) == {i: 1 for i in ids}, spec
    timer_events = db.session.scalars(select(Event).where(Event.instance_id.in_(ids), Event.kind == "timer_fired"))
    fired_per_case: dict[int, list[str]] = {}
    for event in timer_events:
        fired_per_case.setdefault(event.instance_id, []).extend(json.loads(event.payload_json).get("timers", []))
    assert all(sorted(fired_per_case[i]).count("Timer_over24") == 1 for i in ids), fired_per_case
    escalated = db.session.scalars(select(Event).where(Event.instance_id.in_(ids), Event.kind == "escalated"))
    rules = sorted((e.instance_id, json.loads(e.payload_json)["rule"]) for e in escalated)
    assert rules == sorted([(i, "S24.4") for i in ids] + [(i, "S24.2") for i in ids])  # once each, per case
