"""Diagrams from other modelling tools (issue 19): every problem at once, engine messages translated, pools, plain
ISO-8601 timers, typeless tasks, documentation-only elements, Camunda 7 attributes, Zeebe/Signavio extensions,
encodings. The fixtures in tests/fixtures/foreign/ are drawn in the styles those tools export."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from app.engine import BpmnInvalid, Engine, checks, foreign, parse_definition, translate, xml_text
from app.engine.definitions import build
from tests.conftest import FIXTURES

FOREIGN = FIXTURES / "foreign"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CJK = re.compile(r"[\u4e00-\u9fff]")
# What an owner must never see: SpiffWorkflow's and lxml's own words.
RAW = re.compile(r"<Element|at 0x|Cannot resolve|has no implementation|SubWorkflow|Time Specification|must have an "
                 r"operator|tasks of type\.|\{http|SyntaxError")  # fmt: skip


def _report(name: str) -> checks.Report:
    return checks.check((FOREIGN / name).read_bytes(), name)


def _by_id(report: checks.Report, severity: str = checks.ERROR) -> dict[str, list[checks.Finding]]:
    found: dict[str, list[checks.Finding]] = {}
    for f in report.findings:
        if f.severity == severity:
            found.setdefault(f.element_id, []).append(f)
    return found


def _assert_actionable(finding: checks.Finding) -> None:
    assert finding.element_id and finding.line and finding.kind, finding
    assert CJK.search(finding.message_zh) and finding.message_en and finding.fix, finding
    assert not RAW.search(finding.message_zh + finding.message_en), finding


def test_issue19_item1_many_faults_are_all_listed_at_once_with_id_line_type_and_fix():
    report = _report("camunda7_many_faults.bpmn")
    errors = _by_id(report)
    assert set(errors) == {
        "Task_survey",  # two outgoing flows from a user task
        "Timer_overdue",  # a timer with no time
        "Task_bill",  # a service task with a Java class
        "SubProcess_followup",  # a collapsed subprocess with no start event
        "Call_billing",  # a call activity whose process is not in the file
        "Task_review",  # a user task in no lane
        "Flow_yes",  # a Camunda ${…} condition
        "Flow_no",  # an exclusive gateway's flow with no condition and not the default
    }
    for found in errors.values():
        for finding in found:
            _assert_actionable(finding)
    [split] = errors["Task_survey"]
    assert "用户任务“现场勘查”有 2 条出口流" in split.message_zh and "userTask" in split.message_en
    assert "排他网关" in split.fix and "parallel gateway" in split.fix and split.line == 18
    assert "repaired == True" in errors["Flow_yes"][0].fix  # the Python form of the JUEL condition
    warned = _by_id(report, checks.WARNING)
    assert "DataStoreReference_billing" in warned and "Task_bill" in warned  # the store; camunda:class is named
    assert report.definition is None


def test_issue19_item1_deploy_raises_every_error_not_the_first():
    with pytest.raises(BpmnInvalid) as err:
        parse_definition((FOREIGN / "camunda7_many_faults.bpmn").read_bytes(), "many.bpmn")
    problems = err.value.problems
    assert len(problems) == 8 and all(p.line and p.element_id and p.fix and p.message_zh for p in problems)
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_issue19_item1_spiffworkflow_messages_are_translated_when_it_raises_them():
    """Bypass the checks that find these first: what SpiffWorkflow itself raises reaches the owner translated."""
    tree = etree.fromstring((FOREIGN / "camunda7_many_faults.bpmn").read_bytes()).getroottree()
    process = tree.xpath("//bpmn:process", namespaces=foreign.NS)[0]
    with pytest.raises(ValidationException) as raw:
        build(tree, process, "raw.bpmn")
    finding = translate.finding(raw.value, tree, "raw.bpmn")
    _assert_actionable(finding)
    assert "Data Store" in str(raw.value) and "收费系统" in finding.message_zh  # the data store has no implementation

    def raised(message: str, element_id: str) -> checks.Finding:
        node = tree.xpath("//*[@id=$id]", id=element_id)[0]
        return translate.finding(ValidationException(message, node=node, file_name="raw.bpmn"), tree)

    cases = {
        "Multiple outgoing flows are not supported for tasks of type": ("Task_survey", "用户任务"),
        "Time Specification Error. Unknown Time Specification. ": ("Timer_overdue", "计时器"),
        "A Service Task must have an operator": ("Task_bill", "服务任务"),
        "Exactly one start event is required in a SubWorkflow Task; found 0.": ("SubProcess_followup", "0 个开始事件"),
        f"Cannot resolve dataOutputAssociation {etree.Element('targetRef')}": ("Task_survey", "数据关联"),
        "Non-default exclusive outgoing sequence flow without condition": ("Flow_no", "没有条件"),
    }
    for message, (element_id, words) in cases.items():
        finding = raised(message, element_id)
        _assert_actionable(finding)
        assert finding.element_id == element_id and words in finding.message_zh, (message, finding)
    unknown = raised("Something SpiffWorkflow 9 says", "Task_bill")
    assert unknown.element_id == "Task_bill" and "Something" not in unknown.message_zh + unknown.message_en


def test_issue19_item2_collaboration_runs_the_one_executable_pool():
    report = _report("camunda7_collaboration.bpmn")
    assert not report.errors and report.definition.key == "foreign_meter_check"
    # the black-box pool (客户, no process) and the empty 住建局 pool are documentation without a word
    assert {f.element_id for f in report.findings} == {"Task_register", "Task_visit"}  # camunda:dueDate / assignee


def test_issue19_item2_two_runnable_pools_are_refused_listing_both():
    report = _report("bpmnio_two_pools.bpmn")
    assert [(f.element_id, f.line) for f in report.errors] == [("Process_csc", 8), ("Process_branch", 15)]
    assert all("受理、施工" in f.message_zh and "isExecutable" in f.fix for f in report.errors)


def test_issue19_item2_a_process_called_from_the_file_runs_as_the_call():
    report = _report("camunda7_call_activity.bpmn")
    assert not report.errors and report.definition.key == "foreign_transfer"
    assert "Process_verify" in report.definition.subprocess_specs
    verify = report.definition.user_tasks["Task_verify"]
    assert verify.lane == "客服中心"  # camunda:candidateGroups, read as the lane
    assert report.definition.properties["startableBy"] == "unit:客服中心"  # camunda:candidateStarterGroups


def test_issue19_item3_plain_iso_timers_run_as_written():
    """P7D, R6/P1D and a date written plainly: the stored text stays as written, the engine gets them quoted, and a
    case starts and waits on them (the start used to fail: 'Error evaluating expression P7D')."""
    content = (FOREIGN / "bpmnio_iso_timers.bpmn").read_bytes()
    assert b">P7D<" in content and b">R6/P1D<" in content
    definition = parse_definition(content, "timers.bpmn")
    engine = Engine({})
    started = engine.start(definition, {}, "seed", T0)
    assert [t.spec_name for t in started.ready_tasks] == ["Activity_rectify"]  # the typeless task passed through
    due = {t.spec_name: t.due_at for t in started.timers}
    assert due["Event_deadline"] == T0 + timedelta(days=7)
    assert due["Event_remind"] == T0 + timedelta(days=1)
    done = engine.complete_task(definition, started.state_json, "seed", started.ready_tasks[0].id, {}, T0)
    [review_day] = done.timers
    assert review_day.due_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 2026-12-01T09:00:00+08:00
    finished = engine.fire_timers(definition, done.state_json, "seed", review_day.due_at + timedelta(seconds=1))
    assert finished.completed


@pytest.mark.parametrize(
    ("kind", "text", "iso"),
    [("timeDuration", "P7D", True), ("timeDuration", "PT6H", True), ("timeDuration", "P1Y2M3DT4H5M6S", True),
     ("timeCycle", "R6/P1D", True), ("timeCycle", "R/PT1H", True), ("timeDate", "2026-12-01T09:00:00+08:00", True),
     ("timeDate", "2026-12-01", True), ("timeDuration", "answer_due", False), ("timeDuration", "'P7D'", False),
     ("timeDuration", "P", False), ("timeDuration", "PT", False), ("timeDate", "reminder_at", False)],
)  # fmt: skip
def test_issue19_item3_what_counts_as_plain_iso(kind, text, iso):
    assert foreign.iso_timer(kind, text) is iso


def test_issue19_item3_a_timer_that_cannot_be_evaluated_is_refused_at_deploy():
    content = (FOREIGN / "bpmnio_iso_timers.bpmn").read_bytes()
    event = etree.fromstring(content).xpath("//*[@id='Event_deadline']")[0]
    [value] = event.xpath(".//*[local-name()='timeDuration']")
    for bad in (b"P7 days", b"${dueDate}", b"'next week'"):
        report = checks.check(content.replace(b">P7D<", b">" + bad + b"<"), "bad.bpmn")
        [error] = report.errors
        assert error.element_id == "Event_deadline" and error.line == value.sourceline, (bad, error)
        _assert_actionable(error)


def test_issue19_item4_typeless_task_is_a_documented_pass_through_never_an_unclaimable_task():
    report = _report("bpmnio_iso_timers.bpmn")
    warned = _by_id(report, checks.WARNING)
    assert set(warned) == {"Activity_notify", "Activity_recheck"}
    assert all("直接通过" in f.message_zh and "用户任务" in f.fix for fs in warned.values() for f in fs)
    assert "Activity_notify" not in report.definition.user_tasks


def test_issue19_item5_documentation_only_elements_are_warnings_and_the_pool_runs():
    report = _report("signavio_documentation.bpmn")
    assert not report.errors and report.definition is not None
    warned = _by_id(report, checks.WARNING)
    assert {"sid-STOREREF-cis", "sid-DATAREF-form", "sid-DATAREF-loose", "sid-TASK-archive"} <= set(warned)
    assert "foreign_signavio_opening" in warned  # non-executable, run as the only drawn pool; Signavio metadata
    signavio = [f for f in report.findings if "Signavio" in f.message_zh]
    assert len(signavio) == 1  # display metadata: named once per file, not on every shape


def test_issue19_item5_unconnected_call_activity_and_collapsed_subprocess_are_notes():
    """Drawn beside the flow to say what happens elsewhere: a warning, not a refusal (in the flow they are refused)."""
    content = (FOREIGN / "bpmnio_iso_timers.bpmn").read_bytes()
    notes = (b'<bpmn:callActivity id="Call_note" name="\xe7\xbb\x93\xe7\xae\x97\xe6\xb5\x81\xe7\xa8\x8b" />'
             b'<bpmn:subProcess id="Sub_note" name="note" /><bpmn:userTask id="User_note" name="note" />')  # fmt: skip
    report = checks.check(content.replace(b"</bpmn:process>", notes + b"</bpmn:process>"), "notes.bpmn")
    assert not report.errors and report.definition is not None
    warned = _by_id(report, checks.WARNING)
    assert {"Call_note", "Sub_note", "User_note"} <= set(warned)
    assert all("没有连线" in warned[i][0].message_zh for i in ("Call_note", "Sub_note", "User_note"))


def test_issue19_item5_a_data_object_that_code_writes_still_runs():
    """The company's arrears diagram passes data between steps in a data object: that is not documentation."""
    from app.settings import PROJECT_ROOT

    report = checks.check((PROJECT_ROOT / "processes" / "arrears_disconnection.bpmn").read_bytes(), "a.bpmn")
    assert not [f for f in report.findings if f.kind in ("dataObjectReference", "dataStoreReference")]
    assert report.tree.xpath("//bpmn:dataOutputAssociation", namespaces=foreign.NS)


