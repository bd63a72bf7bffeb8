"""Issue 12, item 2 (rules.md "recomputed when the year is entered"; C14.1, C15.2) on processes/complaint.bpmn itself:
entering 2027's schedule moves every deadline complaint.bpmn derived from the calendar — the answer_due/reminder_at
variables its timers read and the deadlines of tasks without slaWorkingDays — not only timers that call
add_working_days in their own expression."""

from __future__ import annotations

from datetime import UTC, datetime

from app.platform import audit, deadlines, timers
from tests.complaints.conftest import complaint  # noqa: F401 - the complaint fixture
from tests.complaints.test_process import TRIAGE, VALID, _case, _intake, _investigate
from tests.platform.test_deadlines import SCHEDULE_2027, open_tasks, timer_dues
from tests.walk import event_payloads as _events
from tests.walk import work as _do

RECEIVED = "2027-02-01T09:00:00+08:00"  # provisional: ends 24:00 Feb 8; with SCHEDULE_2027: 24:00 Sat Feb 13
PROVISIONAL_DUE = datetime(2027, 2, 8, 16, 0, tzinfo=UTC)
EXACT_DUE = datetime(2027, 2, 13, 16, 0, tzinfo=UTC)


def test_C14_1_calendar_import_moves_complaint_timers_and_every_derived_deadline(complaint, at):  # noqa: F811
    at("2027-02-01T09:30:00+08:00")
    answering = _intake(complaint["kf_agent"], received_at=RECEIVED).instance_id
    waiting = _intake(complaint["kf_agent"], received_at=RECEIVED, matter="燃气费").instance_id
    _do(answering, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(answering, complaint)
    _do(answering, "Task_validity", complaint["kf_agent"], VALID)
    assert timer_dues(answering)["Timer_breach"] == PROVISIONAL_DUE
    assert open_tasks(waiting)["Task_triage"].due_at == PROVISIONAL_DUE  # dueField only, no slaWorkingDays
    assert open_tasks(waiting)["Task_triage"].due_provisional is True

    result = deadlines.import_year(SCHEDULE_2027, None)

    assert result.timers_recomputed >= 2
    assert timer_dues(answering)["Timer_breach"] == EXACT_DUE
    assert timer_dues(answering)["Timer_reminder"] == datetime(2027, 2, 5, 0, 30, tzinfo=UTC)  # Fri 08:30, before
    assert open_tasks(answering)["Task_answer"].due_at == EXACT_DUE
    triage = open_tasks(waiting)["Task_triage"]
    assert triage.due_at == EXACT_DUE and triage.due_provisional is False
    case = _case(answering)
    assert case["answer_due"] == "2027-02-14T00:00:00+08:00" and case["answer_due_provisional"] is False
    [recomputed] = _events(answering, "timers_recomputed")
    assert {"key": "answer_due", "old": "2027-02-09T00:00:00+08:00", "new": "2027-02-14T00:00:00+08:00"} in (
        recomputed["changes"]
    )
    at("2027-02-09T00:00:01+08:00")  # the provisional limit has passed; the real one has not
    timers.sweep()
    assert "Task_escalate_head" not in open_tasks(answering) and _events(answering, "escalated") == []
    at("2027-02-14T00:00:01+08:00")
    timers.sweep()
    assert {"Task_escalate_head", "Task_escalate_csc"} <= set(open_tasks(answering))
    assert audit.verify_case(answering).ok and audit.verify_case(waiting).ok  # the recorded step replays
