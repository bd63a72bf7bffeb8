"""What the platform's diagram checks and the owners' diff read from a diagram, without running it: lanes, elements
with their GasFlow properties, the code they carry and the data names that code reads and writes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from lxml import etree

from app.engine.definitions import BPMN_NS, NS, SPIFF_NS
from app.engine.foreign import FROM, main_process

_CODE_TAGS = {
    f"{{{BPMN_NS}}}script": ("script", "exec"),
    f"{{{SPIFF_NS}}}preScript": ("preScript", "exec"),
    f"{{{SPIFF_NS}}}postScript": ("postScript", "exec"),
    f"{{{BPMN_NS}}}conditionExpression": ("condition", "eval"),
    f"{{{BPMN_NS}}}timeDuration": ("timer", "eval"),
    f"{{{BPMN_NS}}}timeDate": ("timer", "eval"),
    f"{{{BPMN_NS}}}timeCycle": ("timer", "eval"),
}


@dataclass
class Element:
    id: str
    kind: str  # the BPMN local name: userTask, boundaryEvent, sequenceFlow ...
    name: str
    line: int | None
    lane: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)  # script / condition / timer / preScript / postScript
    reads: set[str] = field(default_factory=set)  # data names its code reads
    writes: set[str] = field(default_factory=set)  # data names its code assigns
    message_variable: str = ""


@dataclass
class Lane:
    id: str
    name: str
    line: int | None
    user_tasks: list[str]
    kind: str = "lane"  # "userTask" for a lane read from camunda:candidateGroups: problems go on that task


@dataclass
class Outline:
    key: str
    process_properties: dict[str, str]
    elements: dict[str, Element]
    lanes: list[Lane]
    messages: list[Element] = field(default_factory=list)  # bpmn:message, with properties (sentBy)
    line: int | None = None  # the running process's line


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set(), set()
    reads, writes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, (ast.comprehension,)):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    writes.add(target.id)
        elif isinstance(node, ast.Lambda):
            writes.update(a.arg for a in node.args.args)
    return reads, writes


def _properties(node) -> dict[str, str]:
    props = node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


def outline(tree: etree._ElementTree) -> Outline | None:
    process = main_process(tree)
    if process is None:
        return None
    lane_of: dict[str, str] = {}
    lanes = []
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        refs = [r.text for r in lane.findall(f"{{{BPMN_NS}}}flowNodeRef") if r.text]
        lane_of.update((ref, lane.get("name") or "") for ref in refs)
        drawn_on = lane.get(FROM)  # a lane foreign.py made from a task's camunda:candidateGroups
        lane_id, kind = (drawn_on, "userTask") if drawn_on else (lane.get("id") or "", "lane")
        lanes.append(Lane(lane_id, lane.get("name") or "", lane.sourceline, refs, kind))
    elements: dict[str, Element] = {}
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.get("id") or node.tag == f"{{{BPMN_NS}}}lane":
            continue
        elements[node.get("id")] = Element(
            node.get("id"), etree.QName(node).localname, node.get("name") or "", node.sourceline,
            lane_of.get(node.get("id")), _properties(node),
        )  # fmt: skip
    for node in process.iter(*_CODE_TAGS):
        owner = node.getparent()
        while owner is not None and (not owner.get("id") or str(owner.tag).endswith("EventDefinition")):
            owner = owner.getparent()
        if owner is None or owner.get("id") not in elements:
            continue
        element = elements[owner.get("id")]
        kind, mode = _CODE_TAGS[node.tag]
        source = (node.text or "").strip()
        element.code[kind] = source
        reads, writes = _names(source, mode)
        element.reads |= reads
        element.writes |= writes
    for node in process.iter(f"{{{SPIFF_NS}}}messageVariable"):
        owner = node.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        if owner is not None and owner.get("id") in elements:
            elements[owner.get("id")].message_variable = (node.text or "").strip()
    for lane in lanes:
        lane.user_tasks = [
            r for r in lane.user_tasks if elements.get(r) and elements[r].kind in {"userTask", "manualTask"}
        ]
    messages = [
        Element(m.get("id") or "", "message", m.get("name") or m.get("id") or "", m.sourceline, None, _properties(m))
        for m in tree.xpath("/bpmn:definitions/bpmn:message", namespaces=NS)
    ]
    return Outline(process.get("id") or "", _properties(process), elements, lanes, messages, process.sourceline)