def test_issue19_item6_zeebe_assignment_is_named_where_the_lane_is_missing():
    report = _report("zeebe_assignment.bpmn")
    errors = _by_id(report)
    assert set(errors) == {"Task_dispatch", "Task_sms"}
    [lane] = errors["Task_dispatch"]
    assert "zeebe:assignmentDefinition" in lane.fix and "泳道" in lane.fix
    warned = {f.message_en.split(" is not read")[0] for f in report.findings if f.severity == checks.WARNING}
    assert warned == {"Camunda 8 (Zeebe) extension assignmentDefinition", "Camunda 8 (Zeebe) extension formDefinition",
                      "Camunda 8 (Zeebe) extension taskDefinition"}  # fmt: skip


def test_issue19_item6_camunda7_form_key_reads_as_ours():
    content = (FOREIGN / "camunda7_collaboration.bpmn").read_bytes()
    definition = parse_definition(content.replace(b'name="\xe7\x99\xbb\xe8\xae\xb0\xe7\x94\xb3\xe8\xaf\xb7"',
                                                  b'name="x" camunda:formKey="register"'), "f.bpmn")  # fmt: skip
    assert definition.user_tasks["Task_register"].properties["formKey"] == "register"
    assert definition.user_tasks["Task_register"].lane == "客服中心"


