"""What is wrong with a form value, said so a person can fix it (issue 11: not "必填", "太小" or "无效" alone), and a
check a schema cannot say: a time something happened is not in the future."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jsonschema.exceptions import ValidationError

from app import clock

# Devices and people round times; a few minutes ahead of the server clock is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=10)

_TYPES = {"number": "应填数字，例如 12.5", "integer": "应填整数，例如 3", "string": "应填文字", "boolean": "请选择“是”或“否”",
          "array": "应为列表", "object": "格式不正确"}  # fmt: skip
_FORMATS = {"date": "日期格式应为 2026-03-02", "date-time": "时间格式应为 2026-03-02 09:30（北京时间）"}


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _choices(prop: dict) -> str:
    options = prop.get("oneOf") or prop.get("anyOf") or []
    titles = [str(o.get("title", o.get("const"))) for o in options if isinstance(o, dict) and "const" in o]
    titles = titles or [str(v) for v in prop.get("x-enumNames") or prop.get("enum") or []]
    return f"请从选项中选择（{'、'.join(titles[:8])}）" if titles else "请从选项中选择"


def _required(prop: dict) -> str:
    if prop.get("type") == "boolean":
        return "必填：请选择“是”或“否”"
    if prop.get("type") == "array" or (prop.get("x-ui") or {}).get("widget", "").endswith("picker"):
        return "必填：请从列表中选择"
    if prop.get("oneOf") or prop.get("enum"):
        return "必填：请选择一项"
    return "必填：此项尚未填写"


def explain(error: ValidationError, prop: dict) -> str:
    """One Chinese sentence for one validator error on the field whose schema is ``prop``."""
    kind, limit, value = str(error.validator), error.validator_value, error.instance
    if kind == "required":
        return _required(prop)
    if kind == "minLength":
        return "不能为空，请填写内容" if limit == 1 else f"至少 {limit} 个字，请补充完整"
    if kind == "maxLength":
        return f"最多 {limit} 个字（现有 {len(value)} 个）" if isinstance(value, str) else f"最多 {limit} 个字"
    if kind == "minimum":
        return f"不能小于 {_number(limit)}，请填写 {_number(limit)} 或更大的数"
    if kind == "exclusiveMinimum":
        return f"必须大于 {_number(limit)}，请填写比 {_number(limit)} 大的数"
    if kind == "maximum":
        return f"不能大于 {_number(limit)}，请填写 {_number(limit)} 或更小的数"
    if kind == "exclusiveMaximum":
        return f"必须小于 {_number(limit)}，请填写比 {_number(limit)} 小的数"
    if kind == "type":
        return _TYPES.get(str(limit), "格式不正确")
    if kind in {"pattern", "format"}:
        help_text = (prop.get("x-ui") or {}).get("formatHelp") if isinstance(prop.get("x-ui"), dict) else None
        return help_text or _FORMATS.get(str(prop.get("format")), f"格式不正确（“{str(value)[:30]}”）")
    if kind == "const":
        return "须选择“是”确认" if limit is True else f"只能是“{limit}”"
    if kind in {"enum", "oneOf", "anyOf"}:
        return _choices(prop)
    if kind == "minItems":
        return f"至少选择 {limit} 项"
    if kind == "maxItems":
        return f"最多选择 {limit} 项"
    if kind == "uniqueItems":
        return "不能重复选择同一项"
    if kind == "minProperties":
        titles = [str(p.get("title", n)) for n, p in (prop.get("properties") or {}).items()]
        return f"请至少填写一项（{'或'.join(titles)}）" if titles else "请至少填写一项"
    if kind == "additionalProperties":
        return "不是此表单的字段"
    return f"不符合要求（{error.message[:60]}）"


def _instant(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _day(raw: object) -> date | None:
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def future_problems(schema: dict, data: dict) -> list[dict]:
    """A ``format: date-time`` or ``format: date`` field marked ``"x-past": true`` records when something happened
    (答复时间, 停气时间, 合同签订日期): it cannot be later than now (a date: than today in Beijing). Opt-in per field: a
    form may also hold planned moments (an announced outage, an appointment)."""
    if not isinstance(data, dict):
        return []
    now = clock.now()
    found = []
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict) or not prop.get("x-past"):
            continue
        if prop.get("format") == "date-time":
            moment = _instant(data.get(name))
            if moment is None or moment <= now + FUTURE_TOLERANCE:
                continue
            message = f"不能晚于现在（现在是 {clock.to_local(now):%m-%d %H:%M}），请填写实际发生的时间"
        elif prop.get("format") == "date":
            day = _day(data.get(name))
            if day is None or day <= clock.to_local(now + FUTURE_TOLERANCE).date():
                continue
            message = f"不能晚于今天（今天是 {clock.to_local(now):%m-%d}），请填写实际发生的日期"
        else:
            continue
        found.append({"field": name, "message": f"{prop.get('title', name)}：{message}", "detail": message})
    return found
