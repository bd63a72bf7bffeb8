"""Every problem of a diagram at once, each pinned to an element and a line (issue 14 §3; issue 19 deepens it).

``check(content)`` runs the checks that need nothing but the XML and the engine: well-formed XML without entities,
one executable process, the BPMN XSD (every error, not the first), the sandbox compilation of every script,
condition, pre/post script and timer expression, timers written as ISO text, user tasks in a lane, and
SpiffWorkflow's own parse. The platform adds what needs the database (forms, lanes → people, rule ids).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import asdict, dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR

from app.engine import sandbox
from app.engine.definitions import BPMN_NS, NS, SPIFF_NS, Definition, parse_definition
from app.engine.errors import BpmnInvalid, EngineError
from app.engine.xml import parse_xml

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One problem, in the shape every check returns (and the modeler pins to the element)."""

    element_id: str
    name: str
    line: int | None
    message_zh: str
    message_en: str
    fix: str = ""
    severity: str = ERROR

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    findings: list[Finding]
    definition: Definition | None  # the parsed diagram when SpiffWorkflow accepted it
    tree: etree._ElementTree | None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


_BILINGUAL = re.compile(r"^(?P<zh>.*?)\s*\((?P<en>[^()]*)\)\s*(?P<rest>.*)$", re.S)


def split_message(message: str) -> tuple[str, str]:
    """ "中文 (English) detail" -> ("中文 detail", "English detail"); a message in one language is used for both."""
    match = _BILINGUAL.match(message or "")
    if not match:
        return message, message
    rest = match["rest"]
    rest = rest if not rest or rest[0] in ":：;；,，" else " " + rest
    return match["zh"] + rest, match["en"] + rest


_CODE = {  # tag -> compile mode; what the sandbox will run
    f"{{{BPMN_NS}}}script": "exec",
    f"{{{SPIFF_NS}}}preScript": "exec",
    f"{{{SPIFF_NS}}}postScript": "exec",
    f"{{{BPMN_NS}}}conditionExpression": "eval",
    f"{{{BPMN_NS}}}timeDuration": "eval",
    f"{{{BPMN_NS}}}timeDate": "eval",
    f"{{{BPMN_NS}}}timeCycle": "eval",
}
_TIMER_PARSERS = {
    "timeDuration": TimerEventDefinition.parse_iso_duration,
    "timeDate": TimerEventDefinition.get_datetime,
    "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
}
_ISO_LOOKALIKE = re.compile(r"^(R\d*/)?P(\d+[YMWD])*(T(\d+[HMS])+)?$")


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
    doc = copy.deepcopy(tree)
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


def _timer_literal(source: str, kind: str) -> tuple[str, str, str] | None:
    """(zh, en, fix) when a timer cannot work whatever the case data; None when it can or depends on data."""
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None  # reported by the compilation check
    if isinstance(tree, ast.Constant) and isinstance(tree.value, str):
        try:
            _TIMER_PARSERS[kind](tree.value)
        except Exception:  # the engine's parsers raise plain exceptions of several kinds
            return (f"计时器的值 {tree.value!r} 不是有效的 ISO-8601 {kind}", f"timer value {tree.value!r} is not ISO-8601",
                    "例如 'P5D'、'PT6H'、'R3/P1D' 或 '2026-12-01T09:00:00+08:00'")  # fmt: skip
        return None
    text = source.strip()
    if _ISO_LOOKALIKE.match(text.replace(" ", "")):
        return (f"计时器 {text} 会被当作表达式求值，运行时出错", f"timer {text} is evaluated as an expression and fails",
                f"写成带引号的字符串：'{text}'")  # fmt: skip
    return None


def _code(tree, names) -> list[Finding]:
    found = []
    for node in tree.iter(*_CODE):
        source = (node.text or "").strip()
        if not source:
            continue
        element_id, name = _named(node, names)
        try:
            sandbox._compile(source, _CODE[node.tag])
        except EngineError as err:
            zh, en = split_message(err.message)
            found.append(Finding(element_id, name, node.sourceline, zh, en, "修改代码后再保存 (fix the code)"))
            continue
        kind = etree.QName(node).localname
        if kind in _TIMER_PARSERS and (problem := _timer_literal(source, kind)):
            found.append(Finding(element_id, name, node.sourceline, *problem))
    return found


def _lanes(process, names) -> list[Finding]:
    in_lane = set(process.xpath(".//bpmn:lane/bpmn:flowNodeRef/text()", namespaces=NS))
    found = []
    for task in process.xpath(".//bpmn:userTask|.//bpmn:manualTask", namespaces=NS):
        if task.get("id") not in in_lane:
            found.append(
                Finding(task.get("id"), names.get(task.get("id"), ""), task.sourceline,
                        "用户任务不在任何泳道中，无人可以认领", "user task is in no lane, so no group could claim it",
                        "把任务拖进办理单位的泳道 (put it in the lane of the unit that works it)")
            )  # fmt: skip
    return found


def _engine_parse(content: bytes, filename: str, tree) -> tuple[Definition | None, list[Finding]]:
    names = _names(tree)
    try:
        return parse_definition(content, filename), []
    except BpmnInvalid as err:
        return None, [_from_problem(p, names) for p in err.problems]
    except (ValidationException, SpiffWorkflowException, EngineError) as err:  # defensive: parse_definition wraps
        return None, [Finding("", "", None, *split_message(str(err)))]


def _from_problem(problem, names: dict[str, str]) -> Finding:
    zh, en = split_message(problem.message)
    return Finding(problem.element_id, names.get(problem.element_id, ""), problem.line, zh, en)


def _names(tree) -> dict[str, str]:
    return {n.get("id"): n.get("name") or "" for n in tree.iter() if isinstance(n.tag, str) and n.get("id")}


def check(content: bytes, filename: str = "draft.bpmn") -> Report:
    try:
        tree = parse_xml(content, filename)
    except BpmnInvalid as err:
        return Report([_from_problem(p, {}) for p in err.problems], None, None)
    names = _names(tree)
    processes = [p for p in tree.xpath("/bpmn:definitions/bpmn:process", namespaces=NS)]
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"] or processes
    if len(executable) != 1:
        line = executable[1].sourceline if len(executable) > 1 else 1
        finding = Finding("", "", line, "一个文件只能有一个可执行流程", "exactly one executable bpmn:process per file",
                          "把其他流程标为不可执行或移到单独的文件")  # fmt: skip
        return Report([finding, *_xsd(tree, names)], None, tree)
    findings = _xsd(tree, names) + _code(tree, names) + _lanes(executable[0], names)
    definition = None
    if not findings or not any(
        f.severity == ERROR for f in findings
    ):  # SpiffWorkflow stops at its first problem; the checks above have named everything they can
        definition, more = _engine_parse(content, filename, tree)
        findings += more
    return Report(findings, definition, tree)
