"""The form that starts a case of a process (issue 7 §5, start pages).

A process names its start form with the process-level extension property ``startFormKey`` (a file under
forms/<process>/ like any task form). A process without one gets the generic intake below: who the case is about
(the fields the inbox searches by, see projections.SUBJECT_FIELDS), the branch that will work it, and a note.
"""

from __future__ import annotations

from app import engine
from app.core.errors import Forbidden
from app.models import ProcessInstance, User
from app.platform import definitions, forms, instances
from app.platform.runtime import runtime

GENERIC_FIELDS = ("customer_name", "phone", "account_no", "branch", "note")


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


def start_schema(process_key: str, definition: engine.Definition, definition_id: int | None = None) -> dict:
    form_key = definition.properties.get("startFormKey")
    return forms.load_form(process_key, form_key, definition_id) if form_key else _generic_schema()


def schema_for(process_key: str) -> tuple[str, dict]:
    """(process name, start schema) of the newest version."""
    row = definitions.live(process_key)
    return row.name, start_schema(row.key, runtime().definition(row.id), row.id)


def _start_roles(process_key: str) -> set[str]:
    roles = runtime().definition(definitions.live(process_key).id).properties.get("startRoles") or ""
    return {r.strip() for r in roles.split(",") if r.strip()}


def may_start(process_key: str, user: User) -> bool:
    """A process with the property ``startRoles`` (e.g. process_change: process_owner) is listed only for users with
    one of those roles; it starts from its own page (the start list links there), never from the generic form."""
    roles = _start_roles(process_key)
    return not roles or bool(roles & user.roles)


def start_case(process_key: str, data: dict, user: User, business_key: str | None) -> ProcessInstance:
    if _start_roles(process_key):
        raise Forbidden("此流程只能在其专用页面发起 (this process starts from its own page only)")
    _, schema = schema_for(process_key)
    forms.require_schema(schema, data, "表单")
    return instances.start(process_key, data, user, business_key=business_key or None)