def test_issue19_item7_gbk_and_utf16_files_parse_and_are_stored_as_utf8():
    gbk = (FOREIGN / "visio_gbk.bpmn").read_bytes()
    assert "客服中心".encode("gbk") in gbk
    assert parse_definition(gbk, "gbk.bpmn").user_tasks["Task_notice"].lane == "客服中心"
    text = xml_text(gbk, "gbk.bpmn")
    assert 'encoding="UTF-8"' in text and "张贴停气公告" in text
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_definition(utf16, "utf16.bpmn").name.startswith("停气通知")
    latin = (FOREIGN / "bpmnio_two_pools.bpmn").read_text(encoding="utf-8").replace("受理", "Réception")
    latin = (
        latin.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .replace("客服中心", "Centre")
        .replace("分公司", "Agence")
    )
    latin = latin.replace("派工单", "Ordre").replace("施工", "Travaux").encode("iso-8859-1")
    assert "Réception" in xml_text(latin, "latin.bpmn")
    assert "Réception、Travaux" in checks.check(latin, "latin.bpmn").errors[0].message_zh  # parsed, pools listed


def test_issue19_item7_bytes_that_do_not_match_the_declaration_name_the_line():
    gbk = (FOREIGN / "visio_gbk.bpmn").read_bytes()
    lying = gbk.replace(b'encoding="GBK"', b'encoding="UTF-8"')
    report = checks.check(lying, "lying.bpmn")
    [error] = report.errors
    assert error.line == 3 and "XML" in error.message_zh and "编码" in error.fix  # the first line with Chinese in it


