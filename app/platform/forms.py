"""Task forms: JSON Schema (draft 2020-12) files under forms/<process>/<formKey>.json, plus UI hints.

Each deployed version pins the forms it was published with (``process_definition.forms_json``): a task, a start
page or a completion reads the form of its case's version, so a form published later never changes under a running
case. Files on disk are only read when a version is stored (and for rows from before pinning).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from sqlalchemy import select

from app.core.errors import Invalid, NotFound
from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance, ProcessRelease
from app.platform import pickers, validation_messages

# The fields of the generic start form (start_forms.py); the diagram check counts them as known data.
GENERIC_FIELDS = ("customer_name", "phone", "account_no", "branch", "note")


def form_path(process_key: str, form_key: str) -> Path:
    settings = current_app.config["GASFLOW"]
    places = [Path(settings.forms_dir), *map(Path, settings.extra_forms_dirs)]
    candidates = [place / process_key / f"{form_key}.json" for place in places]
    return next((c for c in candidates if c.is_file()), candidates[0])


@lru_cache(maxsize=512)
def _load(path: str, mtime: float) -> dict:
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


def keys_on_disk(process_key: str) -> list[str]:
    """The forms of a process in forms/<process>/ (and the extra form folders)."""
    settings = current_app.config["GASFLOW"]
    places = [Path(settings.forms_dir), *map(Path, settings.extra_forms_dirs)]
    return sorted({p.stem for place in places for p in (place / process_key).glob("*.json")})


def load_file(process_key: str, form_key: str) -> dict:
    """The form as it is on disk now (what a new version pins)."""
    path = form_path(process_key, form_key)
    if not path.is_file():
        raise NotFound(f"表单 {process_key}/{form_key}.json 不存在 (form file missing)")
    try:
        return _load(str(path), path.stat().st_mtime)
    except (ValueError, SchemaError) as err:
        raise Invalid(f"表单 {process_key}/{form_key}.json 无效: {err}") from None


def check_schema(schema: object) -> list[str]:
    """Why a schema typed in the browser cannot be a form (empty when it can)."""
    if not isinstance(schema, dict):
        return ["表单必须是 JSON 对象 (a form is a JSON object)"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [f"不是有效的 JSON Schema：{err.message} (invalid JSON Schema)"]
    if schema.get("type", "object") != "object" or not isinstance(schema.get("properties", {}), dict):
        return ["表单的顶层必须是 type: object 并带 properties (the top level must be an object with properties)"]
    return []


def _pinned_cache() -> dict[int, dict]:
    return current_app.extensions.setdefault("gasflow_pinned_forms", {})


def pinned(definition_id: int) -> dict[str, dict] | None:
    """The forms a version pins (versions never change, so they are kept in memory); None for rows from before."""
    cache = _pinned_cache()
    if definition_id not in cache:
        text = db.session.scalar(select(ProcessDefinition.forms_json).where(ProcessDefinition.id == definition_id))
        cache[definition_id] = json.loads(text) if text else None
    return cache[definition_id]


def _live_definition_id(process_key: str) -> int | None:
    release = select(ProcessRelease.definition_id).where(ProcessRelease.key == process_key)
    found = db.session.scalar(release.order_by(ProcessRelease.id.desc()).limit(1))
    if found is not None:
        return found
    newest = select(ProcessDefinition.id).where(ProcessDefinition.key == process_key)
    return db.session.scalar(newest.order_by(ProcessDefinition.version.desc()).limit(1))


def load_form(process_key: str, form_key: str, definition_id: int | None = None) -> dict:
    """The form of that version (default: the live version of the process), else the file on disk."""
    if definition_id is None:
        definition_id = _live_definition_id(process_key)
    forms = pinned(definition_id) if definition_id is not None else None
    if forms and form_key in forms:
        return forms[form_key]
    return load_file(process_key, form_key)


def instance_definition(instance_id: int) -> int | None:
    return db.session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == instance_id))


def load_task_form(task) -> dict:
    """The form of an inbox task, as its case's version pinned it."""
    return load_form(task.process_key, task.form_key, instance_definition(task.instance_id))


