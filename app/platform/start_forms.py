"""The form that starts a case of a process (issue 7 §5, start pages).

A process names its start form with the process-level extension property ``startFormKey`` (a file under
forms/<process>/ like any task form), or its area registers a start use case (core.registry.StartUseCase: the form
and the area's own start function, e.g. arrears from billing, so the page and the API start cases the same way).
A process with neither gets the generic intake below: who the case is about (the fields the inbox searches by, see
projections.SUBJECT_FIELDS), the branch that will work it, and a note.
"""

from __future__ import annotations

from app import engine
from app.core.errors import Forbidden
from app.core.registry import StartUseCase, registry
from app.models import ProcessInstance, User
from app.platform import definitions, forms, instances, senders
from app.platform.runtime import runtime

GENERIC_FIELDS = forms.GENERIC_FIELDS


def _generic_schema() -> dict:
    branch = {"type": "string", "title": "承办分公司", "x-ui": {"widget": "unit-picker", "unitKind": "branch"}}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "customer_name": {"type": "string", "title": "客户姓名", "maxLength": 64},
            "phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9+\\- ]{5,20}$"},
            "account_no": {"type": "string", "title": "户号", "maxLength": 32},
            "branch": branch,
            "note": {"type": "string", "title": "情况说明", "maxLength": 2000, "x-ui": {"widget": "textarea"}},
        },
    }


def area_start(process_key: str) -> StartUseCase | None:
    return registry().start_use_cases.get(process_key)


def start_schema(process_key: str, definition: engine.Definition, definition_id: int | None = None) -> dict:
    own = area_start(process_key)
    form_key = definition.properties.get("startFormKey") or (own.form_key if own else None)
    return forms.load_form(process_key, form_key, definition_id) if form_key else _generic_schema()


def schema_for(process_key: str) -> tuple[str, dict]:
    """(process name, start schema) of the newest version."""
    row = definitions.live(process_key)
    return row.name, start_schema(row.key, runtime().definition(row.id), row.id)


def may_start(process_key: str, user: User) -> bool:
    """Whom the start list offers the process: those its diagram's ``startableBy`` names (issue 13, item 4). A process
    with its own intake (registry.intake) is started on the area's page the start list links to."""
    definition = runtime().definition(definitions.live(process_key).id)
    return senders.allows(definition.properties.get(senders.START_PROPERTY), user)


def start_case(
    process_key: str, data: dict, user: User, business_key: str | None
) -> tuple[ProcessInstance, str | None]:
    """The new case (or, for an area's start use case, the open case the data went to) and a note when not new."""
    own = area_start(process_key)
    if own is None and process_key in registry().intakes:
        raise Forbidden(
            f"此流程只能在其专用页面或受理入口发起：{registry().intakes[process_key]} (this process has its own intake)"
        )
    _, schema = schema_for(process_key)
    forms.require_schema(schema, data, "表单")
    if own is not None:  # the area numbers its cases itself
        instance_id, note = own.start(data, user)
        return instances.get(instance_id), note
    return instances.start(process_key, data, user, business_key=business_key or None), None
