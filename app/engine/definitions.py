"""Parsing a BPMN file into a runnable definition, with every problem tied to a file, a line and an element."""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from app.engine import safety, sandbox
from app.engine.errors import BpmnInvalid, EngineError, Problem
from app.engine.xml import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# Snippets compiled by the sandbox at deploy time: a refused script fails the deployment, not a running case.
_EXPRESSIONS = {
    f"{{{BPMN_NS}}}script": "exec",
    f"{{{BPMN_NS}}}conditionExpression": "eval",
    f"{{{BPMN_NS}}}condition": "eval",  # conditional events
    f"{{{BPMN_NS}}}timeDuration": "eval",
    f"{{{BPMN_NS}}}timeDate": "eval",
    f"{{{BPMN_NS}}}timeCycle": "eval",
    f"{{{BPMN_NS}}}loopCardinality": "eval",
    f"{{{BPMN_NS}}}completionCondition": "eval",
    f"{{{BPMN_NS}}}loopCondition": "eval",
    f"{{{SPIFF_NS}}}preScript": "exec",
    f"{{{SPIFF_NS}}}postScript": "exec",
    f"{{{SPIFF_NS}}}messagePayload": "eval",
}


@dataclass(frozen=True)
class UserTaskInfo:
    spec_name: str
    name: str
    lane: str | None
    properties: dict[str, str]
    documentation: str
    line: int | None


@dataclass
class Definition:
    key: str
    name: str
    spec: object
    subprocess_specs: dict
    properties: dict[str, str]
    user_tasks: dict[str, UserTaskInfo]
    element_names: dict[str, str] = field(default_factory=dict)
    # Extension properties of every element that has some (e.g. a boundary timer's ``escalation`` rule id).
    element_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    # Per bpmn:message name, its extension properties (``sentBy``: who may send it, issue 13 item 4).
    message_properties: dict[str, dict[str, str]] = field(default_factory=dict)


def _properties(node) -> dict[str, str]:
    props = node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


def _check_expressions(tree, filename: str) -> list[Problem]:
    problems = []
    for node in tree.iter(*_EXPRESSIONS):
        source = (node.text or "").strip()
        if not source:
            continue
        owner = node.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        try:
            sandbox.compile_snippet(source, _EXPRESSIONS[node.tag])
        except EngineError as err:
            problems.append(
                Problem(err.message, filename, node.sourceline, owner.get("id") if owner is not None else "")
            )
    return problems


def _check_lanes(process, filename: str) -> list[Problem]:
    in_lane = set(process.xpath(".//bpmn:lane/bpmn:flowNodeRef/text()", namespaces=NS))
    problems = []
    for task in process.xpath(".//bpmn:userTask|.//bpmn:manualTask", namespaces=NS):
        if task.get("id") not in in_lane:
            msg = "用户任务不在任何泳道中，无人可以认领 (user task is in no lane, so no group could claim it)"
            problems.append(Problem(msg, filename, task.sourceline, task.get("id")))
    return problems


def parse_definition(content: bytes, filename: str) -> Definition:
    tree = parse_xml(content, filename)
    processes = tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS)
    if len(processes) != 1:
        where = processes[1].sourceline if len(processes) > 1 else 1
        raise BpmnInvalid([Problem("一个文件只能有一个流程 (exactly one bpmn:process per file)", filename, where)])
    process = processes[0]
    key = process.get("id") or ""
    problems = (
        safety.problems_in(tree, process, filename)
        + _check_expressions(tree, filename)
        + _check_lanes(process, filename)
    )
    if problems:
        raise BpmnInvalid(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename=filename)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as err:
        line = err.line_number if isinstance(err.line_number, int) and err.line_number else safety.line_of(tree, err.id)
        raise BpmnInvalid([Problem(str(err).split("\n")[0], filename, line, err.id)]) from None
    except SpiffWorkflowException as err:
        raise BpmnInvalid([Problem(str(err), filename, None)]) from None
    user_tasks = {}
    for node in process.xpath(".//bpmn:userTask|.//bpmn:manualTask", namespaces=NS):
        task_spec = spec.task_specs.get(node.get("id"))
        doc = node.findtext(f"{{{BPMN_NS}}}documentation") or ""
        user_tasks[node.get("id")] = UserTaskInfo(
            spec_name=node.get("id"),
            name=node.get("name") or node.get("id"),
            lane=getattr(task_spec, "lane", None),
            properties=_properties(node),
            documentation=doc.strip(),
            line=node.sourceline,
        )
    names = {n.get("id"): n.get("name") or n.get("id") for n in process.iter() if n.get("id")}
    element_properties = {n.get("id"): props for n in process.iter() if n.get("id") and (props := _properties(n))}
    messages = tree.xpath("/bpmn:definitions/bpmn:message", namespaces=NS)
    message_properties = {m.get("name") or m.get("id"): _properties(m) for m in messages}
    return Definition(
        key=key,
        name=process.get("name") or key,
        spec=spec,
        subprocess_specs=subprocess_specs,
        properties=_properties(process),
        user_tasks=user_tasks,
        element_names=names,
        element_properties=element_properties,
        message_properties=message_properties,
    )
