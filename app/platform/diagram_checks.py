"""The server's check of a diagram (issue 14 §3): everything the engine finds (app/engine/checks.py) plus what needs
this installation — forms that exist and hold the fields the diagram reads, lanes that resolve to people, deadlines
that make sense, escalation rule ids that exist. One list, every problem at once, each pinned to an element and a
line: ``{element_id, name, line, message_zh, message_en, fix, severity}``.
"""

from __future__ import annotations

import builtins

from app.core.registry import registry
from app.engine.checks import ERROR, WARNING, Finding, check, split_message
from app.engine.definitions import Definition
from app.engine.outline import Element, Outline, outline
from app.org import staffing
from app.platform import forms, senders
from app.platform.rule_ids import ESCALATION_RULES
from app.platform.script_functions import PLATFORM_FUNCTIONS

SLA_PROPERTIES = ("slaHours", "slaWorkingDays", "slaFrom", "dueField")
# Names every case has without a form writing them.
_ALWAYS = {"business_key", "True", "False", "None"}


def _form_for(key: str, form_key: str, edited: dict[str, dict]) -> dict | None:
    if form_key in edited:
        return edited[form_key]
    try:
        return forms.load_form(key, form_key)
    except Exception:  # NotFound / Invalid: reported below as a missing or broken form
        return None


def _known_names(shape: Outline, schemas: list[dict]) -> set[str]:
    names = set(_ALWAYS) | set(PLATFORM_FUNCTIONS) | set(registry().script_functions) | set(dir(builtins))
    for schema in schemas:
        names |= set((schema.get("properties") or {}).keys())
    for element in shape.elements.values():
        names |= element.writes
        if element.message_variable:
            names.add(element.message_variable)
    for key in (shape.process_properties.get("correlationKeys") or "").split(","):
        if key.strip():
            names.add(key.strip().split(".")[0])
    return names


def _finding(element: Element, zh: str, en: str, fix: str = "", severity: str = ERROR) -> Finding:
    return Finding(element.id, element.name, element.line, zh, en, fix, severity, element.kind)


def _forms(shape: Outline, edited: dict[str, dict]) -> tuple[list[Finding], list[dict]]:
    found, schemas = [], []
    start_key = shape.process_properties.get("startFormKey")
    if not start_key:
        schemas.append({"properties": dict.fromkeys(forms.GENERIC_FIELDS, {})})
    for form_key in sorted(set(forms.keys_on_disk(shape.key)) | set(edited)):  # any form of the process may give data
        schema = _form_for(shape.key, form_key, edited)
        if schema is not None:
            schemas.append(schema)
    wanted = [(e, e.properties["formKey"]) for e in shape.elements.values() if e.properties.get("formKey")]
    for element, form_key in wanted + ([(None, start_key)] if start_key else []):
        schema = _form_for(shape.key, form_key, edited)
        if schema is None:
            where = element or Element("", "process", "", None)
            found.append(_finding(where, f"表单 forms/{shape.key}/{form_key}.json 不存在",
                                  f"formKey {form_key} names a missing form",
                                  "在“表单”中新建该表单，或选择已有的表单"))  # fmt: skip
        else:
            schemas.append(schema)
    return found, schemas


def _reads(shape: Outline, known: set[str]) -> list[Finding]:
    found = []
    for element in shape.elements.values():
        for name in sorted(element.reads - known):
            found.append(_finding(element, f"代码读取的字段 {name} 不在任何表单中，也没有脚本写入它",
                                  f"the code reads {name}, which no form or script provides",
                                  f"在表单中加字段 {name}，或改正拼写", WARNING))  # fmt: skip
        for prop in ("assigneeField", "dueField", "slaFrom", "notFor"):
            for path in (element.properties.get(prop) or "").split(","):
                field = path.strip().split(".")[0]
                if field and field not in known:
                    found.append(_finding(element, f"{prop} 指向的字段 {field} 不在任何表单中",
                                          f"{prop} names {field}, which no form or script provides",
                                          "选择表单里的字段", WARNING))  # fmt: skip
    return found


