"""What a diagram may not contain, found at deploy time with its line (issue 13, items 2, 6, 10, 12).

- Foreign executable content: HTML or SVG elements, ``script``/``iframe``/``object``/``embed`` elements in any
  namespace, event-handler attributes (``onload=``), and ``javascript:``/``vbscript:``/``data:text/html`` anywhere.
  A diagram is shown to administrators in the browser; nothing in it may run there.
- Ids SpiffWorkflow keeps for itself (``Start``, ``<process>.EndJoin``): an element with one deploys but
  cannot start.
- Loops that cannot end or are too big: a constant ``loopCardinality`` or ``loopMaximum`` above the limit, and a cycle
  of automatic elements (scripts, gateways, throw events) that no flow can leave — it would run without waiting for a
  person or a timer until the step limit stops it.
- Constant timer expressions that are not ISO 8601 (``'not-a-duration'``): refused now rather than when a case
  reaches the timer.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.errors import Problem
from app.engine.shims import MAX_LOOP_INSTANCES

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_FOREIGN_NAMESPACES = {"http://www.w3.org/1999/xhtml": "HTML", "http://www.w3.org/2000/svg": "SVG",
                       "http://www.w3.org/1998/Math/MathML": "MathML"}  # fmt: skip
_ACTIVE_ELEMENTS = {"script", "iframe", "object", "embed", "foreignobject", "frame", "frameset", "applet", "meta",
                    "link", "base", "form", "style"}  # fmt: skip
_ACTIVE_TEXT = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html|<\s*/?\s*(?:script|iframe|object|embed)\b", re.I)
RESERVED_IDS = {"Start"}  # SpiffWorkflow names its own start task "Start"; an element with that id replaces it

# Elements SpiffWorkflow runs without waiting (a cycle made only of these never stops by itself).
_AUTOMATIC = {"scriptTask", "serviceTask", "businessRuleTask", "sendTask", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "intermediateThrowEvent"}  # fmt: skip


def problems_in(tree, process, filename: str) -> list[Problem]:
    """Everything above, in document order of the checks."""
    return (
        foreign_content(tree, filename)
        + reserved_ids(process, filename)
        + loop_limits(process, filename)
        + timer_constants(process, filename)
        + endless_cycles(process, filename)
    )


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _line(node) -> int | None:
    return node.sourceline


def _owner_id(node) -> str:
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node.get("id") if node is not None else ""


def foreign_content(tree, filename: str) -> list[Problem]:
    problems = []
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        namespace = etree.QName(node.tag).namespace
        if namespace in _FOREIGN_NAMESPACES or _local(node.tag).lower() in _ACTIVE_ELEMENTS and namespace != BPMN_NS:
            kind = _FOREIGN_NAMESPACES.get(namespace, "")
            problems.append(Problem(
                f"流程图中不允许 {kind}<{_local(node.tag)}> 元素 (foreign executable content is not allowed)",
                filename, _line(node), _owner_id(node)))  # fmt: skip
            continue
        for name, value in node.attrib.items():
            if _local(name).lower().startswith("on") or _ACTIVE_TEXT.search(value or ""):
                problems.append(Problem(
                    f"属性 {_local(name)} 含可执行内容 (attribute with executable content is not allowed)",
                    filename, _line(node), _owner_id(node)))  # fmt: skip
        if _local(node.tag) != "script" and node.text and _ACTIVE_TEXT.search(node.text):
            problems.append(Problem(
                "文本中不允许 javascript:/<script> 等可执行内容 (executable content in text is not allowed)",
                filename, _line(node), _owner_id(node)))  # fmt: skip
    return problems


def reserved_ids(process, filename: str) -> list[Problem]:
    reserved = RESERVED_IDS | {f"{process.get('id')}.EndJoin"}
    return [
        Problem(
            f"元素 id “{node.get('id')}”为引擎保留，请改名 (the id is reserved by the engine: rename it)",
            filename,
            _line(node),
            node.get("id"),
        )  # fmt: skip
        for node in process.iter()
        if isinstance(node.tag, str) and node.get("id") in reserved
    ]


def _constant(source: str):
    """The value of a constant expression, or a sentinel when it is not one."""
    try:
        return ast.literal_eval(source.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_CONSTANT


_NOT_CONSTANT = object()


def loop_limits(process, filename: str) -> list[Problem]:
    problems = []
    for node in process.iter(f"{{{BPMN_NS}}}loopCardinality"):
        value = _constant(node.text or "")
        if value is not _NOT_CONSTANT and (not isinstance(value, int) or isinstance(value, bool) or value < 0
                                           or value > MAX_LOOP_INSTANCES):  # fmt: skip
            problems.append(Problem(
                f"多实例数量 {value!r} 无效或超过上限 {MAX_LOOP_INSTANCES} "
                f"(loopCardinality must be an integer from 0 to {MAX_LOOP_INSTANCES})",
                filename, _line(node), _owner_id(node)))  # fmt: skip
    for node in process.iter(f"{{{BPMN_NS}}}standardLoopCharacteristics"):
        maximum = node.get("loopMaximum")
        if maximum is not None and (not maximum.strip().isdigit() or int(maximum) > MAX_LOOP_INSTANCES):
            problems.append(Problem(
                f"循环上限 loopMaximum={maximum} 超过 {MAX_LOOP_INSTANCES} (loopMaximum must be at most {MAX_LOOP_INSTANCES})",
                filename, _line(node), _owner_id(node)))  # fmt: skip
    return problems


def timer_constants(process, filename: str) -> list[Problem]:
    parsers = {
        "timeDuration": TimerEventDefinition.parse_iso_duration,
        "timeDate": TimerEventDefinition.get_datetime,
        "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
    }
    problems = []
    for local, parse in parsers.items():
        for node in process.iter(f"{{{BPMN_NS}}}{local}"):
            value = _constant(node.text or "")
            if value is _NOT_CONSTANT:
                continue  # computed from case data: checked when it runs (an incident if it is wrong)
            try:
                if not isinstance(value, str):
                    raise TypeError("not a string")
                parse(value)
            except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception for a bad duration
                problems.append(Problem(
                    f"定时器表达式 {value!r} 不是 ISO 8601 {local}（时长须加引号，如 \"PT6H\"）"
                    f"(timer {local} is not ISO 8601, e.g. \"PT6H\")",
                    filename, _line(node), _owner_id(node)))  # fmt: skip
    return problems


def endless_cycles(process, filename: str) -> list[Problem]:
    """Cycles of automatic elements that no takeable flow leaves (each a loop that can never stop)."""
    kinds = {n.get("id"): _local(n.tag) for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
    flows = defaultdict(list)  # source -> [(target, takeable)]
    for gateway_id, outgoing in _takeable_flows(process).items():
        flows[gateway_id] = outgoing
    automatic = {i for i, kind in kinds.items() if kind in _AUTOMATIC}
    problems, reported = [], set()
    for start in sorted(automatic):
        component = _cycle_through(start, automatic, flows)
        if not component or start in reported:
            continue
        leaves = any(takeable and target not in component for node in component for target, takeable in flows[node])
        reported |= component
        if not leaves:
            first = min(component, key=lambda i: line_of(process, i) or 0)
            problems.append(Problem(
                f"自动环节 {'、'.join(sorted(component))} 构成无出口的循环，流程会空转 "
                "(a cycle of automatic elements that no flow can leave)",
                filename, line_of(process, first), first))  # fmt: skip
    return problems


def line_of(tree, element_id: str) -> int | None:
    """The line of the element with that id (SpiffWorkflow's own errors name an element, not a line)."""
    if not element_id:
        return None
    found = tree.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _takeable_flows(process) -> dict[str, list[tuple[str, bool]]]:
    """Per source: (target, can this flow ever be taken). A constant-false condition is never taken; after a
    constant-true condition an exclusive gateway takes nothing else (SpiffWorkflow takes the first match)."""
    result: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    shadowed: set[str] = set()
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        value = _constant(condition.text or "") if condition is not None else _NOT_CONSTANT
        takeable = source not in shadowed and not (condition is not None and value is not _NOT_CONSTANT and not value)
        if condition is not None and value is not _NOT_CONSTANT and value:
            shadowed.add(source)
        result[source].append((target, takeable))
    for source in shadowed:  # the default flow of a gateway with an always-true condition is never taken either
        gateway = process.xpath(".//*[@id=$id]", id=source)
        default = gateway[0].get("default") if gateway else None
        if default:
            target = process.xpath(".//bpmn:sequenceFlow[@id=$id]/@targetRef", id=default, namespaces={"bpmn": BPMN_NS})
            result[source] = [(t, ok and not (target and t == target[0])) for t, ok in result[source]]
    return result


def _cycle_through(start: str, automatic: set[str], flows) -> set[str]:
    """The automatic elements on some cycle through ``start`` using takeable flows (empty if none)."""
    forward = _reach(start, automatic, flows)
    if start not in forward:
        return set()
    return {n for n in forward if start in _reach(n, automatic, flows)} | {start}


def _reach(start: str, allowed: set[str], flows) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for target, takeable in flows.get(node, []):
            if takeable and target in allowed and target not in seen:
                seen.add(target)
                stack.append(target)
    return seen
