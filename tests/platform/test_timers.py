"""The timer sweep against the moved clock (issue 3 §4): `gasflow clock set` then `gasflow timers sweep` fires exactly
the timers that are due; after downtime, overdue timers fire with their original due time on record."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.extensions import db
from app.models import Event, ProcessInstance, Timer
from app.platform import audit, definitions, instances, timers
from tests.conftest import FIXTURES

WAIT_BPMN = FIXTURES / "sla_wait.bpmn"
T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


@pytest.fixture
def wait_process(app):
    row, _ = definitions.deploy(WAIT_BPMN.read_bytes(), WAIT_BPMN.name)
    return row


def start_waiting(wake_at: datetime) -> int:
    return instances.start("sla_wait", {"wake_at": wake_at.isoformat()}, None).id


def cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def completed(ids: list[int]) -> list[int]:
    rows = db.session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.id.in_(ids), ProcessInstance.status == "completed")
    )
    return sorted(rows)


def test_sweep_after_gasflow_clock_set_fires_exactly_the_due_timers(app, wait_process, at):
    at(T0.isoformat())
    ids = [start_waiting(T0 + timedelta(hours=h)) for h in range(1, 7)]
    assert db.session.scalar(select(func.count()).select_from(Timer)) == 6
    assert "0 timer(s) fired" in cli(app, "timers", "sweep")
    cli(app, "clock", "set", (T0 + timedelta(hours=3, minutes=30)).isoformat())
    assert "3 timer(s) fired" in cli(app, "timers", "sweep")
    assert completed(ids) == ids[:3]
    assert "0 timer(s) fired" in cli(app, "timers", "sweep")  # nothing fires twice
    cli(app, "clock", "set", (T0 + timedelta(hours=6, seconds=-2)).isoformat())  # just before the 6th
    assert "2 timer(s) fired" in cli(app, "timers", "sweep")
    assert completed(ids) == ids[:5]
    cli(app, "clock", "set", (T0 + timedelta(hours=6, seconds=1)).isoformat())  # just after it
    assert "1 timer(s) fired" in cli(app, "timers", "sweep")
    assert completed(ids) == ids
    fired = db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "timer_fired"))
    assert fired == 6 and all(audit.replay(i).ok for i in ids)


def test_after_downtime_overdue_timers_fire_with_their_original_due_time(app, wait_process, at):
    at(T0.isoformat())
    due = T0 + timedelta(hours=1)
    instance_id = start_waiting(due)
    at((T0 + timedelta(hours=5)).isoformat())  # nothing ran for four hours
    assert timers.sweep() == 1
    [event] = db.session.scalars(select(Event).where(Event.instance_id == instance_id, Event.kind == "timer_fired"))
    payload = json.loads(event.payload_json)
    assert datetime.fromisoformat(payload["due_at"]) == due
    assert {name: datetime.fromisoformat(at) for name, at in payload["due"].items()} == {"Timer_wake": due}
    assert payload["late_seconds"] == pytest.approx(4 * 3600, abs=5)
    assert datetime.fromisoformat(payload["clock"]) == event.at  # the clock value the step ran at
    assert audit.replay(instance_id).ok
