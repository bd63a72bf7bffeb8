"""Task forms: JSON Schema (draft 2020-12) files under forms/<process>/<formKey>.json, plus UI hints."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from app.core.errors import Invalid, NotFound
from app.platform import pickers, validation_messages


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


def load_form(process_key: str, form_key: str) -> dict:
    path = form_path(process_key, form_key)
    if not path.is_file():
        raise NotFound(f"表单 {process_key}/{form_key}.json 不存在 (form file missing)")
    try:
        return _load(str(path), path.stat().st_mtime)
    except (ValueError, SchemaError) as err:
        raise Invalid(f"表单 {process_key}/{form_key}.json 无效: {err}") from None


def form_problems(schema: dict, data: dict) -> list[dict]:
    """Every failing field with a message a person can act on (Chinese first, the validator's English after), then
    every picked unit / user / customer that does not exist (pickers.problems)."""
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
    return problems + pickers.problems(schema, data, skip=failed)  # + validation_messages.future_problems(schema, data)


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


def validate(process_key: str, form_key: str | None, data: dict) -> dict:
    """Data for a task: checked against its form; a task without a form takes no data."""
    if not isinstance(data, dict):
        raise Invalid("表单数据必须是 JSON 对象 (data must be an object)")
    if not form_key:
        if data:
            raise Invalid("此任务没有表单，不接受数据 (this task has no form and takes no data)", fields=sorted(data))
        return {}
    schema = load_form(process_key, form_key)
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
