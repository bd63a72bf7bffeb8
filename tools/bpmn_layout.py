"""Lay out a BPMN file that has lanes but no diagram: writes the BPMNDiagram (DI) so bpmn-js and Camunda Modeler draw it.

Columns follow the flow (longest path from the start, loops drawn back underneath), rows are the lanes, elements that
share a lane and a column stack. Boundary events sit on the bottom edge of their task. A developer tool, run once per
diagram change; the result is committed and can be tidied in a modeler.

    .venv/bin/python tools/bpmn_layout.py processes/complaint.bpmn   # rewrites the file in place
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN}
COL, ROW, LEFT, LANE_HEADER, POOL_HEADER = 170, 120, 230, 30, 30
SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (100, 80)}


def _kind(tag: str) -> str:
    local = etree.QName(tag).localname
    if local.endswith("Event"):
        return "event"
    if local.endswith("Gateway"):
        return "gateway"
    return "task"


def layout(tree: etree._ElementTree) -> None:
    root = tree.getroot()
    process = root.find(f"{{{BPMN}}}process")
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    participant = collaboration.find(f"{{{BPMN}}}participant")
    for old in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(old)
    lanes = process.xpath("./bpmn:laneSet/bpmn:lane", namespaces=NS)
    lane_of = {ref.text: lane.get("id") for lane in lanes for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")}
    nodes = {n.get("id"): n for n in process if n.get("id") and _kind(n.tag) and etree.QName(n.tag).localname not in {"laneSet", "sequenceFlow", "documentation", "extensionElements", "dataObject", "dataObjectReference"}}
    boundaries = {i: n for i, n in nodes.items() if etree.QName(n.tag).localname == "boundaryEvent"}
    flows = process.findall(f"{{{BPMN}}}sequenceFlow")
    succ = defaultdict(list)
    for f in flows:
        source = f.get("sourceRef")
        source = boundaries[source].get("attachedToRef") if source in boundaries else source
        succ[source].append(f.get("targetRef"))
    # Ranks by longest path over a DFS tree; edges back to an ancestor are loops and do not push ranks.
    rank, state, back = {}, {}, set()
    starts = [i for i, n in nodes.items() if etree.QName(n.tag).localname == "startEvent"]

    def visit(node: str, depth: int) -> None:
        state[node] = "open"
        rank[node] = max(rank.get(node, 0), depth)
        for nxt in succ[node]:
            if state.get(nxt) == "open":
                back.add((node, nxt))
                continue
            if rank.get(nxt, -1) < depth + 1:
                visit(nxt, depth + 1)
        state[node] = "done"

    for start in starts:
        visit(start, 0)
    cells = defaultdict(list)
    for node_id in nodes:
        if node_id in boundaries:
            continue
        cells[(lane_of.get(node_id), rank.get(node_id, 0))].append(node_id)
    lane_rows = {lane.get("id"): max([len(v) for (ln, _), v in cells.items() if ln == lane.get("id")] or [1]) for lane in lanes}
    lane_top, y = {}, 60
    for lane in lanes:
        lane_top[lane.get("id")] = y
        y += lane_rows[lane.get("id")] * ROW + 20
    width = LEFT + (max(rank.values()) + 1) * COL + 40
    bounds = {}
    for (lane_id, column), members in cells.items():
        for index, node_id in enumerate(members):
            w, h = SIZES[_kind(nodes[node_id].tag)]
            cx = LEFT + column * COL + 50
            cy = lane_top.get(lane_id, 60) + 20 + index * ROW + 40
            bounds[node_id] = (cx - w // 2, cy - h // 2, w, h)
    for node_id, node in boundaries.items():
        tx, ty, tw, th = bounds[node.get("attachedToRef")]
        siblings = [b for b in boundaries if boundaries[b].get("attachedToRef") == node.get("attachedToRef")]
        offset = siblings.index(node_id)
        bounds[node_id] = (tx + tw - 30 - offset * 40, ty + th - 18, 36, 36)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"Diagram_{process.get('id')}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"Plane_{process.get('id')}", bpmnElement=collaboration.get("id"))

    def shape(element_id: str, x: float, y0: float, w: float, h: float, **extra) -> None:
        s = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id, **extra)
        etree.SubElement(s, f"{{{DC}}}Bounds", x=str(int(x)), y=str(int(y0)), width=str(int(w)), height=str(int(h)))

    shape(participant.get("id"), LEFT - 100, 60, width - LEFT + 100, y - 60, isHorizontal="true")
    for lane in lanes:
        lid = lane.get("id")
        shape(lid, LEFT - 100 + POOL_HEADER, lane_top[lid], width - LEFT + 100 - POOL_HEADER, lane_rows[lid] * ROW + 20, isHorizontal="true")
    for node_id, (x, y0, w, h) in bounds.items():
        extra = {"isMarkerVisible": "true"} if etree.QName(nodes[node_id].tag).localname == "exclusiveGateway" else {}
        shape(node_id, x, y0, w, h, **extra)
    bottom = y
    for f in flows:
        sx, sy, sw, sh = bounds[f.get("sourceRef")]
        tx, ty, tw, th = bounds[f.get("targetRef")]
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
        source_key = f.get("sourceRef")
        source_key = boundaries[source_key].get("attachedToRef") if source_key in boundaries else source_key
        if (source_key, f.get("targetRef")) in back or tx <= sx:
            lane_bottom = bottom - 12
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, lane_bottom), (tx + tw / 2, lane_bottom), (tx + tw / 2, ty + th)]
        elif f.get("sourceRef") in boundaries:
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, ty + th / 2), (tx, ty + th / 2)]
            if abs(sy + sh - (ty + th / 2)) < 1:
                points = [(sx + sw / 2, sy + sh), (tx, ty + th / 2)]
        else:
            start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
            mid = (start[0] + end[0]) / 2
            points = [start, end] if abs(start[1] - end[1]) < 1 else [start, (mid, start[1]), (mid, end[1]), end]
        for px, py in points:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(int(px)), y=str(int(py)))
    etree.indent(tree, space="  ")


def main(path: str) -> None:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    tree = etree.parse(path, parser)
    layout(tree)
    Path(path).write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


if __name__ == "__main__":
    main(sys.argv[1])
