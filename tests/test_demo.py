"""`make run`'s live demo cases (issue 11): every flow at different stages — opened, due today, overdue, waiting for a
timer, escalated, done — built by the real use cases, idempotent, and every history verifies and replays."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import calendar, clock, demo
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance, Timer, User
from app.platform import audit, definitions, demo_cases, tasks
from tests.walk import demo_world

pytestmark = pytest.mark.slow

FLOWS_WITH_AN_END = {"complaint", "arrears_disconnection", "hazard_disconnection"}


def _ready() -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.state == "ready")))


def test_demo_cases_show_every_flow_at_every_stage_once_and_replay(app, at):
    now = demo_world(at, "2026-03-04T15:00:00+08:00")  # a Wednesday
    built = demo.load_cases()
    assert len(built) >= 25 and all(line.startswith("demo case ") for line in built)
    statuses = {}
    for key, status in db.session.execute(select(ProcessInstance.process_key, ProcessInstance.status)):
        statuses.setdefault(key, set()).add(status)
    deployed = {row.key for row in definitions.list_live()}
    assert {key for key, seen in statuses.items() if "running" in seen} == deployed  # every flow has live cases
    assert {key for key, seen in statuses.items() if "completed" in seen} >= FLOWS_WITH_AN_END

    ready = _ready()
    due = [clock.ensure_aware(t.due_at) for t in ready if t.due_at is not None]
    end_of_today = datetime.combine(clock.to_local(now).date() + timedelta(days=1), datetime.min.time(),
                                    tzinfo=calendar.SHANGHAI)  # fmt: skip
    assert sum(d < now for d in due) >= 5  # overdue (C14.1, C15.1, S24.6 restore, S24.7 reinspection, notices)
    assert any(now < d <= end_of_today for d in due)  # due today
    assert db.session.scalar(select(Timer.id).limit(1)) is not None  # cases waiting on a timer (payment deadline …)
    escalations = db.session.scalars(select(Event.payload_json).where(Event.kind == "escalated")).all()
    assert any('"C15.2"' in p for p in escalations)
    people = list(db.session.scalars(select(User).where(User.active.is_(True))))
    for task in ready:  # nobody's inbox is a dead end: each open task has someone who may work it
        assert task.assignee_id is not None or any(tasks.is_candidate(task, u) for u in people), task.candidate_group

    for username in ("kf_agent", "kf_head", "lz_staff", "lz_head", "jj_staff", "fg_leader", "aq_head", "jd_head",
                     "owner", "owner2"):  # fmt: skip
        user = db.session.scalar(select(User).where(User.username == username))
        assert tasks.inbox(user, tasks.InboxQuery(scope="all"))[1] > 0, f"{username} would open an empty inbox"
    for username in ("kf_agent", "lz_staff"):  # work in hand, in 我的待办
        user = db.session.scalar(select(User).where(User.username == username))
        assert tasks.inbox(user, tasks.InboxQuery(scope="mine"))[1] > 0, username

    cases = db.session.scalar(select(db.func.count()).select_from(ProcessInstance))
    assert demo.load_cases() == []  # idempotent
    assert db.session.scalar(select(db.func.count()).select_from(ProcessInstance)) == cases
    assert set(demo_cases.loaded().values()) == set(db.session.scalars(select(ProcessInstance.id)))
    assert all(report.ok for report in audit.verify())
    for instance_id in demo_cases.loaded().values():
        assert audit.replay(instance_id).ok, instance_id


@pytest.mark.parametrize(
    "moment",
    [
        "2026-10-08T00:30:00+08:00",  # just after the National Day week: long runs of days off in every timeline
        "2026-03-01T05:00:00+08:00",  # a Sunday, the 1st, before the monthly report is compiled (C14.2)
    ],
)
def test_demo_cases_load_at_awkward_moments(app, at, moment):
    demo_world(at, moment)
    built = demo.load_cases()
    assert len(built) >= 25
    assert all(report.ok for report in audit.verify())