def _number(text: str, integer: bool) -> float | None:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _deadlines(shape: Outline) -> list[Finding]:
    found = []
    for element in shape.elements.values():
        props = element.properties
        if props.get("slaHours") and _number(props["slaHours"], False) is None:
            found.append(_finding(element, f"时限小时数 {props['slaHours']!r} 不是正数",
                                  "slaHours must be a positive number", "例如 6 或 0.5"))  # fmt: skip
        if props.get("slaWorkingDays") and _number(props["slaWorkingDays"], True) is None:
            found.append(_finding(element, f"时限工作日 {props['slaWorkingDays']!r} 不是正整数",
                                  "slaWorkingDays must be a positive integer", "例如 5 (C14.1)"))  # fmt: skip
        if props.get("slaHours") and props.get("slaWorkingDays"):
            found.append(_finding(element, "同时设置了时限小时数和时限工作日，只能选一种",
                                  "slaHours and slaWorkingDays are both set", "删除其中一个"))  # fmt: skip
        if props.get("slaFrom") and not (props.get("slaHours") or props.get("slaWorkingDays")):
            found.append(_finding(element, "设置了起算字段但没有时限", "slaFrom without slaHours or slaWorkingDays",
                                  "填写时限小时数或时限工作日", WARNING))  # fmt: skip
        if any(props.get(p) for p in SLA_PROPERTIES) and element.kind not in {"userTask", "manualTask"}:
            found.append(_finding(element, "时限只对人工任务有效", "deadlines apply to user tasks only",
                                  "把时限设置在人工任务上", WARNING))  # fmt: skip
        rule = props.get("escalation")
        if rule and rule not in ESCALATION_RULES:
            found.append(_finding(element, f"升级规则 {rule} 不在规则表中", f"escalation names unknown rule {rule}",
                                  "从列表中选择规则编号（rules.md）"))  # fmt: skip
    return found


def _lanes(shape: Outline) -> list[Finding]:
    """The same rule deploy enforces (definitions._check_lanes): a lane with user tasks must reach people."""
    found = []
    staffed = staffing.staffed_groups()
    for lane in shape.lanes:
        if not lane.user_tasks:
            continue
        problem = staffing.lane_problem(lane.name, staffed)
        if problem:
            why, fix = problem
            where = Element(lane.id, lane.kind, lane.name, lane.line)
            found.append(_finding(where, why, f"lane {lane.name!r} resolves to no one who could work its tasks", fix))
    return found


def _senders(shape: Outline) -> list[Finding]:
    """Who may start the process and send each message (issue 13 item 4), listed with the rest."""
    process = Element(shape.key, "process", "", shape.line)
    by_name = {m.name: m for m in shape.messages}
    found = []
    for where, why in senders.deploy_problems(
        shape.process_properties, [(m.name, m.properties) for m in shape.messages]
    ):
        element = by_name.get(where, process)
        zh, en = split_message(why)
        fix = "在流程属性中填写 startableBy（如 staff、unit:客服中心、system:billing）" if element is process else \
            "在消息属性中填写 sentBy（如 staff 或 system:billing）"  # fmt: skip
        found.append(_finding(element, zh, en, fix))
    return found


def review(
    content: bytes, edited_forms: dict[str, dict] | None = None, filename: str = "draft.bpmn"
) -> tuple[list[Finding], Definition | None]:
    """Every finding (the engine's and this installation's), and the runnable definition when there is no error.
    Deploy refuses on the errors (definitions.validate); the modeler shows all of them."""
    report = check(content, filename)
    findings = list(report.findings)
    shape = outline(report.tree) if report.tree is not None else None
    if shape is None:
        return findings, None
    form_findings, schemas = _forms(shape, edited_forms or {})
    findings += form_findings + _lanes(shape) + _senders(shape) + _deadlines(shape)
    findings += _reads(shape, _known_names(shape, schemas))
    errors = any(f.severity == ERROR for f in findings)
    return findings, None if errors else report.definition


def check_diagram(
    content: bytes, edited_forms: dict[str, dict] | None = None, filename: str = "draft.bpmn"
) -> list[Finding]:
    return review(content, edited_forms, filename)[0]


def as_dicts(findings: list[Finding]) -> list[dict]:
    return [f.as_dict() for f in findings]