def form_problems(schema: dict, data: dict) -> list[dict]:
    """Every failing field with a message a person can act on (Chinese first, the validator's English after), then
    every picked unit / user / customer that does not exist (pickers.problems) and every time of something that
    happened set in the future (``x-past``)."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in error.absolute_path]
        if error.validator in {"required", "additionalProperties"}:
            path.append(error.message.split("'")[1] if "'" in error.message else "")
        field = ".".join(p for p in path if p)
        prop = _property(schema, [p for p in path if p])
        title = prop.get("title") or (schema.get("properties", {}).get(path[0], {}).get("title") if path else "")
        problems.append(
            {
                "field": field,
                "message": f"{title or field}：{validation_messages.explain(error, prop)}",
                "detail": error.message,
            }
        )
    failed = frozenset(p["field"] for p in problems)
    unchecked = {k: v for k, v in data.items() if k not in failed} if isinstance(data, dict) else {}
    later = validation_messages.future_problems(schema, unchecked)
    return problems + pickers.problems(schema, data, skip=failed) + later


def _property(schema: dict, path: list[str]) -> dict:
    """The schema of the field at ``path`` (nested objects and array items followed); {} when the form has none."""
    node: dict = schema
    for part in path:
        if part.isdigit() and isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            node = node.get("properties", {}).get(part, {})
        if not isinstance(node, dict):
            return {}
    return node


def _summary(problems: list[dict]) -> str:
    """The first few problems in one sentence, for API clients reading only ``detail``."""
    more = f"等 {len(problems)} 处" if len(problems) > 3 else ""
    return "；".join(p["message"] for p in problems[:3]) + more


def validate(process_key: str, form_key: str | None, data: dict, definition_id: int | None = None) -> dict:
    """Data for a task: checked against its form; a task without a form takes no data."""
    if not isinstance(data, dict):
        raise Invalid("表单数据必须是 JSON 对象 (data must be an object)")
    if not form_key:
        if data:
            raise Invalid("此任务没有表单，不接受数据 (this task has no form and takes no data)", fields=sorted(data))
        return {}
    schema = load_form(process_key, form_key, definition_id)
    problems = form_problems(schema, data)
    if problems:
        raise Invalid(f"表单有误：{_summary(problems)} (form data invalid)", errors=problems)
    return data


def require_valid(process_key: str, form_key: str, data: object, what: str) -> dict:
    """Start data checked against its form: ``what`` names it for the person reading the error (e.g. 投诉登记信息)."""
    return require_schema(load_form(process_key, form_key), data, what)


def require_schema(schema: dict, data: object, what: str) -> dict:
    if not isinstance(data, dict):
        raise Invalid(f"{what}必须是 JSON 对象 (the data must be a JSON object)")
    problems = form_problems(schema, data)
    if problems:
        raise Invalid(f"{what}有误：{_summary(problems)} (form data invalid)", errors=problems)
    return data


def choices_of(prop: dict) -> list[tuple[object, str]]:
    """A field's choices as (value, label): oneOf consts with titles, or enum with x-enumNames."""
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and all(isinstance(o, dict) and "const" in o for o in options):
        return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    if isinstance(prop.get("enum"), list):
        names = prop.get("x-enumNames") or []
        return [(v, str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(prop["enum"])]
    return []


def choice_label(value: object, prop: dict) -> str:
    """A stored choice as the label the form showed (oneOf titles / x-enumNames), lists joined."""
    options = dict(
        (str(v), label) for v, label in choices_of(prop.get("items", prop) if isinstance(value, list) else prop)
    )
    if isinstance(value, list):
        return "、".join(options.get(str(v), str(v)) for v in value)
    return options.get(str(value), "" if value is None else str(value))
