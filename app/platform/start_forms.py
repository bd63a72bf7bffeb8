"""The form that starts a case of a process (issue 7 §5, start pages).

A process names its start form with the process-level extension property ``startFormKey`` (a file under
forms/<process>/ like any task form). A process without one gets the generic intake below: who the case is about
(the fields the inbox searches by, see projections.SUBJECT_FIELDS), the branch that will work it, and a note.
"""

from __future__ import annotations

from app import engine
from app.models import ProcessInstance, User
from app.platform import definitions, forms, instances
from app.platform.runtime import runtime


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


def start_schema(process_key: str, definition: engine.Definition) -> dict:
    form_key = definition.properties.get("startFormKey")
    return forms.load_form(process_key, form_key) if form_key else _generic_schema()


def schema_for(process_key: str) -> tuple[str, dict]:
    """(process name, start schema) of the newest version."""
    row = definitions.latest(process_key)
    return row.name, start_schema(row.key, runtime().definition(row.id))


def start_case(process_key: str, data: dict, user: User, business_key: str | None) -> ProcessInstance:
    _, schema = schema_for(process_key)
    forms.require_schema(schema, data, "表单")
    return instances.start(process_key, data, user, business_key=business_key or None)
