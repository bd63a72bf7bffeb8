"""Hostile BPMN is refused before anything runs, with the file, line and element (issue 2 §3, Must show)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.engine import BpmnInvalid, DataTooLarge, Engine, ScriptError, parse_definition
from app.engine import pool as pools

SAMPLE = (Path(__file__).resolve().parent.parent / "fixtures" / "platform_sample.bpmn").read_bytes()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _with_script(script: str) -> bytes:
    return SAMPLE.replace(b'paid_total = payment["amount"]', script.encode())


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'.encode() + SAMPLE.split(b"?>", 1)[1]
    )
    doc = doc.replace("平台示例流程".encode(), b"&x;", 1)
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(doc, "evil.bpmn")
    assert "DOCTYPE" in str(err.value) and "TOP-SECRET" not in str(err.value)


def test_entity_bomb_is_refused_quickly():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>'
    )
    started = time.perf_counter()
    with pytest.raises(BpmnInvalid, match="DOCTYPE"):
        parse_definition(bomb, "bomb.bpmn")
    assert time.perf_counter() - started < 1.0


def test_malformed_xml_names_the_line():
    broken = SAMPLE.replace(b'<bpmn:endEvent id="End_done"', b'<bpmn:endEvent id="End_done" <oops', 1)
    line = SAMPLE[: SAMPLE.index(b'<bpmn:endEvent id="End_done"')].count(b"\n") + 1
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(broken, "broken.bpmn")
    assert err.value.problems[0].line == line and err.value.problems[0].file == "broken.bpmn"


def test_xsd_violation_names_the_line():
    bad = SAMPLE.replace(b'<bpmn:sequenceFlow id="Flow_1"', b'<bpmn:sequenceFlow bogus="1" id="Flow_1"', 1)
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(bad, "xsd.bpmn")
    assert err.value.problems[0].line is not None


def test_dangling_reference_names_line_and_element():
    bad = SAMPLE.replace(b'targetRef="Task_total"', b'targetRef="Task_nowhere"', 1)
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(bad, "dangling.bpmn")
    problem = err.value.problems[0]
    assert problem.line is not None and problem.element_id


@pytest.mark.parametrize(
    "script",
    [
        "__import__('os').system('touch /tmp/gasflow-pwned')",
        "import os",
        "x = ().__class__.__bases__[0].__subclasses__()",
        "x = payment.__class__",
        "open('/etc/passwd').read()",
        "exec('1')",
    ],
)
def test_dangerous_scripts_are_refused_at_deploy_with_their_line(script):
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(_with_script(script), "hostile.bpmn")
    problem = err.value.problems[0]
    assert (
        problem.element_id == "Task_total" and problem.line == SAMPLE[: SAMPLE.index(b"<bpmn:script>")].count(b"\n") + 1
    )
    assert not Path("/tmp/gasflow-pwned").exists()


def _run_to_script(engine: Engine, script: str):
    definition = parse_definition(_with_script(script), "s.bpmn")
    first = engine.start(definition, {}, "t", T0)
    second = engine.complete_task(
        definition, first.state_json, "t", first.ready_tasks[0].id, {"needs_visit": False}, T0
    )
    return definition, second


def test_endless_loop_is_stopped_after_the_time_limit():
    engine = Engine({}, timeout_seconds=0.3)
    definition, state = _run_to_script(engine, "while True:\n    pass")
    started = time.perf_counter()
    with pytest.raises(ScriptError, match="0.3"):
        engine.deliver_message(definition, state.state_json, "t", "payment_received", {"amount": 1}, T0)
    # 0.3 s of the worker's CPU; on a busy machine longer on the wall clock, never past the pool's ceiling.
    assert time.perf_counter() - started < max(pools.HARD_FACTOR * 0.3, 0.3 + pools.HARD_EXTRA_SECONDS) + 2


def test_ten_megabyte_value_from_a_script_is_refused():
    engine = Engine({}, max_data_bytes=1_000_000)
    definition, state = _run_to_script(engine, "big = 'x' * 10_000_000")
    with pytest.raises(DataTooLarge):
        engine.deliver_message(definition, state.state_json, "t", "payment_received", {"amount": 1}, T0)


def test_ten_megabyte_task_data_is_refused():
    engine = Engine({}, max_data_bytes=1_000_000)
    definition = parse_definition(SAMPLE, "s.bpmn")
    with pytest.raises(DataTooLarge):
        engine.start(definition, {"blob": "x" * 10_000_000}, "t", T0)


def test_allowed_functions_and_plain_python_still_work():
    engine = Engine({"double": lambda v: 2 * v})
    definition, state = _run_to_script(engine, "paid_total = double(payment['amount'])\nitems = [i for i in range(3)]")
    done = engine.deliver_message(definition, state.state_json, "t", "payment_received", {"amount": 21}, T0)
    assert done.completed and done.case_data["paid_total"] == 42 and done.case_data["items"] == [0, 1, 2]


def test_user_task_outside_any_lane_is_refused():
    bad = SAMPLE.replace(b"<bpmn:flowNodeRef>Task_register</bpmn:flowNodeRef>", b"", 1)
    with pytest.raises(BpmnInvalid) as err:
        parse_definition(bad, "nolane.bpmn")
    assert err.value.problems[0].element_id == "Task_register"


def test_time_inside_allowed_functions_is_not_charged_to_the_script():
    """A slow registry call (a calendar that loads its table) does not stop a script; the script's own loop does."""

    def slow_lookup(value):
        time.sleep(0.4)
        return value

    engine = Engine({"slow_lookup": slow_lookup}, timeout_seconds=0.3)
    definition, state = _run_to_script(engine, "paid_total = slow_lookup(payment['amount'])")
    done = engine.deliver_message(definition, state.state_json, "t", "payment_received", {"amount": 3}, T0)
    assert done.case_data["paid_total"] == 3
    definition, state = _run_to_script(engine, "paid_total = slow_lookup(1)\nwhile True:\n    pass")
    with pytest.raises(ScriptError, match="0.3"):
        engine.deliver_message(definition, state.state_json, "t", "payment_received", {"amount": 3}, T0)
