"""The API's query parameters held to /api/v1/openapi.json (issue 13 item 13): a parameter the document types (an
integer, a boolean, one of an enum, a date or date-time) is checked before the view runs, and a value the document
calls invalid is a 400 naming the parameter — not silently read as "absent" or "no", as the fuzzing found. Patterns
stay with the views, which answer them field by field (422 with the field, e.g. phone_tail on /api/v1/cases). A
parameter given twice is refused too (the document declares none as a list), and so is one the operation does not
take (a typo such as ``pag=2`` was silently ignored)."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask, current_app, request
from rfc3339_validator import validate_rfc3339

from app.core.errors import BadRequest

_URL_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_BOOLEANS = {"true", "false", "1", "0"}


def _query_parameters(app: Flask) -> dict[tuple[str, str], list[dict]]:
    """(document path, method) -> its query parameters; built once per app from the static paths (no database)."""
    index = app.extensions.get("gasflow_query_contract")
    if index is None:
        from app.core.registry import registry
        from app.web.api.meta import PATHS

        index = {}
        for path, operations in {**PATHS, **registry(app).openapi_paths}.items():
            for method, operation in operations.items():
                found = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
                index[(path, method)] = found
        app.extensions["gasflow_query_contract"] = index
    return index


def _problem(value: str, schema: dict) -> str | None:
    if value == "" and (schema.get("pattern") or schema.get("minLength", 0) > 0):  # "absent" is left out, not empty
        return "不能为空，不需要时请省略此参数 (must not be empty; leave the parameter out instead)"
    if schema.get("type") == "integer":
        if not _INTEGER.fullmatch(value):
            return "必须是整数 (must be an integer)"
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            return f"不能小于 {schema['minimum']} (must be at least {schema['minimum']})"
        if "maximum" in schema and number > schema["maximum"]:
            return f"不能大于 {schema['maximum']} (must be at most {schema['maximum']})"
        return None
    if schema.get("type") == "boolean":
        return None if value in _BOOLEANS else "只能是 true / false / 1 / 0 (a boolean)"
    if "enum" in schema and value not in schema["enum"]:
        return f"只能是 {' / '.join(schema['enum'])} (one of {', '.join(schema['enum'])})"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"最长 {schema['maxLength']} 个字符 (at most {schema['maxLength']} characters)"
    kind = schema.get("format")
    if kind == "date-time" and not validate_rfc3339(value):
        return "应为带时区的时间，例如 2026-03-02T09:00:00+08:00 (an RFC 3339 date-time)"
    if kind == "date" and not _is_date(value):
        return "应为日期 YYYY-MM-DD (a date)"
    return None


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_query():
    rule = request.url_rule
    if rule is None or not request.query_string or not request.path.startswith("/api/"):
        return  # (with no query there is nothing to check: only unknown, repeated or malformed parameters are refused)
    path = _URL_PART.sub(r"{\1}", rule.rule)
    declared = _query_parameters(current_app).get((path, request.method.lower()))
    if declared is None:  # not in the document (test_api.py::test_openapi_documents_every_route keeps that away)
        return
    known = {parameter["name"] for parameter in declared}
    if unknown := sorted(set(request.args) - known):
        takes = "、".join(sorted(known)) or "无"
        raise BadRequest(f"未知参数 {', '.join(unknown)[:80]}；可用参数：{takes} (unknown query parameter)")
    for parameter in declared:
        name = parameter["name"]
        values = request.args.getlist(name)
        if not values:
            continue
        if len(values) > 1:
            raise BadRequest(f"参数 {name} 只能给一次 (query parameter {name} given more than once)")
        if (problem := _problem(values[0], parameter.get("schema", {}))) is not None:
            raise BadRequest(f"参数 {name} {problem}: {values[0][:40]}")


def install(app: Flask) -> None:
    app.before_request(check_query)
