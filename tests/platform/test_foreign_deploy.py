"""Diagrams from other modelling tools on a real database (issue 19): the deployable ones run a case to the end, the
others are refused with the complete list — over the API as one 422 — and none is a 5xx."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.engine import BpmnInvalid
from app.extensions import db
from app.models import Timer
from app.platform import definitions, instances, timers
from tests.conftest import FIXTURES
from tests.walk import open_tasks, work

FOREIGN = FIXTURES / "foreign"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _deploy(name: str):
    row, created = definitions.deploy((FOREIGN / name).read_bytes(), name)
    assert created
    return row


def _due(instance, element: str) -> datetime:
    query = select(Timer.due_at).where(Timer.instance_id == instance.id, Timer.spec_name == element)
    return db.session.scalar(query).astimezone(UTC)


def _finished(instance) -> bool:
    db.session.refresh(instance)
    return instance.status == "completed"


def test_issue19_camunda7_collaboration_with_outside_pools_runs_to_the_end(app, people, at):
    at("2026-11-02T09:00:00+08:00")
    row = _deploy("camunda7_collaboration.bpmn")
    assert "Participant_customer" in row.xml and 'camunda:candidateGroups="客服中心"' in row.xml  # stored as drawn
    instance = instances.start("foreign_meter_check", {}, people["kf_agent"].user)  # candidateStarterGroups
    assert open_tasks(instance.id)["Task_register"].candidate_group == "客服中心"  # camunda:candidateGroups
    work(instance.id, "Task_register", people["kf_agent"])
    assert open_tasks(instance.id) == {}  # waiting PT6H, written plainly
    at("2026-11-02T15:00:01+08:00")
    assert timers.sweep() == 1
    visit = open_tasks(instance.id)["Task_visit"]
    assert visit.candidate_group == "利州区分公司"
    work(instance.id, "Task_visit", people["lz_staff"])
    assert _finished(instance)


def test_issue19_plain_iso_timers_start_wait_and_fire(app, people, at):
    at("2026-11-02T09:00:00+08:00")
    row = _deploy("bpmnio_iso_timers.bpmn")
    assert ">P7D<" in row.xml and ">R6/P1D<" in row.xml  # kept as written; quoted only for the engine
    done = instances.start("foreign_iso_timers", {}, people["kf_agent"].user)
    assert set(open_tasks(done.id)) == {"Activity_rectify"}  # the typeless task passed through, nobody's inbox
    work(done.id, "Activity_rectify", people["lz_staff"])
    late = instances.start("foreign_iso_timers", {}, people["kf_agent"].user)
    assert _due(late, "Event_remind") == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    at("2026-11-03T09:00:01+08:00")
    timers.sweep()
    assert _due(late, "Event_remind") == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)  # R6/P1D: reminded, next one set
    at("2026-11-09T09:00:01+08:00")
    timers.sweep()
    assert _finished(late)  # P7D: overdue, ended on the interrupting timer
    assert not _finished(done)  # waits for 2026-12-01T09:00:00+08:00
    at("2026-12-01T09:00:01+08:00")
    timers.sweep()
    assert _finished(done)


@pytest.mark.parametrize("name", ["signavio_documentation.bpmn", "visio_gbk.bpmn", "camunda7_call_activity.bpmn"])
def test_issue19_documentation_gbk_and_called_process_diagrams_run_to_the_end(app, people, name):
    row = _deploy(name)
    assert 'encoding="UTF-8"' in row.xml[:60]
    instance = instances.start(row.key, {}, people["kf_agent"].user)
    [task] = open_tasks(instance.id).values()
    assert task.candidate_group == "客服中心"
    work(instance.id, task.spec_name, people["kf_agent"])
    assert _finished(instance)


def test_issue19_camunda_candidate_groups_are_checked_against_real_units_on_the_task(app, people):
    content = (FOREIGN / "camunda7_collaboration.bpmn").read_text(encoding="utf-8")
    typo = content.replace('camunda:candidateGroups="利州区分公司"', 'camunda:candidateGroups="抢修班"')
    with pytest.raises(BpmnInvalid) as err:
        definitions.deploy(typo.encode("utf-8"), "typo.bpmn")
    [problem] = err.value.problems
    assert problem.element_id == "Task_visit" and problem.line == 25 and "泳道“抢修班”不是任何单位" in problem.message


def test_issue19_deploy_lists_the_engine_and_the_installation_problems_together(app, people):
    with pytest.raises(BpmnInvalid) as err:
        definitions.deploy((FOREIGN / "camunda7_many_faults.bpmn").read_bytes(), "many.bpmn")
    by_id = {}
    for problem in err.value.problems:
        by_id.setdefault(problem.element_id, []).append(problem)
    assert {"Lane_crew", "foreign_many_faults", "Task_survey", "Call_billing", "Flow_yes"} <= set(by_id)
    assert "泳道“抢修班”不是任何单位" in by_id["Lane_crew"][0].message  # lanes checked against real units
    assert any("startableBy" in p.message for p in by_id["foreign_many_faults"])
    assert any("survey.json" in p.message for p in by_id["Task_survey"])  # camunda:formKey read as ours
    assert len(err.value.problems) == 11


def test_issue19_api_one_422_lists_every_fault_with_ids_and_lines(client, people):
    content = (FOREIGN / "camunda7_many_faults.bpmn").read_bytes()
    response = client.post("/api/v1/definitions?filename=many.bpmn", data=content, headers=people["owner"].headers)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    errors = response.json["errors"]
    assert len(errors) == 11 and "11" in response.json["detail"]
    for error in errors:
        assert error["element_id"] and isinstance(error["line"], int) and error["kind"] and error["file"] == "many.bpmn"
        assert CJK.search(error["message_zh"]) and error["message_en"] and error["fix"]
    lines = {e["element_id"]: e["line"] for e in errors}
    assert lines["Task_survey"] == 18 and lines["Flow_no"] == 72 and lines["Lane_crew"] == 6
    assert lines["foreign_many_faults"] == 4 and lines["Timer_overdue"] == 30


@pytest.mark.parametrize("name", sorted(p.name for p in FOREIGN.glob("*.bpmn")))
def test_issue19_no_foreign_file_is_a_5xx(client, people, name):
    response = client.post(f"/api/v1/definitions?filename={name}", data=(FOREIGN / name).read_bytes(),
                           headers=people["owner"].headers)  # fmt: skip
    assert response.status_code in (201, 422), response.json


def test_issue19_gasflow_lint_prints_the_same_list_and_fails_on_errors(app, people):
    from app.cli import main

    runner = app.test_cli_runner()
    bad = runner.invoke(main, ["lint", str(FOREIGN / "camunda7_many_faults.bpmn")])
    assert bad.exit_code == 1
    assert "camunda7_many_faults.bpmn:6: error: Lane_crew (lane 抢修班) 泳道“抢修班”不是任何单位" in bad.output
    assert "1 file(s), 11 error(s)" in bad.output
    offline = runner.invoke(main, ["lint", "--offline", str(FOREIGN / "camunda7_many_faults.bpmn")])
    assert offline.exit_code == 1 and "1 file(s), 8 error(s)" in offline.output  # without lanes, forms, senders
    good = runner.invoke(main, ["lint", str(FOREIGN / "signavio_documentation.bpmn"), str(FOREIGN / "visio_gbk.bpmn")])
    assert good.exit_code == 0 and "2 file(s), 0 error(s)" in good.output and "warning: sid-STOREREF-cis" in good.output
