"""Walk a diagram's sequence flows (boundary events leave from the task they sit on) to prove an ordering rule holds
on every path, not just on the paths the other tests happen to take (S24.6, S24.7: no disconnection without the
department head's signature)."""

from __future__ import annotations

from collections import deque

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}


def flow_graph(xml: bytes) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """Start events, and for each element the (flow id, target) pairs leaving it."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    process = root.find(f"{{{BPMN}}}process")
    attached = {b.get("id"): b.get("attachedToRef") for b in process.findall(f"{{{BPMN}}}boundaryEvent")}
    graph: dict[str, list[tuple[str, str]]] = {}
    for flow in process.findall(f"{{{BPMN}}}sequenceFlow"):
        graph.setdefault(flow.get("sourceRef"), []).append((flow.get("id"), flow.get("targetRef")))
    for boundary, task in attached.items():  # reaching the task means its boundary event may fire
        graph.setdefault(task, []).append((f"attached:{boundary}", boundary))
    starts = [s.get("id") for s in process.findall(f"{{{BPMN}}}startEvent")]
    return starts, graph


def reachable_without(xml: bytes, target: str, required_flow: str) -> tuple[bool, bool]:
    """(target reachable at all, target reachable on some path that never took ``required_flow``)."""
    starts, graph = flow_graph(xml)
    seen = {(s, False) for s in starts}
    queue = deque(seen)
    while queue:
        node, took = queue.popleft()
        for flow_id, nxt in graph.get(node, []):
            state = (nxt, took or flow_id == required_flow)
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return (target, True) in seen or (target, False) in seen, (target, False) in seen


def with_extra_flow(xml: bytes, source: str, target: str) -> bytes:
    """The diagram with one more sequence flow: shows the walk would catch a shortcut."""
    root = etree.fromstring(xml)
    process = root.find(f"{{{BPMN}}}process")
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="Flow_shortcut", sourceRef=source, targetRef=target)
    return etree.tostring(root)
