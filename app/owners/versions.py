"""The process list and the versions of a process, with what changed between two of them (issue 14 §1, §6).

The visual diff colours shapes in the browser (bpmn-js-differ); the changed properties listed beside it — form,
deadline, lane, script text, and form contents — come from here, so the review and the tests read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.engine.checks import check
from app.engine.outline import Outline, outline
from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance, ProcessRelease
from app.owners import drafts
from app.platform import definitions

LABELS = {
    "formKey": "表单", "slaHours": "时限（小时）", "slaWorkingDays": "时限（工作日）", "slaFrom": "起算字段",
    "dueField": "到期字段", "assigneeField": "指派字段", "notFor": "回避人字段", "escalation": "升级规则",
    "correlationKeys": "关联键", "startFormKey": "发起表单", "lane": "泳道", "name": "名称",
    "script": "脚本", "condition": "条件", "timer": "计时器", "preScript": "前置脚本", "postScript": "后置脚本",
    "messageVariable": "消息变量",
}  # fmt: skip


@dataclass
class ProcessRow:
    key: str
    name: str
    live: ProcessDefinition
    released: ProcessRelease | None
    publisher: str
    running: dict[int, int]  # version -> running cases
    drafts: list = field(default_factory=list)


def running_by_version(key: str) -> dict[int, int]:
    rows = db.session.execute(
        select(ProcessDefinition.version, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == key, ProcessInstance.status == "running")
        .group_by(ProcessDefinition.version)
    ).all()
    return dict(rows)


def process_list() -> list[ProcessRow]:
    result = []
    for live in definitions.list_live():
        release = definitions.live_release(live.key)
        who = release.released_by_id if release is not None else live.deployed_by_id
        result.append(ProcessRow(live.key, live.name, live, release, definitions.publisher_name(who),
                                 running_by_version(live.key), drafts.open_drafts(live.key)))  # fmt: skip
    return result


@dataclass(frozen=True)
class Change:
    element_id: str
    name: str
    kind: str  # added, removed, changed
    what: str = ""  # the property, in Chinese
    before: str = ""
    after: str = ""


def _shape(xml: str) -> Outline | None:
    report = check(xml.encode("utf-8"))
    return outline(report.tree) if report.tree is not None else None


def _facets(element) -> dict[str, str]:
    facets = {"name": element.name, "lane": element.lane or "", **element.properties, **element.code}
    if element.message_variable:
        facets["messageVariable"] = element.message_variable
    return {k: v for k, v in facets.items() if v}


def element_changes(old_xml: str, new_xml: str) -> list[Change]:
    old, new = _shape(old_xml), _shape(new_xml)
    if old is None or new is None:
        return []
    changes = []
    for element_id in sorted(set(old.elements) | set(new.elements)):
        a, b = old.elements.get(element_id), new.elements.get(element_id)
        if a is None or b is None:
            present = a or b
            if present.kind in {"incoming", "outgoing"}:
                continue
            changes.append(Change(element_id, present.name, "added" if a is None else "removed"))
            continue
        before, after = _facets(a), _facets(b)
        for prop in sorted(set(before) | set(after)):
            if before.get(prop, "") != after.get(prop, ""):
                changes.append(Change(element_id, b.name or a.name, "changed", LABELS.get(prop, prop),
                                      before.get(prop, ""), after.get(prop, "")))  # fmt: skip
    for prop in sorted(set(old.process_properties) | set(new.process_properties)):
        if old.process_properties.get(prop, "") != new.process_properties.get(prop, ""):
            changes.append(Change(new.key, "流程", "changed", LABELS.get(prop, prop),
                                  old.process_properties.get(prop, ""), new.process_properties.get(prop, "")))  # fmt: skip
    return changes


def form_changes(old_forms: dict[str, dict], new_forms: dict[str, dict]) -> list[Change]:
    """Forms pinned by one version and not the other, or pinned with different contents (field by field)."""
    changes = []
    for key in sorted(set(old_forms) | set(new_forms)):
        a, b = old_forms.get(key), new_forms.get(key)
        if a == b:
            continue
        if a is None or b is None:
            changes.append(Change(f"form:{key}", key, "added" if a is None else "removed", "表单"))
            continue
        fa, fb = a.get("properties", {}), b.get("properties", {})
        for name in sorted(set(fa) | set(fb)):
            if fa.get(name) != fb.get(name):
                title = (fb.get(name) or fa.get(name) or {}).get("title", name)
                kind = "added" if name not in fa else "removed" if name not in fb else "changed"
                changes.append(Change(f"form:{key}", f"表单 {key}", kind, f"字段 {title}",
                                      str(fa.get(name, "")), str(fb.get(name, ""))))  # fmt: skip
        if a.get("required") != b.get("required"):
            changes.append(Change(f"form:{key}", f"表单 {key}", "changed", "必填字段",
                                  "、".join(a.get("required", [])), "、".join(b.get("required", []))))  # fmt: skip
    return changes


def draft_changes(draft) -> tuple[ProcessDefinition | None, list[Change]]:
    """What a draft changes against the live version (what the reviewer approves)."""
    try:
        live = definitions.live(draft.key)
    except Exception:  # NotFound: a new process; everything is added
        return None, []
    pinned = definitions.pinned_forms(live)
    new_forms = {**pinned, **drafts.edited_forms(draft)}
    return live, element_changes(live.xml, draft.xml) + form_changes(pinned, new_forms)


def released_at(row: ProcessDefinition) -> datetime | None:
    rel = db.session.scalar(
        select(ProcessRelease.released_at)
        .where(ProcessRelease.definition_id == row.id)
        .order_by(ProcessRelease.id.desc())
    )
    return rel
