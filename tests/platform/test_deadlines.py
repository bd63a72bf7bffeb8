"""Deadlines on the holiday table through the services (issue 3 §2-5; C14.1, C15.1, C15.2).

The diagram tests/fixtures/sla_complaint.bpmn carries all three kinds of deadline. 2027 is not in chinese-calendar
1.11.0, so a complaint received in February 2027 gets a provisional deadline; SCHEDULE_2027 below is a made-up
schedule (the real one is published in November 2026) that puts Spring Festival where the provisional rule cannot see it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from app.calendar import admin as calendar_admin
from app.core.errors import Invalid
from app.extensions import db
from app.models import CalendarYear, Event, HumanTask, Timer
from app.platform import audit, deadlines, definitions, instances, sla, timers
from tests.conftest import FIXTURES

SLA_BPMN = FIXTURES / "sla_complaint.bpmn"
RECEIVED = "2027-02-01T09:00:00+08:00"  # a Monday
SCHEDULE_2027 = """date,workday,name
2027-01-01,0,元旦
2027-02-06,0,春节
2027-02-07,0,春节
2027-02-08,0,春节
2027-02-09,0,春节
2027-02-10,0,春节
2027-02-11,0,春节
2027-02-12,0,春节
2027-02-13,1,调休上班
"""
# Provisional (weekdays minus fixed dates): Feb 2 W1 .. Feb 5 W4, Feb 6-7 weekend, Feb 8 W5 -> ends 24:00 on Feb 8.
PROVISIONAL_DUE = datetime(2027, 2, 8, 16, 0, tzinfo=UTC)
# With SCHEDULE_2027: Feb 2-5 W1-W4, Feb 6-12 Spring Festival, Sat Feb 13 make-up workday W5 -> 24:00 on Feb 13.
EXACT_DUE = datetime(2027, 2, 13, 16, 0, tzinfo=UTC)
REMIND_DUE = datetime(2027, 2, 5, 16, 0, tzinfo=UTC)  # the 4th working day is Fri Feb 5 under both


def deploy_sla():
    row, _ = definitions.deploy(SLA_BPMN.read_bytes(), SLA_BPMN.name)
    return row


def start_complaint(user=None, received=RECEIVED, **data):
    return instances.start(
        "sla_complaint", {"received_at": received, "branch": "利州区分公司", "case_no": "TS-1", **data}, user
    )


def open_tasks(instance_id) -> dict[str, HumanTask]:
    rows = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
        .execution_options(populate_existing=True)
    )
    return {t.spec_name: t for t in rows}


def timer_dues(instance_id) -> dict[str, datetime]:
    rows = db.session.scalars(
        select(Timer).where(Timer.instance_id == instance_id).execution_options(populate_existing=True)
    )
    return {t.spec_name: t.due_at for t in rows}


def events(instance_id, kind=None) -> list[Event]:
    query = select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)
    if kind:
        query = query.where(Event.kind == kind)
    return list(db.session.scalars(query))


@pytest.fixture
def sla_process(app, people):
    return deploy_sla()


def test_c14_1_provisional_2027_deadline_becomes_exact_after_import(sla_process, people, at):
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    data = instances.case_data(instance)
    assert data["reply_due"] == "2027-02-09T00:00:00+08:00" and data["reply_due_provisional"] is True
    handle = open_tasks(instance.id)["Task_handle"]
    assert handle.due_at == PROVISIONAL_DUE and handle.due_provisional and handle.sla_kind == "working_days"
    assert timer_dues(instance.id) == {"Timer_remind": REMIND_DUE, "Timer_overdue": PROVISIONAL_DUE}
    [started] = events(instance.id, "started")
    calls = json.loads(started.payload_json)["calls"]
    assert [c["fn"] for c in calls].count("add_working_days") == 3  # the script and both timer expressions

    result = deadlines.import_year(SCHEDULE_2027, None)
    assert (result.years, result.tasks_recomputed, result.timers_recomputed) == ([2027], 1, 1)
    handle = open_tasks(instance.id)["Task_handle"]
    assert handle.due_at == EXACT_DUE and not handle.due_provisional
    assert timer_dues(instance.id) == {"Timer_remind": REMIND_DUE, "Timer_overdue": EXACT_DUE}
    [recomputed] = events(instance.id, "deadline_recomputed")
    assert json.loads(recomputed.payload_json)["old_due_at"] == PROVISIONAL_DUE.isoformat()
    [moved] = json.loads(events(instance.id, "timers_recomputed")[0].payload_json)["timers"]
    assert moved["spec_name"] == "Timer_overdue" and moved["due_at"] == EXACT_DUE.isoformat()
    assert audit.replay(instance.id).ok
    assert audit.verify(instance.id)[0].ok

    # Nothing is recomputed twice: the deadlines are exact now.
    again = deadlines.import_year(SCHEDULE_2027, None)
    assert (again.tasks_recomputed, again.timers_recomputed) == (0, 0)


def test_replay_uses_recorded_calendar_answers_not_todays_table(sla_process, people, at):
    """The state digest of the start step holds the provisional answer; replay must not ask the (now changed) table."""
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    deadlines.import_year(SCHEDULE_2027, None)
    assert audit.replay(instance.id).ok
    # Remove the recorded calls (the chain is not checked by replay): recomputing now gives the exact 2027 answer,
    # which is not what the case saw, and replay says so at the start event.
    [started] = events(instance.id, "started")
    payload = json.loads(started.payload_json)
    payload.pop("calls")
    db.session.execute(update(Event).where(Event.id == started.id).values(payload_json=json.dumps(payload)))
    db.session.commit()
    report = audit.replay(instance.id)
    assert not report.ok and report.first_divergence_seq == started.seq


def test_timers_follow_the_imported_schedule_and_escalate(sla_process, people, at):
    """C15.2: the non-interrupting reminder fires at the end of the 4th working day; the interrupting escalation only
    after the real 5th working day (Feb 13), not at the provisional one (Feb 8)."""
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    deadlines.import_year(SCHEDULE_2027, None)
    at("2027-02-06T00:00:01+08:00")
    assert timers.sweep() == 1
    assert set(open_tasks(instance.id)) == {"Task_handle", "Task_remind"}  # non-interrupting: both open
    at("2027-02-10T09:00:00+08:00")  # past the provisional deadline, before the real one
    assert timers.sweep() == 0
    at("2027-02-14T00:00:01+08:00")
    assert timers.sweep() == 1
    assert set(open_tasks(instance.id)) == {"Task_remind", "Task_escalate"}  # interrupting: handling taken away
    fired = [json.loads(e.payload_json) for e in events(instance.id, "timer_fired")]
    assert [f["timers"] for f in fired] == [["Timer_remind"], ["Timer_overdue"]]
    assert fired[1]["due"] == {"Timer_overdue": EXACT_DUE.isoformat()}
    assert audit.replay(instance.id).ok


def test_confirming_a_hand_entered_year_recomputes_too(sla_process, people, at):
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    for line in SCHEDULE_2027.splitlines()[1:]:
        day, flag, name = line.split(",")
        calendar_admin.set_day(datetime.fromisoformat(day).date(), flag == "1", name, None)
    assert open_tasks(instance.id)["Task_handle"].due_provisional  # entering days alone does not close the year
    result = deadlines.confirm_year(2027, people["admin"].user.id)
    assert (result.tasks_recomputed, result.timers_recomputed) == (1, 1)
    assert open_tasks(instance.id)["Task_handle"].due_at == EXACT_DUE
    assert db.session.get(CalendarYear, 2027).source == "admin"
    assert audit.replay(instance.id).ok


def test_a_bad_schedule_imports_nothing_and_names_each_line(app):
    bad = SCHEDULE_2027 + "2027-02-30,0,春节\n2027-03-01,maybe,\n"
    with pytest.raises(Invalid) as err:
        deadlines.import_year(bad, None)
    assert [e.split("：")[0] for e in err.value.extra["errors"]] == ["第 11 行", "第 12 行"]
    assert db.session.get(CalendarYear, 2027) is None


def test_time_left_counts_working_time_for_working_day_slas(sla_process, people, at):
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    deadlines.import_year(SCHEDULE_2027, None)
    at("2027-02-12T12:00:00+08:00")  # Friday, inside the Spring Festival break
    handle = open_tasks(instance.id)["Task_handle"]
    assert sla.seconds_left(handle) == 24 * 3600  # only Sat Feb 13 (make-up workday) is left
    assert not sla.is_overdue(handle)


def test_c15_2_every_breach_is_recorded_once(sla_process, people, at):
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    deadlines.import_year(SCHEDULE_2027, None)
    at("2027-02-06T00:00:01+08:00")
    timers.sweep()  # the reminder task, 4 wall-clock hours
    remind = open_tasks(instance.id)["Task_remind"]
    assert remind.sla_kind == "hours"
    assert abs((remind.due_at - datetime(2027, 2, 5, 20, 0, 1, tzinfo=UTC)).total_seconds()) < 1
    at("2027-02-06T03:59:00+08:00")
    assert sla.record_breaches() == 0
    at("2027-02-06T04:00:02+08:00")
    assert sla.seconds_left(open_tasks(instance.id)["Task_remind"]) == pytest.approx(-1, abs=0.01)
    assert sla.record_breaches() == 1
    assert sla.record_breaches() == 0
    [breach] = events(instance.id, "breach")
    assert breach.task_id == remind.id and json.loads(breach.payload_json)["due_at"] == remind.due_at.isoformat()
    assert open_tasks(instance.id)["Task_remind"].breached_at is not None
    assert audit.verify(instance.id)[0].ok and audit.replay(instance.id).ok
