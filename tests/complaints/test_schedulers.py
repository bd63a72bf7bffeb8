"""The whole complaint process on PostgreSQL with two `gasflow scheduler` processes (issue 5, "Must show"): every C14.1
reminder, C15.2 escalation and C15.1 late-record escalation happens exactly once, C15.2 breaches are recorded once per
task, the C14.2 monthly notice is started once, and the cases then run to the end with intact, replayable histories."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.complaints import notice as complaint_report_notice
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance, Timer
from app.platform import audit, definitions, instances
from app.settings import PROJECT_ROOT, postgres_test_url
from tests.complaints.test_process import ANSWER, _do, _open
from tests.complaints.test_report import VALID, _handle_to_callback, _intake, _ruled
from tests.test_scheduler import _spawn, _stop, _wait_until

CASES = 4
WORKER = {"客服中心": "kf_agent", "部门负责人@利州区分公司": "lz_head", "利州区分公司": "lz_staff"}
FOLLOWUP = {"followup": "已督办"}
BREACHES = select(func.count()).select_from(Event).where(Event.kind == "breach")
ANSWER_ESCALATIONS = ("Task_reminder", "Task_escalate_head", "Task_escalate_csc")  # C14.1 reminder, C15.2


def _fresh(query):
    db.session.commit()  # a new snapshot: the scheduler processes are writing
    return db.session.scalar(query)


def _per_instance(spec_name: str) -> dict[int, int]:
    db.session.commit()
    rows = db.session.execute(
        select(HumanTask.instance_id, func.count())
        .where(HumanTask.spec_name == spec_name)
        .group_by(HumanTask.instance_id)
    )
    return dict(rows.all())


@pytest.mark.slow
@pytest.mark.skipif(not postgres_test_url(), reason="needs GASFLOW_TEST_POSTGRES (several processes share one server)")
def test_complaints_run_with_two_scheduler_processes_without_a_duplicate_escalation(
    app, settings, people, at, tmp_path
):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("scheduler processes share one PostgreSQL; the SQLite run of this test has nothing to add")
    at("2026-03-02T09:30:00+08:00")
    for name in ("complaint", "complaint_monthly_report"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    ids = []
    for n in range(CASES):  # received Monday 03-02: the answer is due at 24:00 on 03-09 (C14.1)
        iid = _intake(people, "2026-03-02T09:00:00+08:00", f"1390000000{n}", f"事项{n}").instance_id
        _ruled(people, iid, VALID)
        ids.append(iid)
    answered, unanswered = ids[0], ids[1:]
    _do(answered, "Task_answer", people["lz_staff"], ANSWER)  # its 信息处理表 is due 24 h later (C15.1)
    expected = {spec: {i: 1 for i in unanswered} for spec in ANSWER_ESCALATIONS} | {"Task_record_late": {answered: 1}}
    at("2026-03-10T00:00:01+08:00")  # past every reminder, answer limit and record limit
    procs = _spawn(settings, tmp_path, 2)
    try:
        timers_left = select(func.count()).select_from(Timer).where(Timer.instance_id.in_(ids))
        done = _wait_until(lambda: _fresh(timers_left) == 0, timeout=90)
        noticed = _wait_until(lambda: complaint_report_notice.noticed("2026-02") is not None, timeout=30)
        # C15.2: the breach check (every 5 s) marks the 3 unanswered Task_answer and the late Task_record
        recorded = _wait_until(lambda: _fresh(BREACHES) == CASES, timeout=30)
        time.sleep(3)  # both keep sweeping a while: a second firing or notice would show up now
        alive = [p.poll() is None for p in procs]
    finally:
        _stop(procs)
    logs = "\n".join((tmp_path / f"scheduler-{i}.log").read_text(errors="replace")[-2000:] for i in range(2))
    assert done and noticed and recorded and all(alive), logs
    for spec, per_case in expected.items():  # exactly once per case, never twice
        assert _per_instance(spec) == per_case, spec
    fired = Counter()
    for (payload,) in db.session.execute(select(Event.payload_json).where(Event.kind == "timer_fired")):
        fired.update(json.loads(payload)["timers"])
    assert fired == {"Timer_breach": CASES - 1, "Timer_reminder": CASES - 1, "Timer_record_late": 1}
    breaches = Counter(db.session.scalars(select(Event.task_id).where(Event.kind == "breach")))
    assert len(breaches) == CASES and set(breaches.values()) == {1}  # each late task recorded once, whoever swept
    notices = select(func.count()).select_from(ProcessInstance)
    assert _fresh(notices.where(ProcessInstance.process_key == "complaint_monthly_report")) == 1  # C14.2: once
    for iid in ids:  # and every case still runs to the end
        if iid != answered:
            _do(iid, "Task_answer", people["lz_staff"], ANSWER)
        _handle_to_callback(people, iid, "满意")
        for spec, task in _open(iid).items():  # the follow-ups the schedulers opened are worked too
            _do(iid, spec, people[WORKER[task.candidate_group]], {} if spec == "Task_reminder" else FOLLOWUP)
        assert instances.get(iid).status == "completed"
    assert all(report.ok for report in audit.verify())
    assert all(audit.replay(iid).ok for iid in ids)
