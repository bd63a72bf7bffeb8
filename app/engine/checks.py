"""Every problem of a diagram at once, each pinned to an element and a line (issue 14 §3, issue 19 item 1).

``check(content)`` runs every check that needs nothing but the XML and the engine, and does not stop at the first
failing one: well-formed XML without entities, one runnable process (app/engine/foreign.py: pools, timers, typeless
tasks, documentation-only elements, other tools' extensions), the BPMN XSD (every error), what a diagram may not
contain (safety.py), the sandbox compilation of every script, condition and expression, user tasks in a lane, and
SpiffWorkflow's own parse, whose errors are translated (translate.py). ``parse_definition`` is the same check, raising
``BpmnInvalid`` with the whole list. The platform adds what needs the database (forms, lanes → people, rule ids).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

from lxml import etree
from SpiffWorkflow.spiff.parser import VALIDATOR

from app.engine import foreign, safety, sandbox, translate
from app.engine.definitions import BPMN_NS, NS, SPIFF_NS, Definition, build
from app.engine.errors import BpmnInvalid, EngineError, Problem
from app.engine.findings import ERROR, WARNING, Finding, split_message
from app.engine.xml import parse_xml

__all__ = ["ERROR", "WARNING", "Finding", "Report", "check", "parse_definition", "split_message"]


@dataclass
class Report:
    findings: list[Finding]
    definition: Definition | None  # the parsed diagram when it has no errors
    tree: etree._ElementTree | None  # the engine's copy (foreign.prepare): what runs

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


_CODE = {  # tag -> compile mode: what the sandbox will run; compiled at deploy so a refused script fails there
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


def _owner(node) -> etree._Element | None:
    """The element a marker goes on: the nearest ancestor with an id that the modeler draws (an event definition's
    id is not a shape; its event is)."""
    while node is not None and (not node.get("id") or str(node.tag).endswith("EventDefinition")):
        node = node.getparent()
    return node


def _short(message: str) -> str:
    return message.replace(f"{{{BPMN_NS}}}", "bpmn:").replace(f"{{{SPIFF_NS}}}", "spiffworkflow:")


def _named(node, names: dict[str, str]) -> tuple[str, str]:
    owner = _owner(node)
    element_id = owner.get("id") if owner is not None else ""
    return element_id, names.get(element_id, "")


def _xsd(tree, names) -> list[Finding]:
    retrieval = "//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression"
    doc = copy.deepcopy(tree) if tree.xpath(retrieval, namespaces=NS) else tree  # preprocess renames those in place
    VALIDATOR.preprocess(doc)
    if VALIDATOR.validator.validate(doc):
        return []
    by_line = {n.sourceline: n for n in tree.iter() if isinstance(n.tag, str)}
    found = []
    for entry in VALIDATOR.validator.error_log:
        node = by_line.get(entry.line)
        element_id, name = _named(node, names) if node is not None else ("", "")
        found.append(
            Finding(element_id, name, entry.line, f"不符合 BPMN 2.0 规范：{_short(entry.message)}",
                    f"not valid BPMN 2.0: {_short(entry.message)}", "按 BPMN 2.0 规范修改该元素 (fix the element)")
        )  # fmt: skip
    return found


def _code(scope, names) -> list[Finding]:
    found = []
    for node in scope.iter(*_CODE):
        source = (node.text or "").strip()
        if not source or node.get(foreign.REPORTED):
            continue  # empty: nothing runs; a Camunda ${…} or a timer that is no expression: foreign.py said why
        element_id, name = _named(node, names)
        try:
            sandbox.compile_snippet(source, _CODE[node.tag])
        except EngineError as err:
            zh, en = split_message(err.message)
            found.append(Finding(element_id, name, node.sourceline, zh, en, "修改代码后再保存 (fix the code)"))
    return found


def _lanes(process, names, drawn_only: set[str]) -> list[Finding]:
    in_lane = set(process.xpath(".//bpmn:lane/bpmn:flowNodeRef/text()", namespaces=NS))
    found = []
    for task in process.xpath(".//bpmn:userTask|.//bpmn:manualTask", namespaces=NS):
        if task.get("id") not in in_lane and task.get("id") not in drawn_only:
            fix = "把任务拖进办理单位的泳道 (put it in the lane of the unit that works it)"
            if task.xpath(".//*[local-name()='assignmentDefinition']"):
                fix = "zeebe:assignmentDefinition 是 Camunda 8 的分派方式，GasFlow 不读取；" + fix
            found.append(
                Finding(task.get("id"), names.get(task.get("id"), ""), task.sourceline,
                        "用户任务不在任何泳道中，无人可以认领", "user task is in no lane, so no group could claim it", fix)
            )  # fmt: skip
    return found


def _engine_parse(prepared: foreign.Prepared, filename: str) -> tuple[Definition | None, list[Finding]]:
    try:
        return build(prepared.tree, prepared.process, filename), []
    except Exception as err:  # noqa: BLE001 - SpiffWorkflow raises many kinds; each becomes a translated finding
        return None, [translate.finding(err, prepared.tree, filename)]


def _from_problem(problem, names: dict[str, str]) -> Finding:
    zh, en = split_message(problem.message)
    return Finding(problem.element_id, names.get(problem.element_id, ""), problem.line, zh, en)


def _names(tree) -> dict[str, str]:
    return {n.get("id"): n.get("name") or "" for n in tree.iter() if isinstance(n.tag, str) and n.get("id")}


def _safety(tree, prepared: foreign.Prepared, filename: str, names) -> list[Finding]:
    # the file as stored and shown (annotations included); constant timers are checked in foreign.py, with their fix
    problems = safety.foreign_content(tree, filename)
    for process in prepared.running:
        problems += (
            safety.reserved_ids(process, filename)
            + safety.loop_limits(process, filename)
            + safety.endless_cycles(process, filename)
        )
    return [_from_problem(p, names) for p in problems]


def check(content: bytes, filename: str = "draft.bpmn") -> Report:
    try:
        tree = parse_xml(content, filename)
    except BpmnInvalid as err:  # not XML we accept: nothing else can be checked
        fix = '用建模工具重新导出该文件；文件的编码须与 XML 声明一致（如 encoding="GBK"）'
        return Report([replace(_from_problem(p, {}), fix=fix) for p in err.problems], None, None)
    names = _names(tree)
    prepared = foreign.prepare(tree)
    findings = _xsd(tree, names) + prepared.findings
    definition = None
    if prepared.process is not None:
        findings += _safety(tree, prepared, filename, names)
        for scope in prepared.running:
            findings += _code(scope, names) + _lanes(scope, names, prepared.floating)
        # SpiffWorkflow stops at its first problem: it runs even when the checks above found some, and adds what
        # they did not (an element already refused is not reported twice)
        definition, more = _engine_parse(prepared, filename)
        refused = {f.element_id for f in findings if f.severity == ERROR}
        findings += [f for f in more if not f.element_id or f.element_id not in refused]
    kinds = {n.get("id"): etree.QName(n).localname for n in tree.iter() if isinstance(n.tag, str) and n.get("id")}
    findings = [f.with_kind(kinds.get(f.element_id, "")) for f in _unique(findings)]
    findings.sort(key=lambda f: (f.severity != ERROR, f.line or 0))
    errors = any(f.severity == ERROR for f in findings)
    return Report(findings, None if errors else definition, prepared.tree)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, kept = set(), []
    for f in findings:
        key = (f.element_id, f.line, f.message_zh)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def problem(finding: Finding, filename: str) -> Problem:
    """A finding in the shape BpmnInvalid carries (deploy, the API's 422, ``gasflow deploy``)."""
    fix = f"。修改方法：{finding.fix}" if finding.fix else ""
    return Problem(f"{finding.message_zh}{fix} ({finding.message_en})", filename, finding.line, finding.element_id,
                   finding.name, finding.kind, finding.fix, finding.message_zh, finding.message_en)  # fmt: skip


def parse_definition(content: bytes, filename: str) -> Definition:
    """The runnable definition of a diagram, or BpmnInvalid listing every error found (warnings do not refuse)."""
    report = check(content, filename)
    if report.errors or report.definition is None:
        raise BpmnInvalid([problem(f, filename) for f in report.errors])
    return report.definition
