"""HTML forms from the JSON Schema of a task or start form, and typed data back from the posted form (issue 7 §4).

What a form author writes (draft 2020-12; every property of the top-level object is one field, in file order):

==================================  ==========================================================================
property schema                     rendered as
==================================  ==========================================================================
``type: string``                    one-line text (``maxLength``/``pattern`` checked by the server)
``+ "x-ui": {"widget": "textarea"}`` long text (``"rows": n`` optional)
``type: number`` / ``integer``      number box (``minimum``/``maximum`` become its limits)
``format: date`` / ``date-time``    date picker / date and time picker (entered and shown in Beijing time,
                                    stored as ISO with +08:00)
``oneOf: [{const, title}, ...]``    single choice with Chinese labels: a drop-down, or radio buttons with
  or ``enum`` + ``x-enumNames``     ``"x-ui": {"widget": "radio"}``; ``enum`` alone shows the values
``type: array`` + choice ``items``  multiple choice (check boxes); ``minItems: 1`` makes one required
``type: boolean``                   是 / 否 radio buttons
``type: object`` + widget ``file``  a file upload kept with the case (attachments service; size-limited);
                                    the value is ``{attachment_id, name, size, sha256, content_type, field}``
``"x-ui": {"widget": "hidden"}``    not shown (set by the process itself)
``x-ui`` unit- / user- /            a searchable picker over the directory or the customer archive (type to
  customer-picker                   filter, arrow keys, Enter; nothing typed is taken as a value); on
                                    ``type: array`` several (chips); see app/platform/pickers.py
``type: array`` of plain strings    one value per line (a text box)
``type: object`` (not a file)       its properties, grouped under the object's title (inputs named
                                    ``parent.child``)
==================================  ==========================================================================
``"prefill": "<case-data path>"`` fills an empty field on the task page from the case.
``title`` is the label, ``description`` (or ``"x-ui": {"help": ...}``) the hint under it, ``default`` the
initial value, ``readOnly: true`` shows the value without an input. Required fields carry a red star.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.datastructures import FileStorage, MultiDict

from app import clock
from app.core.data_paths import value_at
from app.platform import pickers
from app.platform.forms import choices_of


@dataclass
class Field:
    name: str
    title: str
    widget: str  # text textarea number date datetime select radio checkboxes boolean file picker lines
    required: bool
    help: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: object = None  # as the input shows it (strings; a list for check boxes; a dict for a file)
    error: str = ""
    attrs: dict = field(default_factory=dict)
    read_only: bool = False
    group: str = ""  # the title of the object this field belongs to (nested objects), shown as a legend
    picker: pickers.Picker | None = None
    labels: dict = field(default_factory=dict)  # picker: value -> what the person sees
    unit: str = ""  # user-picker: the unit whose people it lists first (from the case)
    unit_field: str = ""  # user-picker: the form field holding that unit (follows what is picked there)
    suggest: dict | None = None  # a refused value's fix the service offered ({"value", "label"}), one click to take


def _ui(prop: dict) -> dict:
    hint = prop.get("x-ui")
    return hint if isinstance(hint, dict) else {}


def widget_of(prop: dict) -> str:
    hint = _ui(prop).get("widget")
    kind = prop.get("type")
    if hint in {"hidden", "file", "textarea"}:
        return hint
    if pickers.picker_of(prop) is not None:
        return "picker"
    if kind == "boolean":
        return "boolean"
    if kind == "object":
        return "object"
    if kind == "array":
        return "checkboxes" if choices_of(prop.get("items", {})) else "lines"
    if choices_of(prop):
        return "radio" if hint == "radio" else "select"
    if kind in {"number", "integer"}:
        return "number"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    return "text"


def _shown(value: object, widget: str) -> object:
    """A stored value as its input shows it."""
    if value is None:
        return [] if widget == "checkboxes" else None
    if widget == "picker":
        return [str(v) for v in value] if isinstance(value, list) else str(value)
    if widget == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if widget == "boolean":
        return "true" if value is True else "false" if value is False else None
    if widget == "checkboxes":
        return [str(v) for v in value] if isinstance(value, list) else []
    if widget == "datetime" and isinstance(value, str):
        try:
            return clock.to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%dT%H:%M")
        except ValueError:
            return value
    if widget == "file":
        return value if isinstance(value, dict) else None
    return str(value)


def _attrs(prop: dict, widget: str) -> dict:
    attrs = {}
    if widget == "number":
        attrs["step"] = "1" if prop.get("type") == "integer" else "any"
        for key, html in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                attrs[html] = prop[key]
    if widget in {"text", "textarea"} and "maxLength" in prop:
        attrs["maxlength"] = prop["maxLength"]
    if widget == "textarea":
        attrs["rows"] = _ui(prop).get("rows", 4)
    if _ui(prop).get("placeholder"):
        attrs["placeholder"] = _ui(prop)["placeholder"]
    if widget == "file" and _ui(prop).get("accept"):
        attrs["accept"] = _ui(prop)["accept"]
    return attrs


def _picker_context(name: str, picker: pickers.Picker, value: object, schema: dict, case: dict) -> dict:
    shown = value if isinstance(value, list) else [value] if value else []
    context: dict = {"picker": picker, "labels": pickers.labels(picker, shown)}
    if picker.unit_from:
        if picker.unit_from in schema.get("properties", {}):
            context["unit_field"] = picker.unit_from
        found = value_at(case, picker.unit_from)
        context["unit"] = found if isinstance(found, str) else ""
    return context


def fields_of(
    schema: dict,
    values: dict,
    errors: dict[str, str],
    case: dict | None = None,
    prefix: str = "",
    group: str = "",
    suggestions: dict[str, dict] | None = None,
) -> list[Field]:
    """One Field per input, in file order; a nested object's properties follow under its title."""
    required = set(schema.get("required", []))
    case = case if case is not None else values
    result = []
    for name, prop in schema.get("properties", {}).items():
        widget = widget_of(prop)
        if widget == "hidden":
            continue
        current = values.get(name, prop.get("default")) if isinstance(values, dict) else None
        if widget == "object":
            title = str(prop.get("title", name))
            inner = fields_of(prop, current or {}, errors, case, f"{prefix}{name}.", title, suggestions)
            if inner and errors.get(f"{prefix}{name}") and not inner[0].error:
                inner[0].error = errors[f"{prefix}{name}"]  # e.g. "fill at least one" belongs to the group
            result += inner
            continue
        item_choices = choices_of(prop.get("items", {})) if widget == "checkboxes" else choices_of(prop)
        full = f"{prefix}{name}"
        extra = _picker_context(full, pickers.picker_of(prop), current, schema, case) if widget == "picker" else {}
        result.append(
            Field(
                name=full,
                title=str(prop.get("title", name)),
                widget=widget,
                required=name in required or (prop.get("type") == "array" and prop.get("minItems", 0) > 0),
                help=str(_ui(prop).get("help") or prop.get("description") or ""),
                choices=[(str(v), label) for v, label in item_choices],
                value=_shown(current, widget),
                error=errors.get(full, ""),
                attrs=_attrs(prop, widget),
                read_only=bool(prop.get("readOnly")),
                group=group,
                suggest=(suggestions or {}).get(full),
                **extra,
            )
        )
    return result


