"""A parsed, runnable diagram (``Definition``) built from the engine's copy of a checked file (app/engine/checks.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import NoneTask

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


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
    # Whether any element waits on a timer: a step of a process without one skips looking for timers in its tree.
    has_timers: bool = True


def _properties(node) -> dict[str, str]:
    props = node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


def build(tree, process, filename: str) -> Definition:
    """SpiffWorkflow's spec of ``process`` in the engine's copy of a diagram (app/engine/foreign.py). Raises what
    SpiffWorkflow raises; app/engine/checks.py runs every check first and translates what is left."""
    key = process.get("id") or ""
    parser = SpiffBpmnParser(validator=None)  # the XSD ran on the file as written (checks._xsd), every error at once
    parser.add_bpmn_xml(tree, filename=filename)
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    all_specs = [*spec.task_specs.values(), *(t for s in subprocess_specs.values() for t in s.task_specs.values())]
    has_timers = any(isinstance(getattr(t, "event_definition", None), TimerEventDefinition) for t in all_specs)
    for task_spec in all_specs:
        if isinstance(task_spec, NoneTask):
            task_spec.manual = False  # a typeless bpmn:task passes through, as in Camunda 7 (issue 19 item 4)
    user_tasks = {}
    called = [p for p in tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS) if p.get("id") in subprocess_specs]
    for node in [n for p in (process, *called) for n in p.xpath(".//bpmn:userTask|.//bpmn:manualTask", namespaces=NS)]:
        specs = (spec, *subprocess_specs.values())
        task_spec = next((s.task_specs[node.get("id")] for s in specs if node.get("id") in s.task_specs), None)
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
        has_timers=has_timers,
    )
