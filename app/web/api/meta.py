"""/api/v1/openapi.json: the API's contract. tests/web/test_openapi.py fails on any route missing here."""

from __future__ import annotations

from flask import jsonify

from app.web.api import api

ERROR = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    str(code): {"description": text, "content": {"application/json": {"schema": ERROR}}}
    for code, text in [
        (400, "malformed request"),
        (401, "not authenticated"),
        (403, "not allowed"),
        (404, "unknown"),
        (409, "conflict: stale revision, already claimed or completed"),
        (422, "invalid data, form or BPMN"),
    ]  # fmt: skip
}


def _op(summary: str, *, body: dict | None = None, params: list | None = None, ok: str = "200") -> dict:
    op: dict = {"summary": summary, "responses": {ok: {"description": "OK"}, **_ERRORS}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    return op


def _path(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


_INT = {"type": "integer"}
_TASK_ID = _path("task_id")
_INSTANCE_ID = _path("instance_id", _INT)
_CUSTOMER_ID = _path("customer_id", _INT)

PATHS: dict[str, dict] = {
    "/api/v1/openapi.json": {"get": _op("This document")},
    "/api/v1/definitions": {
        "get": _op("Latest version of every deployed process"),
        "post": _op(
            "Deploy BPMN XML (process owners); 201 new version, 200 same content already deployed, 422 errors by line",
            body={"application/xml": {"schema": {"type": "string"}}},
            params=[_query("filename", {"type": "string"}, "file name shown in error messages")],
            ok="201",
        ),
    },
    "/api/v1/definitions/{key}/versions/{number}": {
        "get": _op("The XML of one version", params=[_path("key"), _path("number", _INT)])
    },
    "/api/v1/instances": {"post": _op("Start an instance", body=_json("StartInstance"), ok="201")},
    "/api/v1/instances/{instance_id}": {"get": _op("An instance with its open tasks and data", params=[_INSTANCE_ID])},
    "/api/v1/instances/{instance_id}/events": {
        "get": _op("The instance's hash-chained history", params=[_INSTANCE_ID])
    },
    "/api/v1/instances/{instance_id}/replay": {
        "post": _op("Rebuild the instance from its events and compare (auditors)", params=[_INSTANCE_ID])
    },
    "/api/v1/complaints": {
        "post": _op(
            "Record a complaint (C11/C12): 201 a new case, 200 merged into the open case on the same matter (repeat). "
            "The body is the documented start contract, forms/complaint/intake.json (docs/complaints.md)",
            body=_json("ComplaintIntake"),
            ok="201",
        )
    },
    "/api/v1/reports/complaints/monthly": {
        "get": _op(
            "The monthly report of valid complaints (C14.2): counts by responsible unit, channel, severity and C9 "
            "reason; on-time rate against the 5-working-day limit (C14.1); satisfaction; repeats; escalations (C8). "
            "客服中心, unit heads, 分管领导, auditors and admins (docs/complaints.md)",
            params=[
                _query("month", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "YYYY-MM; default last month"),
                _query("format", {"type": "string", "enum": ["json", "csv", "xlsx"]}, "default json"),
                _query(
                    "part", {"type": "string", "enum": ["summary", "cases"]}, "CSV only: counts or one line per case"
                ),
            ],
        )
    },
    "/api/v1/instances/{instance_id}/migrate": {
        "post": _op(
            "Move a running instance to another deployed version (process owners); 409 if an element it used is gone",
            params=[_INSTANCE_ID],
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["version"],
                        "properties": {"version": {"type": "integer"}},
                    }
                }
            },
        )
    },
    "/api/v1/messages": {
        "post": _op(
            "Deliver a message to the instances it correlates with; 404 names the keys when none waits, and the "
            "message is kept in /api/v1/unmatched-messages (e.g. payment_received {amount, paid_at} by account_no)",
            body=_json("Message"),
        )
    },
    # issue 6: arrears and hazard disconnection (S19.3, S24.6, S24.7, S24.8)
    "/api/v1/arrears": {
        "post": _op(
            "Open an arrears case from billing (forms/arrears_disconnection/start.json: account_no, amount_owed, "
            "since): 201 new case; 200 the account's open case took the new figures (arrears_updated)",
            body={"application/json": {"schema": {"type": "object", "description": "account_no, amount_owed, since"}}},
            ok="201",
        )
    },
    "/api/v1/arrears/{instance_id}/notice": {
        "get": _op(
            "The 缴费及停气通知书 of the case (S24.6) as JSON, or as PDF with format=pdf",
            params=[_INSTANCE_ID, _query("format", {"type": "string", "enum": ["json", "pdf"]})],
        )
    },
    "/api/v1/hazards": {
        "post": _op(
            "Open a hazard case (S24.7; forms/hazard_disconnection/start.json)",
            body={"application/json": {"schema": {"type": "object", "description": "account_no, hazard, found_at"}}},
            ok="201",
        )
    },
    "/api/v1/unmatched-messages": {
        "get": _op(
            "Messages no case was waiting for (staff)",
            params=[_query("all", {"type": "string", "enum": ["1", "0"]}), _query("account", {"type": "string"})],
        )
    },
    "/api/v1/unmatched-messages/{message_id}/resolve": {
        "post": _op(
            "Redeliver to a case now waiting, or close with a note",
            params=[_path("message_id", _INT)],
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"note": {"type": "string"}, "redeliver": {"type": "boolean"}},
                    }
                }
            },
        )
    },
    "/api/v1/company-settings": {"get": _op("The company's own values (e.g. arrears_notice_days, S24.6)")},
    "/api/v1/company-settings/{name}": {
        "put": _op(
            "Change one company setting (admin)",
            params=[_path("name")],
            body={"application/json": {"schema": {"type": "object", "properties": {"value": {"type": "integer"}}}}},
        )
    },
    "/api/v1/tasks": {
        "get": _op(
            "The inbox",
            params=[
                _query("scope", {"type": "string", "enum": ["mine", "group", "all", "done"]}),
                _query("overdue", {"type": "string", "enum": ["1", "0"]}),
                _query("due_before", {"type": "string", "format": "date-time"}),
                _query("process", {"type": "string"}),
                _query("q", {"type": "string"}, "case number, customer name, phone or account"),
                _query("page", _INT),
                _query("page_size", _INT),
            ],
        )
    },
    "/api/v1/tasks/{task_id}": {"get": _op("A task with its form schema", params=[_TASK_ID])},
    "/api/v1/tasks/{task_id}/claim": {"post": _op("Claim (candidates only)", params=[_TASK_ID])},
    "/api/v1/tasks/{task_id}/unclaim": {"post": _op("Give back (assignee or the group's head)", params=[_TASK_ID])},
    "/api/v1/tasks/{task_id}/delegate": {
        "post": _op("Hand to another candidate", params=[_TASK_ID], body=_json("Delegate"))
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": _op("Complete with form data", params=[_TASK_ID], body=_json("Complete"))
    },
    # issue 3: the working-day calendar (C14.1)
    "/api/v1/calendar/add-working-days": {
        "get": _op(
            "Deadline n working days after receipt: {due, provisional}",
            params=[
                _query("start", {"type": "string"}, "YYYY-MM-DD (received that day, Asia/Shanghai) or ISO with offset"),
                _query("days", _INT),
            ],
        )
    },
    "/api/v1/calendar/days/{date}": {
        "put": _op("Set one day of the holiday table (admin)", params=[_path("date")], body=_json("CalendarDay"))
    },
    "/api/v1/calendar/days": {"get": _op("Every day of a year as the table sees it", params=[_query("year", _INT)])},
    "/api/v1/calendar/years": {"get": _op("Years the table covers, and a warning while next year is missing")},
    "/api/v1/calendar/years/{year}": {
        "post": _op(
            "Declare a hand-entered year complete; recomputes provisional deadlines (admin)",
            params=[_path("year", _INT)],
        )
    },
    "/api/v1/calendar/import": {
        "post": _op(
            "Import a year's schedule as CSV date,workday,name (admin); all or nothing, errors by line",
            body={"text/csv": {"schema": {"type": "string"}}},
        )
    },
    # issue 4: the customer archive (S21) and the directory (C13.2.5)
    "/api/v1/customers": {
        "get": _op(
            "Search customers (masked lists, S21.4); has_more instead of a total",
            params=[
                _query(name, {"type": "string"}, text)
                for name, text in [
                    ("q", "digits: phone suffix; letters+digits: account prefix; else name prefix"),
                    ("account", "account number or its prefix"),
                    ("name", "name prefix"),
                    ("phone", "the last 4+ digits of any phone, or the whole number"),
                    ("address", "estate/building prefix"),
                    ("district", "exact"),
                    ("street", "exact"),
                    ("branch", "branch name or district"),
                    ("class", "A1 A2 A3 B1 B2"),
                    ("status", "normal suspended disconnected"),
                ]
            ]
            + [_query("limit", _INT), _query("offset", _INT)],
        ),
        "post": _op(
            "Add a customer (客服中心, admin, or the customer's branch)",
            body={"application/json": {"schema": {"type": "object", "description": "Customer fields"}}},
            ok="201",
        ),
    },
    "/api/v1/customers/{customer_id}": {
        "get": _op(
            "Open one record: full numbers only for S21.4 readers, each such view logged", params=[_CUSTOMER_ID]
        ),
        "patch": _op(
            "Change fields (optional revision for a stale-write check)",
            params=[_CUSTOMER_ID],
            body={"application/json": {"schema": {"type": "object", "description": "Customer fields, revision"}}},
        ),
        "delete": _op("Remove a mistaken entry (admin)", params=[_CUSTOMER_ID], ok="204"),
    },
    "/api/v1/customers/unmasked-views": {
        "get": _op(
            "Who saw full phone/ID numbers when (auditors, S21.4)",
            params=[
                _query("customer_id", _INT),
                _query("user_id", _INT),
                _query("since", {"type": "string", "format": "date-time"}),
                _query("until", {"type": "string", "format": "date-time"}),
                _query("page", _INT),
                _query("page_size", _INT),
            ],
        )
    },
    "/api/v1/directory/units": {"get": _op("Units with their kind, district and number of users")},
    "/api/v1/directory/users": {
        "get": _op(
            "Staff with unit, roles, direct superior",
            params=[_query("unit", {"type": "string"}), _query("role", {"type": "string"})],
        )
    },
    "/api/v1/directory/conflicts": {
        "get": _op(
            "Conflict-of-interest declarations involving me (auditors/admin: all)",
            params=[_query("all", {"type": "string", "enum": ["1", "0"]})],
        ),
        "post": _op(
            "Declare a conflict of interest with another user (C13.2.5)",
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["with", "kind"],
                        "properties": {
                            "with": {"type": "string"},
                            "kind": {"type": "string", "enum": ["relative", "friend", "colleague", "interest"]},
                            "reason": {"type": "string"},
                            "user": {"type": "string", "description": "admin only: declare for this user"},
                        },
                    }
                }
            },
            ok="201",
        ),
    },
    "/api/v1/directory/conflicts/{declaration_id}/withdraw": {
        "post": _op("Withdraw a declaration (its declarant or admin)", params=[_path("declaration_id", _INT)])
    },
}

