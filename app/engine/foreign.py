"""Diagrams drawn in other modelling tools (Camunda Modeler 7/8, bpmn.io, Signavio, Trisotech): what runs, what is
converted for the engine, what is kept as documentation, and what is refused with its fix (issue 19).

``prepare(tree)`` never changes the stored XML: it returns a copy for SpiffWorkflow and the findings about it.

- Collaborations: the one pool whose process is executable and has flow nodes runs; empty pools, black-box pools (a
  participant with no process) and pools marked ``isExecutable="false"`` are documentation. Processes reached by a call
  activity run as its subprocess. Two runnable pools are refused, listing both.
- Timers: ISO-8601 written plainly (``P7D``, ``R6/P1D``, ``2026-12-01T09:00:00+08:00``) is quoted for the engine, which
  reads timer text as a Python expression; a Python expression (``answer_due``, ``"PT6H"``) stays one. An empty timer
  or a Camunda ``${…}`` expression is refused here, never at a case's start.
- A typeless ``bpmn:task`` runs as a pass-through, as in Camunda 7 and the BPMN "abstract task" (warning on each).
- Documentation only: data stores and their associations, data-object references without a data object, text
  annotations and groups are dropped for the engine (a warning for stores and objects; annotations and groups are
  drawing only).
- Camunda 7: ``camunda:formKey`` naming a key reads as our ``formKey`` (on a start event: ``startFormKey``); ``camunda:candidateGroups`` (one group) puts a task that is
  in no lane into a lane of that name (then checked against real units like every lane);
  ``camunda:candidateStarterGroups`` reads as ``startableBy`` (``unit:<group>`` each). ``camunda:assignee``,
  ``camunda:dueDate``, ``camunda:class``… are named in a warning with our equivalent; Zeebe, Signavio and Trisotech
  extensions likewise.
- Refused with the fix, before SpiffWorkflow stops at the first one: several outgoing flows from a task or event,
  a service task with no GasFlow operator, a subprocess without one start and an end event, a call activity whose
  process is not in the file, an exclusive-gateway flow without a condition that is not the default.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.findings import ERROR, KIND_ZH, WARNING, Finding

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAIN = "gasflowMain"  # marks, in the engine's copy, the process that runs
FROM = "gasflowFrom"  # on a lane made from camunda:candidateGroups: the task that named it
REPORTED = "gasflowReported"  # marks, in the engine's copy, code already refused here (not compiled again)

_FLOW_NODES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
               "businessRuleTask", "subProcess", "transaction", "adHocSubProcess", "callActivity", "startEvent",
               "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
               "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}  # fmt: skip
_SPLITS = {
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
    "startEvent",
}  # fmt: skip  (SpiffWorkflow lets only these have several outgoing flows)
_TOOLS = {  # namespace -> the tool whose extensions GasFlow recognises (and does not read)
    CAMUNDA_NS: "Camunda 7",
    ZEEBE_NS: "Camunda 8 (Zeebe)",
    "http://www.signavio.com": "Signavio",
    "http://www.trisotech.com/2015/triso/modeling": "Trisotech",
    "http://www.trisotech.com/to": "Trisotech",
}
_ZEEBE_HINTS = {  # zeebe:<element> -> GasFlow's way
    "assignmentDefinition": "把任务放进以办理单位命名的泳道 (put the task in a lane named after the unit)",
    "formDefinition": "在 GasFlow 中用 formKey 属性选择表单 (use the formKey property)",
    "taskDefinition": "改为脚本任务，调用平台函数 (use a script task calling a platform function)",
    "ioMapping": "在脚本或表单中读写案件字段 (read and write case fields in a script or form)",
    "calledElement": "填写 calledElement 属性，被调用的流程放在同一文件中 (call a process in the same file)",
    "calledDecision": "GasFlow 不运行 DMN；用脚本任务写规则 (no DMN: write the rule in a script task)",
}
_CAMUNDA_ELEMENT_HINTS = {  # camunda:<element> -> GasFlow's way (camunda:properties and the like are not named)
    "taskListener": "GasFlow 不运行监听器；用脚本任务或 preScript/postScript (no listeners: use a script)",
    "executionListener": "GasFlow 不运行监听器；用脚本任务或 preScript/postScript (no listeners: use a script)",
    "inputOutput": "在脚本或表单中读写案件字段 (read and write case fields in a script or form)",
    "connector": "改为脚本任务，调用平台函数 (use a script task calling a platform function)",
    "formData": "在 GasFlow 中新建表单，填写 formKey 属性 (create a GasFlow form and set formKey)",
}
_METADATA = "仅为该工具的显示信息，不参与运行 (display metadata of that tool; it does not run)"
_CAMUNDA_HINTS = {  # camunda:<attribute> that GasFlow does not read, and what it does instead
    "assignee": "GasFlow 按泳道或 assigneeField 属性分派 (use a lane or the assigneeField property)",
    "candidateUsers": "GasFlow 按泳道分派给单位 (use a lane named after the unit)",
    "candidateStarterUsers": "用流程属性 startableBy 写角色或 unit:单位 (use the startableBy property)",
    "dueDate": "用 slaHours 或 slaWorkingDays 属性设置时限 (use slaHours or slaWorkingDays)",
    "followUpDate": "用 slaHours 或 slaWorkingDays 属性设置时限 (use slaHours or slaWorkingDays)",
    "class": "GasFlow 不运行 Java 类；改为脚本任务调用平台函数 (use a script task calling a platform function)",
    "delegateExpression": "GasFlow 不运行 Java 类；改为脚本任务调用平台函数 (use a script task)",
    "expression": "改为脚本任务，用 Python 写 (use a script task written in Python)",
    "type": "GasFlow 没有外部任务；改为脚本任务 (no external tasks: use a script task)",
    "topic": "GasFlow 没有外部任务；改为脚本任务 (no external tasks: use a script task)",
    "asyncBefore": "GasFlow 每步都先保存，无需设置 (every step is saved: not needed)",
    "asyncAfter": "GasFlow 每步都先保存，无需设置 (every step is saved: not needed)",
}
_ISO_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_ISO_CYCLE = re.compile(r"^R\d*/\S+$")
JUEL = re.compile(r"^\s*[$#]\{.*\}\s*$", re.S)


@dataclass
class Prepared:
    tree: etree._ElementTree  # the engine's copy
    process: etree._Element | None  # the process that runs, in ``tree``
    findings: list[Finding]
    called: set[str]  # ids of processes run as call-activity subprocesses
    running: list  # the process that runs and those it calls, in ``tree``
    floating: set[str] = field(default_factory=set)  # drawn without any flow: documentation, never reached


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _bpmn(node, local: str) -> bool:
    return node.tag == f"{{{BPMN_NS}}}{local}"


def _finding(node, zh: str, en: str, fix: str, severity: str = ERROR, line: int | None = None) -> Finding:
    return Finding(node.get("id") or "", node.get("name") or "", line or node.sourceline, zh, en, fix, severity,
                   _local(node))  # fmt: skip


def _label(node) -> str:
    """'名称' (用户任务) — how a message names an element."""
    return f"“{node.get('name') or node.get('id')}”（{KIND_ZH.get(_local(node), _local(node))}）"


def _flow_nodes(process) -> list:
    return [n for n in process if isinstance(n.tag, str) and n.tag.startswith(f"{{{BPMN_NS}}}")
            and _local(n) in _FLOW_NODES]  # fmt: skip


def _choose(tree) -> tuple[etree._Element | None, set[str], list[Finding]]:
    processes = tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS)
    called = set(tree.xpath("//bpmn:callActivity/@calledElement", namespaces=NS))
    # a process called from another one runs as that call's subprocess
    roots = [p for p in processes if p.get("id") not in called]
    drawn = [p for p in roots if _flow_nodes(p)]
    runnable = [p for p in drawn if p.get("isExecutable", "true") != "false"]
    if not runnable and len(drawn) == 1:
        runnable = drawn  # Signavio and Visio mark every pool non-executable: the only drawn one is meant to run
    findings = []
    if len(runnable) > 1:
        listed = "、".join(p.get("name") or p.get("id") for p in runnable)
        for process in runnable:
            findings.append(_finding(
                process, f"文件中有 {len(runnable)} 个可执行流程（{listed}），GasFlow 只运行一个",
                f"{len(runnable)} executable processes ({listed}); GasFlow runs exactly one",
                "把其他池的流程设为不可执行 (isExecutable=\"false\")，或移到单独的文件"))  # fmt: skip
        return None, called, findings
    if not runnable:
        where = processes[0] if processes else tree.getroot()
        return None, called, [_finding(where, "文件中没有可运行的流程：没有哪个池画了开始事件和任务",
                                       "no process with flow nodes to run", "在一个池中画出流程（开始事件、任务、结束事件）")]  # fmt: skip
    main = runnable[0]
    if main.get("isExecutable", "true") == "false":
        findings.append(_finding(main, "该流程标为不可执行，GasFlow 仍会运行它（文件中唯一画了流程的池）",
                                 "the process is marked non-executable; GasFlow runs it as the only drawn pool",
                                 "在建模工具中勾选“可执行”(Executable)", WARNING))  # fmt: skip
    for process in processes:
        if process is not main and process.get("id") not in called and _flow_nodes(process):
            findings.append(_finding(process, "该池的流程仅作说明，不会运行", "this pool is documentation: it does not run",
                                     "若它也要运行，请放到单独的文件并部署", WARNING))  # fmt: skip
    return main, called, findings


def _engine_copy(tree, main, called: set[str]):
    """The copy SpiffWorkflow parses: the running process (and called ones) executable, the others not."""
    copied = copy.deepcopy(tree)
    for process in copied.xpath("/bpmn:definitions/bpmn:process", namespaces=NS):
        runs = process.get("id") == main.get("id") or (process.get("id") in called and _flow_nodes(process))
        process.set("isExecutable", "true" if runs else "false")
        if process.get("id") == main.get("id"):
            process.set(MAIN, "true")
    return copied


def iso_timer(kind: str, text: str) -> bool:
    """Is ``text`` an ISO-8601 value of that timer kind, written plainly?"""
    try:
        if kind == "timeDuration":
            return bool(_ISO_DURATION.match(text)) and bool(TimerEventDefinition.parse_iso_duration(text))
        if kind == "timeCycle":
            return bool(_ISO_CYCLE.match(text)) and TimerEventDefinition.parse_iso_recurring_interval(text) is not None
        if kind == "timeDate":
            return text[:4].isdigit() and datetime.fromisoformat(text) is not None
    except (ValueError, TypeError, IndexError, KeyError):
        return False
    return False


def _timers(process) -> list[Finding]:
    findings = []
    for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        values = [n for n in definition if _local(n) in ("timeDuration", "timeDate", "timeCycle")]
        if not values or not (values[0].text or "").strip():
            findings.append(_finding(event, f"计时器{_label(event)}没有设置时间", "the timer has no time set",
                                     "在“计时器”中填写时长（如 P7D、PT6H）、日期或周期（如 R6/P1D）"))  # fmt: skip
            continue
        node = values[0]
        text = node.text.strip()
        if iso_timer(_local(node), text):
            node.text = repr(text)  # ISO as written: the engine evaluates timer text, so it gets a string
        elif JUEL.match(text):
            node.set(REPORTED, "true")
            findings.append(_finding(event, f"计时器{_label(event)}的值 {text} 是 Camunda 表达式，GasFlow 不能计算",
                                     f"timer {text} is a Camunda (JUEL) expression", "写 ISO-8601 值（如 P7D），"
                                     "或写 Python 表达式引用案件数据（如 answer_due）", line=node.sourceline))  # fmt: skip
        elif isinstance(quoted := _literal(text), str) and not iso_timer(_local(node), quoted.strip()):
            node.set(REPORTED, "true")
            findings.append(_finding(event, f"计时器{_label(event)}的值 {text} 不是 ISO 8601 时间",
                                     f"timer value {text} is not ISO 8601", "写 ISO 8601 时长（如 P7D、PT6H）、"
                                     "日期（2026-12-01T09:00:00+08:00）或周期（R6/P1D）", line=node.sourceline))  # fmt: skip
        elif not _compiles(text):
            node.set(REPORTED, "true")
            findings.append(_finding(event, f"计时器{_label(event)}的值 {text} 既不是 ISO-8601 时间，也不是表达式",
                                     f"timer value {text!r} is neither ISO-8601 nor an expression",
                                     "写 ISO-8601 时长（如 P7D、PT6H）、日期（2026-12-01T09:00:00+08:00）、周期（R6/P1D），"
                                     "或引用案件数据的 Python 表达式（如 answer_due）", line=node.sourceline))  # fmt: skip
    return findings


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _compiles(text: str) -> bool:
    try:
        compile(text, "<timer>", "eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _conditions(process) -> list[Finding]:
    findings = []
    for condition in process.iter(f"{{{BPMN_NS}}}conditionExpression"):
        text = (condition.text or "").strip()
        if JUEL.match(text):
            condition.set(REPORTED, "true")
            flow = condition.getparent()
            findings.append(_finding(flow, f"条件 {text} 是 Camunda 表达式，GasFlow 的条件用 Python 写",
                                     f"condition {text} is a Camunda (JUEL) expression; GasFlow conditions are Python",
                                     f"改写为 Python，例如 {python_form(text)}"))  # fmt: skip
    return findings


def _assigned(process) -> set[str]:
    """Names the code of a process assigns (a data object is in use only when some code writes it)."""
    names = set()
    for node in process.iter(f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
        try:
            tree = ast.parse(node.text or "")
        except (SyntaxError, ValueError):
            continue  # reported by the compilation check
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def python_form(juel: str) -> str:
    """A hint, not a conversion: ``${a == true && !b}`` -> ``a == True and not b``."""
    text = juel.strip()[2:-1].replace("!=", "\0").replace("&&", " and ").replace("||", " or ")
    text = text.replace("!", " not ").replace("\0", " != ")
    for old, new in (("true", "True"), ("false", "False"), ("null", "None")):
        text = re.sub(rf"\b{old}\b", new, text)
    return re.sub(r"\s+", " ", text).strip()


def _documentation_only(tree, process) -> list[Finding]:
    """Drop for the engine what only documents; say so where someone may have meant it to do something. A data store
    has no implementation here; a data object is data only when code writes it (otherwise reading it would fail when
    the case gets there)."""
    findings = []
    stores = list(tree.iter(f"{{{BPMN_NS}}}dataStoreReference", f"{{{BPMN_NS}}}dataStore"))
    data_objects = list(tree.iter(f"{{{BPMN_NS}}}dataObject"))
    written = _assigned(process) if data_objects else set()
    used = {n.get("id") for n in data_objects if n.get("id") in written}
    references = list(tree.iter(f"{{{BPMN_NS}}}dataObjectReference"))
    loose = [n for n in references if n.get("dataObjectRef") not in used]
    for node in stores:
        if _bpmn(node, "dataStoreReference"):
            findings.append(_finding(node, f"数据存储{_label(node)}仅作说明，不读写任何数据",
                                     "the data store is documentation only: nothing is read or written",
                                     "要保存数据，请在表单或脚本中写入案件字段", WARNING))  # fmt: skip
    for node in loose:
        findings.append(_finding(node, f"数据对象{_label(node)}没有脚本写入，仅作说明",
                                 "no script writes this data object: it is documentation only",
                                 "若要在环节间传递数据，用脚本给它赋值（变量名即 dataObject 的 id）", WARNING))  # fmt: skip
    documentary = {n.get("id") for n in stores + loose}
    real = {n.get("id") for n in references} - documentary
    for association in list(tree.iter(f"{{{BPMN_NS}}}dataInputAssociation", f"{{{BPMN_NS}}}dataOutputAssociation")):
        ends = [(r.text or "").strip() for r in association if _local(r) in ("sourceRef", "targetRef")]
        if not any(end in real for end in ends):
            association.getparent().remove(association)
    for node in stores + loose:
        node.getparent().remove(node)
    for node in list(tree.iter(f"{{{BPMN_NS}}}textAnnotation", f"{{{BPMN_NS}}}group", f"{{{BPMN_NS}}}association")):
        node.getparent().remove(node)  # drawing only
    return findings


def _typeless(process, drawn_only: set[str]) -> list[Finding]:
    return [
        _finding(
            node,
            f"任务{_label(node)}没有类型，运行时直接通过（不生成待办）",
            "a task without a type passes straight through (no one is asked to do anything)",
            "若需要有人办理，改为用户任务并放进办理单位的泳道；若是自动工作，改为脚本任务",
            WARNING,
        )  # fmt: skip
        for node in process.iter(f"{{{BPMN_NS}}}task")
        if node.get("id") not in drawn_only
    ]


def floating(process) -> set[str]:
    """Activities and events drawn with no sequence flow at all (a called process or a step kept as a note): no case
    ever reaches them."""
    connected = set()
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        connected |= {flow.get("sourceRef"), flow.get("targetRef")}
    scopes = [process, *process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")]
    return {
        n.get("id") for scope in scopes for n in _flow_nodes(scope)
        if n.get("id") not in connected and _local(n) not in ("startEvent", "boundaryEvent")
        and n.get("triggeredByEvent") != "true"
    }  # fmt: skip


def _floating(process, ids: set[str]) -> list[Finding]:
    return [
        _finding(
            node,
            f"{_label(node)}没有连线，不会运行（仅作说明）",
            "not connected by any flow: it never runs",
            "若要运行，用顺序流把它接入流程；否则可以保留作说明",
            WARNING,
        )  # fmt: skip
        for node in process.iter()
        if isinstance(node.tag, str) and node.get("id") in ids
    ]


def _unsupported(tree, process, drawn_only: set[str] = frozenset()) -> list[Finding]:
    findings = []
    outgoing: dict[str, list] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    processes = set(tree.xpath("/bpmn:definitions/bpmn:process/@id", namespaces=NS))
    for scope in [process, *process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")]:
        nodes = _flow_nodes(scope)
        if scope is process and not any(_bpmn(n, "startEvent") for n in nodes):
            findings.append(_finding(scope, "流程没有开始事件", "the process has no start event", "画一个开始事件"))
        ids = {n.get("id") for n in nodes} | {b.get("id") for b in scope if _bpmn(b, "boundaryEvent")}
        for flow in scope.findall(f"{{{BPMN_NS}}}sequenceFlow"):
            loose = [end for end in (flow.get("sourceRef"), flow.get("targetRef")) if end not in ids]
            if loose:
                findings.append(_finding(
                    flow, f"顺序流“{flow.get('name') or flow.get('id')}”连到的元素 {loose[0] or '（空）'} 不存在或不在同一流程中",
                    f"the sequence flow connects {loose[0] or 'nothing'}, which is missing or in another process",
                    "重新连线，或删除悬空的顺序流"))  # fmt: skip
        for node in nodes:
            if node.get("id") in drawn_only:
                continue
            kind, flows = _local(node), outgoing.get(node.get("id"), [])
            if len(flows) > 1 and kind not in _SPLITS:
                findings.append(_finding(
                    node, f"{KIND_ZH.get(kind, kind)}“{node.get('name') or node.get('id')}”有 {len(flows)} 条出口流",
                    f"the {kind} has {len(flows)} outgoing flows; only gateways may split",
                    "请在其后加排他网关（选一条）或并行网关（全部走） / add an exclusive or parallel gateway after it"))  # fmt: skip
            if kind == "exclusiveGateway" and len(flows) > 1:
                for flow in flows:
                    condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
                    if flow.get("id") != node.get("default") and (
                        condition is None or not (condition.text or "").strip()
                    ):
                        findings.append(_finding(
                            flow, f"排他网关“{node.get('name') or node.get('id')}”的出口流“{flow.get('name') or flow.get('id')}”没有条件",
                            "an outgoing flow of an exclusive gateway has no condition and is not the default",
                            "为它写条件（如 approved == True），或把它设为默认流"))  # fmt: skip
            if kind == "serviceTask" and not node.xpath(".//spiffworkflow:serviceTaskOperator", namespaces=NS):
                findings.append(_finding(node, f"服务任务{_label(node)}没有 GasFlow 的服务调用，无法运行",
                                         "a service task needs a GasFlow service operator; Java classes, "
                                         "external tasks and Zeebe job types do not run here",
                                         "改为脚本任务，调用平台函数（如 send_sms(...)）"))  # fmt: skip
            if kind in ("subProcess", "transaction") and node.get("triggeredByEvent") != "true":
                starts = [n for n in _flow_nodes(node) if _bpmn(n, "startEvent")]
                ends = [n for n in _flow_nodes(node) if _bpmn(n, "endEvent")]
                if len(starts) != 1 or not ends:
                    findings.append(_finding(
                        node, f"子流程{_label(node)}内有 {len(starts)} 个开始事件、{len(ends)} 个结束事件；须各有（开始恰好一个）",
                        f"a subprocess needs exactly one start event and an end event (found {len(starts)} and {len(ends)})",
                        "展开子流程画出开始和结束事件；若只是说明，改成普通任务或删除"))  # fmt: skip
            if kind == "callActivity":
                target = node.get("calledElement")
                if not target or target not in processes:
                    findings.append(_finding(
                        node, f"调用活动{_label(node)}调用的流程 {target or '（未填写）'} 不在本文件中",
                        f"the call activity calls {target or 'nothing'}, which is not a process in this file",
                        "把被调用的流程画在同一文件的另一个池中并填写 calledElement；若只是说明，改成普通任务"))  # fmt: skip
            if kind == "intermediateCatchEvent" and not any(_local(c).endswith("EventDefinition") for c in node):
                findings.append(_finding(node, f"中间捕获事件{_label(node)}没有类型，不知道等什么",
                                         "a catch event without a definition waits for nothing",
                                         "设为计时器或消息事件，或删除"))  # fmt: skip
    return findings


def _lanes_of(process) -> dict[str, etree._Element]:
    return {ref.text.strip(): ref.getparent() for ref in process.iter(f"{{{BPMN_NS}}}flowNodeRef") if ref.text}


def _camunda(process) -> list[Finding]:
    """Camunda 7 attributes with our meaning are read as ours; the rest are named with what to do instead."""
    findings = []
    lanes = _lanes_of(process)
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        for attribute, value in list(node.attrib.items()):
            if etree.QName(attribute).namespace != CAMUNDA_NS:
                continue
            name = etree.QName(attribute).localname
            if name == "formKey" and value.strip():
                findings += _form_key(process, node, value.strip())
            elif name == "candidateStarterGroups" and _bpmn(node, "process") and value.strip():
                starters = ", ".join(f"unit:{g.strip()}" for g in value.split(",") if g.strip())
                _set_property(node, "startableBy", starters)  # who may start: the same meaning (senders.py)
            elif name == "candidateGroups" and _bpmn(node, "userTask"):
                findings += _candidate_group(process, node, value, lanes)
            elif name in _CAMUNDA_HINTS:
                zh, en = _CAMUNDA_HINTS[name].split(" (", 1)
                findings.append(_finding(node, f"Camunda 7 的 camunda:{name} 在 GasFlow 中不起作用：{zh}",
                                         f"camunda:{name} is Camunda 7's and is not read: {en.rstrip(')')}", zh,
                                         WARNING))  # fmt: skip
    return findings


def _form_key(process, node, value: str) -> list[Finding]:
    """camunda:formKey naming a form by its key reads as ours (a start event's as the process's startFormKey); an
    embedded HTML or Camunda Forms reference is named with what to do."""
    key = value.removesuffix(".json")
    if not re.fullmatch(r"[\w-]+", key):
        return [_finding(node, f"camunda:formKey=“{value}”是 Camunda 的表单，GasFlow 不能显示",
                         f"camunda:formKey {value!r} is a Camunda form", "在 GasFlow 中新建表单，填写 formKey 属性",
                         WARNING)]  # fmt: skip
    if _bpmn(node, "startEvent"):
        _set_property(process, "startFormKey", key)
    elif _bpmn(node, "userTask") or _bpmn(node, "manualTask"):
        _set_property(node, "formKey", key)
    return []


def _set_property(node, name: str, value: str) -> None:
    extensions = node.find(f"{{{BPMN_NS}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        node.insert(0 if node.find(f"{{{BPMN_NS}}}documentation") is None else 1, extensions)
    properties = extensions.find(f"{{{SPIFF_NS}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF_NS}}}properties")
    if not any(p.get("name") == name for p in properties):
        etree.SubElement(properties, f"{{{SPIFF_NS}}}property", name=name, value=value)


def _candidate_group(process, node, value: str, lanes) -> list[Finding]:
    if not node.get("id"):
        return []  # an element without an id is refused by the XSD check
    groups = [g.strip() for g in value.split(",") if g.strip()]
    if node.get("id") in lanes:
        lane = lanes[node.get("id")].get("name")
        if groups != [lane]:
            return [_finding(node, f"任务在泳道“{lane}”中，camunda:candidateGroups=“{value}”不起作用",
                             f"the task is in lane {lane!r}; camunda:candidateGroups is not read", "删除 candidateGroups，"
                             "由泳道决定办理单位", WARNING)]  # fmt: skip
        return []
    if len(groups) != 1:
        return [_finding(node, f"camunda:candidateGroups=“{value}”列了 {len(groups)} 个组；GasFlow 的任务只交给一个单位",
                         "camunda:candidateGroups must name exactly one unit", "把任务放进该单位的泳道")]  # fmt: skip
    lane_set = process.find(f"{{{BPMN_NS}}}laneSet")
    if lane_set is None:
        lane_set = etree.Element(f"{{{BPMN_NS}}}laneSet", id=f"{process.get('id')}_camundaLanes")
        process.insert(0, lane_set)
    lane = next((n for n in lane_set if n.get("name") == groups[0]), None)
    if lane is None:
        lane = etree.SubElement(lane_set, f"{{{BPMN_NS}}}lane", id=f"camundaLane_{len(lane_set)}", name=groups[0])
        lane.set(FROM, node.get("id"))
        lane.sourceline = node.sourceline
    etree.SubElement(lane, f"{{{BPMN_NS}}}flowNodeRef").text = node.get("id")
    lanes[node.get("id")] = lane
    return []


def _extensions(tree) -> list[Finding]:
    """Other tools' extensions, named with GasFlow's way: each Zeebe element where it is (it meant something to run);
    Signavio's and Trisotech's display metadata once per file."""
    findings, seen = [], set()
    for node in tree.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace not in _TOOLS:
            continue
        namespace, local = etree.QName(node).namespace, etree.QName(node).localname
        if namespace == CAMUNDA_NS and local not in _CAMUNDA_ELEMENT_HINTS:
            continue  # camunda:properties, camunda:inputParameter … inside one that is named
        owner = node.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        per_element = namespace in (ZEEBE_NS, CAMUNDA_NS)
        key = (namespace, local, owner.get("id")) if per_element else (namespace,)
        if owner is None or key in seen:
            continue
        seen.add(key)
        hints = {ZEEBE_NS: _ZEEBE_HINTS, CAMUNDA_NS: _CAMUNDA_ELEMENT_HINTS}.get(namespace, {})
        hint = hints.get(local, "GasFlow 不读取 (not read)" if per_element else _METADATA)
        zh, en = hint.split(" (", 1)
        findings.append(_finding(owner, f"{_TOOLS[namespace]} 的扩展 {local} 在 GasFlow 中不起作用：{zh}",
                                 f"{_TOOLS[namespace]} extension {local} is not read by GasFlow: {en.rstrip(')')}", zh,
                                 WARNING))  # fmt: skip
    return findings


def prepare(tree) -> Prepared:
    main, called, findings = _choose(tree)
    if main is None:
        return Prepared(copy.deepcopy(tree), None, findings, called, [])
    engine_tree = _engine_copy(tree, main, called)
    process = engine_tree.xpath("/bpmn:definitions/bpmn:process[@gasflowMain]", namespaces=NS)[0]
    running = [process] + [p for p in engine_tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS)
                           if p.get("id") in called]  # fmt: skip
    findings += _extensions(tree) + _documentation_only(engine_tree, process)
    notes: set[str] = set()
    for scope in running:
        drawn_only = floating(scope)
        notes |= drawn_only
        findings += _floating(scope, drawn_only) + _timers(scope) + _conditions(scope)
        findings += _typeless(scope, drawn_only) + _unsupported(engine_tree, scope, drawn_only) + _camunda(scope)
    return Prepared(engine_tree, process, findings, called, running, notes)


def main_process(tree):
    """The process that runs, in a tree ``prepare`` made (or the first executable one in a stored diagram)."""
    marked = tree.xpath("/bpmn:definitions/bpmn:process[@gasflowMain]", namespaces=NS)
    if marked:
        return marked[0]
    processes = tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS)
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"] or processes
    return executable[0] if executable else None