def test_issue19_item6_camunda7_listeners_html_forms_and_mappings_are_named():
    report = checks.check((FIXTURES / "camunda_modeler.bpmn").read_bytes(), "camunda_modeler.bpmn")
    assert not report.errors
    warned = {(f.element_id, f.message_en.split(" is ")[0]) for f in report.findings}
    assert warned == {("Start_call", "camunda:formKey 'embedded:app:forms/call.html'"),
                      ("Task_record", "Camunda 7 extension inputOutput"), ("Task_record", "Camunda 7 extension taskListener"),
                      ("Task_record", "camunda:dueDate"), ("Task_repair", "camunda:assignee")}  # fmt: skip
    assert report.definition.user_tasks["Task_record"].properties["formKey"] == "record"


def test_issue19_damaged_foreign_files_are_reported_never_raised():
    """Elements, attributes and texts removed or changed at random (fixed seed): the check always answers a list."""
    rng = random.Random(19)
    for path in sorted(FOREIGN.glob("*.bpmn")):
        raw = path.read_bytes()
        for _ in range(8):
            root = etree.fromstring(raw)
            nodes = [n for n in root.iter() if isinstance(n.tag, str) and n is not root]
            for node in rng.sample(nodes, 3):
                if node.getparent() is None:
                    continue
                choice = rng.random()
                if choice < 0.4:
                    node.getparent().remove(node)
                elif choice < 0.7 and node.attrib:
                    del node.attrib[rng.choice(sorted(node.attrib))]
                else:
                    node.text = rng.choice(["", "P7D", "${x}", "R/P1D", "'x'", "1/0", "  "])
            report = checks.check(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), path.name)
            assert all(isinstance(f, checks.Finding) for f in report.findings)
