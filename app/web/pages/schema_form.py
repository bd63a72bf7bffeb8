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
==================================  ==========================================================================
``title`` is the label, ``description`` (or ``"x-ui": {"help": ...}``) the hint under it, ``default`` the
initial value, ``readOnly: true`` shows the value without an input. Required fields carry a red star.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.datastructures import FileStorage, MultiDict

from app import clock


@dataclass
class Field:
    name: str
    title: str
    widget: str  # text textarea number date datetime select radio checkboxes boolean file
    required: bool
    help: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: object = None  # as the input shows it (strings; a list for check boxes; a dict for a file)
    error: str = ""
    attrs: dict = field(default_factory=dict)
    read_only: bool = False


def _ui(prop: dict) -> dict:
    hint = prop.get("x-ui")
    return hint if isinstance(hint, dict) else {}


def choices_of(prop: dict) -> list[tuple[object, str]]:
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and all(isinstance(o, dict) and "const" in o for o in options):
        return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    if isinstance(prop.get("enum"), list):
        names = prop.get("x-enumNames") or []
        return [(v, str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(prop["enum"])]
    return []


def widget_of(prop: dict) -> str:
    hint = _ui(prop).get("widget")
    kind = prop.get("type")
    if hint in {"hidden", "file", "textarea"}:
        return hint
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        return "checkboxes"
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


def fields_of(schema: dict, values: dict, errors: dict[str, str]) -> list[Field]:
    required = set(schema.get("required", []))
    result = []
    for name, prop in schema.get("properties", {}).items():
        widget = widget_of(prop)
        if widget == "hidden":
            continue
        item_choices = choices_of(prop.get("items", {})) if widget == "checkboxes" else choices_of(prop)
        current = values.get(name, prop.get("default"))
        result.append(
            Field(
                name=name,
                title=str(prop.get("title", name)),
                widget=widget,
                required=name in required or (widget == "checkboxes" and prop.get("minItems", 0) > 0),
                help=str(_ui(prop).get("help") or prop.get("description") or ""),
                choices=[(str(v), label) for v, label in item_choices],
                value=_shown(current, widget),
                error=errors.get(name, ""),
                attrs=_attrs(prop, widget),
                read_only=bool(prop.get("readOnly")),
            )
        )
    return result


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


def parse(schema: dict, form: MultiDict, files: MultiDict, store: FileStore, keep: FileKeep) -> dict:
    """Typed data from the posted form; an empty input is left out so that "required" can say 必填."""
    data: dict = {}
    for name, prop in schema.get("properties", {}).items():
        widget = widget_of(prop)
        if widget == "hidden" or prop.get("readOnly"):
            continue
        if widget == "checkboxes":
            options = choices_of(prop.get("items", {}))
            picked = [_choice(v, options) for v in form.getlist(name)]
            if picked:
                data[name] = picked
            continue
        if widget == "file":
            upload = files.get(name)
            if upload is not None and upload.filename:
                data[name] = store(name, upload)
            elif form.get(f"{name}__keep"):
                kept = keep(name, form[f"{name}__keep"])
                if kept is not None:
                    data[name] = kept
            continue
        raw = form.get(name, "").strip()
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


def field_errors(problems: list[dict]) -> tuple[dict[str, str], list[str]]:
    """Service problems -> (message per top-level field, messages that belong to no field on the page)."""
    by_field: dict[str, str] = {}
    loose: list[str] = []
    for problem in problems:
        top = problem.get("field", "").split(".")[0]
        message = problem.get("message", "").split("：", 1)[-1]
        if top:
            by_field.setdefault(top, message)
        else:
            loose.append(problem.get("message", ""))
    return by_field, loose