def error_names(schema: dict, prefix: str = "") -> set[str]:
    """Every name an error may be shown beside: the inputs and the nested objects that group them."""
    names = set()
    for name, prop in schema.get("properties", {}).items():
        names.add(f"{prefix}{name}")
        if widget_of(prop) == "object":
            names |= error_names(prop, f"{prefix}{name}.")
    return names


def loose_errors(schema: dict, errors: dict[str, str]) -> list[str]:
    """Errors with no input of their own on the page (a hidden field, a field the form does not have)."""
    shown = {n for n in error_names(schema) if widget_of(value_at_schema(schema, n)) != "hidden"}
    return [f"{value_at_schema(schema, k).get('title', k)}：{v}" for k, v in errors.items() if k not in shown]


def value_at_schema(schema: dict, dotted: str) -> dict:
    node = schema
    for part in dotted.split("."):
        node = node.get("properties", {}).get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _number(raw: str, integer: bool) -> object:
    try:
        value = float(raw)
    except ValueError:
        return raw  # the validator names it: 类型不正确
    if integer or (value.is_integer() and "." not in raw):
        return int(value) if value.is_integer() else raw
    return value


def _choice(raw: str, options: list[tuple[object, str]]) -> object:
    return next((v for v, _ in options if str(v) == raw), raw)