SCHEMAS = {
    "ComplaintIntake": {"$ref": "#/components/schemas/ComplaintIntakeForm"},
    "Error": {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
    },
    "StartInstance": {
        "type": "object",
        "required": ["process"],
        "properties": {
            "process": {"type": "string"},
            "business_key": {"type": "string"},
            "data": {"type": "object"},
        },
    },
    "Message": {
        "type": "object",
        "required": ["name", "correlation"],
        "properties": {
            "name": {"type": "string"},
            "correlation": {"type": "object", "additionalProperties": {"type": "string"}},
            "payload": {"type": "object"},
        },
    },
    "CalendarDay": {
        "type": "object",
        "required": ["workday"],
        "properties": {"workday": {"type": "boolean"}, "name": {"type": "string", "maxLength": 64}},
    },
    "Delegate": {"type": "object", "required": ["to"], "properties": {"to": {"type": "string"}}},
    "Complete": {
        "type": "object",
        "properties": {"data": {"type": "object"}, "revision": {"type": "integer"}},
    },
}


def _complaint_contract() -> dict:
    from app.services import forms

    schema = dict(forms.load_form("complaint", "intake"))
    schema.pop("$schema", None)
    return schema


def document() -> dict:
    schemas = {**SCHEMAS, "ComplaintIntakeForm": _complaint_contract()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "GasFlow API", "version": "1"},
        "paths": PATHS,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@api.get("/openapi.json")
def openapi():
    return jsonify(document())
