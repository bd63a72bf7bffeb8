"""What the case page shows (issue 7 §4, issue 11): the diagram's element marks, the history timeline and the case's
data: first the intake (what the customer said, who, where — the start form), then what each step entered, grouped
under its task, labelled by its form, times in Beijing time, phones masked (S21.4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.core.errors import ServiceError
from app.customers.masking import mask
from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.platform import forms, history, incidents, instances, start_forms, tasks
from app.platform.runtime import runtime

_ACTIVE = {"READY", "STARTED", "WAITING"}

EVENT_LABELS = {
    "started": "发起",
    "task_ready": "生成任务",
    "claimed": "认领",
    "unclaimed": "退回组内",
    "delegated": "转办",
    "task_completed": "办理完成",
    "timer_fired": "定时触发",
    "message_received": "收到消息",
    "attachment_added": "上传附件",
    "completed": "流程办结",
    "incident": "流程故障",
    "incident_resolved": "故障已重试",
}


def element_marks(instance: ProcessInstance) -> dict[str, str]:
    """Diagram element id -> "done", "active" or "overdue" (an active user task past its due time)."""
    definition = runtime().definition(instance.definition_id)
    if not instances.has_started(instance):
        return {}
    states = runtime().engine.element_states(definition, instance.state_json)
    marks: dict[str, str] = {}
    for element in states:
        if element.spec_name not in definition.element_names:
            continue  # engine bookkeeping specs (Start, End joins) have no shape
        if element.state in _ACTIVE:
            marks[element.spec_name] = "active"
        elif element.state == "COMPLETED" and marks.get(element.spec_name) != "active":
            marks[element.spec_name] = "done"  # a loop may have done it before and be on it again
    now = clock.now()
    for task in tasks.of_instance(instance.id):
        if task.state == "ready" and task.due_at is not None and task.due_at < now:
            marks[task.spec_name] = "overdue"
    return marks


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    actor: str
    text: str
    attachment: dict | None = None


def _display_names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def timeline(instance: ProcessInstance) -> list[TimelineEntry]:
    events = history.events_of(instance.id)
    definition = runtime().definition(instance.definition_id)
    names = _display_names({e.actor for e in events})
    task_names = {t.id: t.name for t in tasks.of_instance(instance.id)}
    entries = []
    for event in events:
        payload = json.loads(event.payload_json)
        element = payload.get("spec_name")
        subject = (
            payload.get("name")
            or definition.element_names.get(element or "", "")
            or task_names.get(event.task_id or "", "")
        )
        text = subject
        if event.kind == "task_ready" and payload.get("candidate_group"):
            text = f"{subject}（{payload['candidate_group']}）"
        elif event.kind == "delegated":
            text = f"{subject} → {_display_names({payload.get('to', '')}).get(payload.get('to', ''), payload.get('to', ''))}"
        elif event.kind == "message_received":
            text = payload.get("name", "")
        elif event.kind == "incident":
            text = f"{payload.get('element_name') or payload.get('element_id') or ''}：{payload.get('error', '')}"
        attachment = payload if event.kind == "attachment_added" else None
        actor = "系统" if event.actor in {"system", "scheduler"} else names.get(event.actor, event.actor)
        entries.append(TimelineEntry(event.at, EVENT_LABELS.get(event.kind, event.kind), actor, text, attachment))
    return entries


def field_titles(instance: ProcessInstance) -> dict[str, dict]:
    """Field name -> its schema (for the title and choice labels), from the start form and every task form."""
    definition = runtime().definition(instance.definition_id)
    fields: dict[str, dict] = dict(
        start_forms.start_schema(instance.process_key, definition, instance.definition_id).get("properties", {})
    )
    for task in definition.user_tasks.values():
        form_key = task.properties.get("formKey")
        if not form_key:
            continue
        try:
            schema = forms.load_form(instance.process_key, form_key, instance.definition_id)
        except ServiceError:
            continue  # a form removed since deployment: show the raw field name
        for name, prop in schema.get("properties", {}).items():
            fields.setdefault(name, prop)
    return fields


@dataclass(frozen=True)
class CaseSummary:
    instance: ProcessInstance
    process_name: str
    version: int
    started_by: str | None
    data: dict
    fields: dict[str, dict]
    open_tasks: list[HumanTask]
    incidents: list = ()
    sections: list = ()


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    long: bool = False
    attachment: dict | None = None


@dataclass(frozen=True)
class FactSection:
    title: str
    facts: list[Fact]


INTAKE_TITLE = "受理信息"
LONG_TEXT = 60  # characters: shown as a paragraph, not squeezed beside its label


def _is_phone(name: str) -> bool:
    return any(word in name.lower() for word in ("phone", "mobile"))


def _text(name: str, value, prop: dict, people: dict[str, str]) -> str:
    """One stored value as its form showed it: choices by label, yes/no, people by name, times in Beijing time."""
    if value is True or value is False:
        return "是" if value else "否"
    widget = (prop.get("x-ui") or {}).get("widget")
    if widget == "user-picker":
        names = value if isinstance(value, list) else [value]
        return "、".join(people.get(str(n), str(n)) for n in names)
    if prop.get("format") == "date-time" and isinstance(value, str):
        try:
            return clock.to_local(clock.ensure_aware(datetime.fromisoformat(value))).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if _is_phone(name) and isinstance(value, str):
        return mask(value) or ""
    return forms.choice_label(value, prop)


def _facts(data: dict, props: dict, people: dict[str, str], prefix: str = "") -> list[Fact]:
    facts = []
    for name, prop in props.items():
        if name not in data or data[name] in (None, "", []):
            continue
        value, label = data[name], f"{prefix}{prop.get('title') or name}"
        if isinstance(value, dict) and value.get("attachment_id"):
            facts.append(Fact(label, value.get("name", ""), attachment=value))
        elif isinstance(value, dict):
            facts.extend(_facts(value, prop.get("properties", {}), people, f"{label} · "))
        else:
            text = _text(name, value, prop, people)
            facts.append(Fact(label, text, long=len(text) > LONG_TEXT))
    return facts


def _usernames(data: dict, fields: dict[str, dict]) -> set[str]:
    found: set[str] = set()

    def walk(values: dict, props: dict) -> None:
        for name, prop in props.items():
            value = values.get(name)
            if isinstance(value, dict):
                walk(value, prop.get("properties", {}))
            elif (prop.get("x-ui") or {}).get("widget") == "user-picker" and value:
                found.update(str(v) for v in (value if isinstance(value, list) else [value]))

    walk(data, fields)
    return found


def fact_sections(instance: ProcessInstance, data: dict) -> list[FactSection]:
    """The intake first, then each task's entries under its name (diagram order); a field shows once."""
    definition = runtime().definition(instance.definition_id)
    start = start_forms.start_schema(instance.process_key, definition, instance.definition_id).get("properties", {})
    groups: list[tuple[str, dict]] = [(INTAKE_TITLE, start)]
    for task in definition.user_tasks.values():
        form_key = task.properties.get("formKey")
        if not form_key:
            continue
        try:
            schema = forms.load_form(instance.process_key, form_key, instance.definition_id)
        except ServiceError:
            continue
        groups.append((task.name, schema.get("properties", {})))
    all_props = {name: prop for _, props in groups for name, prop in props.items()}
    people = _display_names(_usernames(data, all_props))
    shown: set[str] = set()
    sections = []
    for title, props in groups:
        fresh = {name: prop for name, prop in props.items() if name not in shown}
        shown.update(fresh)
        facts = _facts(data, fresh, people)
        if facts:
            sections.append(FactSection(title, facts))
    return sections


def summary(instance: ProcessInstance) -> CaseSummary:
    row = instances.definition_row(instance)
    starter = db.session.get(User, instance.started_by_id) if instance.started_by_id else None
    open_tasks = [t for t in tasks.of_instance(instance.id) if t.state == "ready"]
    data = instances.case_data(instance)
    return CaseSummary(
        instance=instance,
        process_name=row.name,
        version=row.version,
        started_by=starter.display_name if starter else None,
        data=data,
        fields=field_titles(instance),
        open_tasks=open_tasks,
        incidents=incidents.open_of(instance.id) if instance.status == incidents.STATUS else [],
        sections=fact_sections(instance, data),
    )


def assignee_names(task_list: list[HumanTask]) -> dict[int, str]:
    ids = {t.assignee_id for t in task_list if t.assignee_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