def _datetime(raw: str) -> str:
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if local.tzinfo is None:
        local = local.replace(tzinfo=clock.SHANGHAI)
    return local.isoformat()


FileStore = Callable[[str, FileStorage], dict]
FileKeep = Callable[[str, str], dict | None]


def parse(schema: dict, form: MultiDict, files: MultiDict, store: FileStore, keep: FileKeep, prefix: str = "") -> dict:
    """Typed data from the posted form; an empty input is left out so that "required" can name what is missing."""
    data: dict = {}
    for name, prop in schema.get("properties", {}).items():
        widget = widget_of(prop)
        full = f"{prefix}{name}"
        if widget == "hidden" or prop.get("readOnly"):
            continue
        if widget == "object":
            inner = parse(prop, form, files, store, keep, f"{full}.")
            if inner:
                data[name] = inner
            continue
        if widget == "checkboxes":
            options = choices_of(prop.get("items", {}))
            picked = [_choice(v, options) for v in form.getlist(full)]
            if picked:
                data[name] = picked
            continue
        if widget == "picker" and prop.get("type") == "array":
            picked = list(dict.fromkeys(v.strip() for v in form.getlist(full) if v.strip()))
            if picked:
                data[name] = picked
            continue
        if widget == "lines":
            lines = [line.strip() for line in form.get(full, "").splitlines() if line.strip()]
            if lines:
                data[name] = lines
            continue
        if widget == "file":
            upload = files.get(full)
            if upload is not None and upload.filename:
                data[name] = store(full, upload)
            elif form.get(f"{full}__keep"):
                kept = keep(full, form[f"{full}__keep"])
                if kept is not None:
                    data[name] = kept
            continue
        raw = form.get(full, "").strip()
        if raw == "":
            continue
        if widget == "boolean":
            data[name] = raw == "true" if raw in {"true", "false"} else raw
        elif widget in {"select", "radio"}:
            data[name] = _choice(raw, choices_of(prop))
        elif widget == "number":
            data[name] = _number(raw, prop.get("type") == "integer")
        elif widget == "datetime":
            data[name] = _datetime(raw)
        else:
            data[name] = raw
    return data


def field_suggestions(problems: list[dict]) -> dict[str, dict]:
    """The fixes a service offered with its problems (e.g. S24.2's earliest legal start), by field."""
    return {
        p["field"]: p["suggest"]
        for p in problems
        if p.get("field") and isinstance(p.get("suggest"), dict) and "value" in p["suggest"]
    }


def field_errors(problems: list[dict]) -> tuple[dict[str, str], list[str]]:
    """Service problems -> (message per top-level field, messages that belong to no field on the page)."""
    by_field: dict[str, str] = {}
    loose: list[str] = []
    for problem in problems:
        # investigators.1 -> investigators: an item's error shows beside its list; complainant.phone stays nested
        parts = [p for p in problem.get("field", "").split(".") if p and not p.isdigit()]
        top = ".".join(parts)
        message = problem.get("message", "").split("：", 1)[-1]
        if top:
            by_field.setdefault(top, message)
        else:
            loose.append(problem.get("message", ""))
    return by_field, loose
