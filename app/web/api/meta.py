"""/api/v1/openapi.json: the API's contract. tests/web/test_openapi.py fails on any route missing here."""

from __future__ import annotations

from flask import jsonify

from app.core.registry import registry
from app.web.api.openapi import CUSTOMER_ID, INSTANCE_ID, INT, TASK_ID, json_ref, op, path_param, query_param
from app.web.blueprints import api

YEAR = {"type": "integer", "minimum": 1901, "maximum": 2199}  # the years the working-day table can hold

PATHS: dict[str, dict] = {
    "/api/v1/openapi.json": {"get": op("This document")},
    "/api/v1/definitions": {
        "get": op("The live version of every deployed process"),
        "post": op(
            "Deploy BPMN XML (process owners); 201 new version, 200 same content already deployed, 422 errors by line. "
            "The answer names live_version; over a version published in the browser after review the upload is "
            "stored but not live (warning says so) unless publish=1",
            body={"application/xml": {"schema": {"type": "string"}}},
            params=[
                query_param("filename", {"type": "string"}, "file name shown in error messages"),
                query_param("publish", {"type": "string", "enum": ["1", "0"]}, "make it live even over a reviewed one"),
            ],
            ok="201",
        ),
    },
    "/api/v1/definitions/{key}/versions/{number}": {
        "get": op("The XML of one version", params=[path_param("key"), path_param("number", INT)])
    },
    "/api/v1/instances": {
        "post": op(
            "Start an instance (only processes without their own intake contract, by those the diagram's "
            "startableBy names). 201 also when the first step failed in the diagram: the case is created with status "
            "incident and its incident (the start data is kept; a retry resumes it)",
            body=json_ref("StartInstance"),
            ok="201",
        )
    },
    "/api/v1/instances/{instance_id}": {"get": op("An instance with its open tasks and data", params=[INSTANCE_ID])},
    "/api/v1/instances/{instance_id}/events": {"get": op("The instance's hash-chained history", params=[INSTANCE_ID])},
    "/api/v1/reports/overview/charts": {
        "get": op("Chart figures: on-time rate per unit over 12 months, breaches by rule, open work by age (overview)")
    },
    "/api/v1/instances/{instance_id}/replay": {
        "post": op("Rebuild the instance from its events and compare (auditors)", params=[INSTANCE_ID])
    },
    "/api/v1/instances/{instance_id}/migrate": {
        "post": op(
            "Move a running instance to another deployed version (process owners); 409 if an element it used is gone",
            params=[INSTANCE_ID],
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
        "post": op(
            "Deliver a message to the instances it correlates with; 404 names the keys when none waits, and the "
            "message is kept in /api/v1/unmatched-messages (e.g. payment_received {amount, paid_at} by account_no)",
            body=json_ref("Message"),
        )
    },
    "/api/v1/unmatched-messages": {
        "get": op(
            "Messages no case was waiting for (staff)",
            params=[
                query_param("all", {"type": "string", "enum": ["1", "0"]}),
                query_param("account", {"type": "string"}),
            ],
        )
    },
    "/api/v1/unmatched-messages/{message_id}/resolve": {
        "post": op(
            "Redeliver to a case now waiting, or close with a note",
            params=[path_param("message_id", INT)],
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
    "/api/v1/company-settings": {"get": op("The company's own values (e.g. arrears_notice_days, S24.6)")},
    "/api/v1/company-settings/{name}": {
        "put": op(
            "Change one company setting (admin)",
            params=[path_param("name")],
            body={"application/json": {"schema": {"type": "object", "properties": {"value": {"type": "integer"}}}}},
        )
    },
    "/api/v1/tasks": {
        "get": op(
            "The inbox",
            params=[
                query_param("scope", {"type": "string", "enum": ["mine", "group", "all", "done"]}),
                query_param("overdue", {"type": "string", "enum": ["1", "0", "true", "false"]}),
                query_param("due_before", {"type": "string", "format": "date-time"}),
                query_param("process", {"type": "string"}),
                query_param("q", {"type": "string"}, "case number, customer name, phone or account"),
                query_param("page", INT),
                query_param("page_size", INT),
            ],
        )
    },
    "/api/v1/cases": {
        "get": op(
            "Cases the caller may see, newest first (auditors and admins: all; the person complained about never sees "
            "the complaint, C13.2.5); every filter optional and AND-ed",
            params=[
                query_param("number", {"type": "string"}, "case number (prefix) or instance id"),
                query_param("customer", {"type": "string"}, "customer or complainant name (prefix)"),
                query_param("phone_tail", {"type": "string", "pattern": "^[0-9]{4}$"}, "last 4 digits only"),
                query_param("account", {"type": "string"}, "account number 户号 (prefix)"),
                query_param("process", {"type": "string"}, "process key"),
                query_param("version", {"type": "integer", "minimum": 1}, "version of that process (needs process)"),
                query_param("status", {"type": "string", "enum": ["running", "completed", "error"]}),
                query_param("unit", {"type": "string"}, "the unit working the case, or any unit that had a task"),
                query_param("started_from", {"type": "string"}, "date (Beijing) or ISO date-time, inclusive"),
                query_param("started_to", {"type": "string"}, "date (Beijing, the whole day counts) or ISO date-time"),
                query_param("overdue", {"type": "string", "enum": ["1", "0"]}, "an open task past its due time"),
                query_param("breached", {"type": "string", "enum": ["1", "0"]}, "any limit breached"),
                query_param("breached_rule", {"type": "string"}, "a breach of this rule id, e.g. C14.1"),
                query_param("migrated", {"type": "string", "enum": ["1", "0"]}),
                query_param("reassigned", {"type": "string", "enum": ["1", "0"]}),
                query_param("mine", {"type": "string", "enum": ["started", "worked"]}),
                query_param("page", INT),
                query_param("page_size", INT, "1-500, default 50"),
            ],
        )
    },
    "/api/v1/tasks/{task_id}": {"get": op("A task with its form schema", params=[TASK_ID])},
    "/api/v1/tasks/{task_id}/claim": {"post": op("Claim (candidates only)", params=[TASK_ID])},
    "/api/v1/tasks/{task_id}/unclaim": {"post": op("Give back (assignee or the group's head)", params=[TASK_ID])},
    "/api/v1/tasks/{task_id}/delegate": {
        "post": op("Hand to another candidate", params=[TASK_ID], body=json_ref("Delegate"))
    },
    "/api/v1/tasks/{task_id}/reassign": {
        "post": op(
            "Move an open task to a person (to_user) or a unit (to_group) with a reason (the unit's head or an "
            "administrator); recorded as a 'reassigned' event",
            params=[TASK_ID],
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {
                            "to_user": {"type": "string"},
                            "to_group": {"type": "string"},
                            "reason": {"type": "string", "maxLength": 500},
                        },
                    }
                }
            },
        )
    },
    "/api/v1/tasks/unstaffed": {
        "get": op("Open tasks whose group has nobody now (无人办理), within what the head or administrator oversees")
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": op(
            "Complete with form data",
            params=[TASK_ID],
            body=json_ref("Complete"),
            also={
                "202": "accepted, but the next step failed in the diagram: the data is kept on the case's incident "
                "and applied when it is retried"
            },  # fmt: skip
        )
    },
    # issue 13: incidents (steps that failed in the diagram), for administrators and process owners
    "/api/v1/incidents": {
        "get": op(
            "Open incidents (all=1: resolved ones too)",
            params=[query_param("all", {"type": "string", "enum": ["1", "0"]})],
        )  # fmt: skip
    },
    "/api/v1/incidents/{incident_id}": {"get": op("One incident", params=[path_param("incident_id", INT)])},
    "/api/v1/incidents/{incident_id}/retry": {
        "post": op(
            "Run the failed step again, optionally after moving the case to another version of its diagram; "
            "resumed=false (200) when it failed again (one more try counted)",
            params=[path_param("incident_id", INT)],
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                    }
                }
            },  # fmt: skip
        )
    },
    # issue 3: the working-day calendar (C14.1)
    "/api/v1/calendar/add-working-days": {
        "get": op(
            "Deadline n working days after receipt: {due, provisional}",
            params=[
                {
                    **query_param(
                        "start",
                        {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}"},
                        "YYYY-MM-DD (received that day, Asia/Shanghai) or ISO with offset",
                    ),
                    "required": True,
                },
                {**query_param("days", {"type": "integer", "minimum": 1, "maximum": 3650}), "required": True},
            ],
        )
    },
    "/api/v1/calendar/days/{date}": {
        "put": op(
            "Set one day of the holiday table (admin)",
            params=[path_param("date", {"type": "string", "format": "date"})],
            body=json_ref("CalendarDay"),
        )
    },
    "/api/v1/calendar/days": {
        "get": op("Every day of a year as the table sees it", params=[query_param("year", YEAR)])
    },
    "/api/v1/calendar/years": {"get": op("Years the table covers, and a warning while next year is missing")},
    "/api/v1/calendar/years/{year}": {
        "post": op(
            "Declare a hand-entered year complete; recomputes provisional deadlines (admin)",
            params=[path_param("year", YEAR)],
        )
    },
    "/api/v1/calendar/import": {
        "post": op(
            "Import a year's schedule as CSV date,workday,name (admin); all or nothing, errors by line",
            body={"text/csv": {"schema": {"type": "string"}}},
        )
    },
    # issue 4: the customer archive (S21) and the directory (C13.2.5)
    "/api/v1/customers": {
        "get": op(
            "Search customers (masked lists, S21.4); has_more instead of a total",
            params=[
                query_param(name, {"type": "string"}, text)
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
            + [query_param("limit", INT), query_param("offset", INT)],
        ),
        "post": op(
            "Add a customer (客服中心, admin, or the customer's branch)",
            body={"application/json": {"schema": {"type": "object", "description": "Customer fields"}}},
            ok="201",
        ),
    },
    "/api/v1/customers/{customer_id}": {
        "get": op("Open one record: full numbers only for S21.4 readers, each such view logged", params=[CUSTOMER_ID]),
        "patch": op(
            "Change fields (optional revision for a stale-write check)",
            params=[CUSTOMER_ID],
            body={"application/json": {"schema": {"type": "object", "description": "Customer fields, revision"}}},
        ),
        "delete": op("Remove a mistaken entry (admin)", params=[CUSTOMER_ID], ok="204"),
    },
    "/api/v1/customers/unmasked-views": {
        "get": op(
            "Who saw full phone/ID numbers when (auditors, S21.4)",
            params=[
                query_param("customer_id", INT),
                query_param("user_id", INT),
                query_param("since", {"type": "string", "format": "date-time"}),
                query_param("until", {"type": "string", "format": "date-time"}),
                query_param("page", INT),
                query_param("page_size", INT),
            ],
        )
    },
    "/api/v1/directory/units": {"get": op("Units with their kind, district and number of users")},
    "/api/v1/directory/users": {
        "get": op(
            "Staff with unit, roles, direct superior",
            params=[query_param("unit", {"type": "string"}), query_param("role", {"type": "string"})],
        )
    },
    "/api/v1/directory/conflicts": {
        "get": op(
            "Conflict-of-interest declarations involving me (auditors/admin: all)",
            params=[query_param("all", {"type": "string", "enum": ["1", "0", "true", "false"]})],
        ),
        "post": op(
            "Declare a conflict of interest with another user (C13.2.5)",
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["with", "kind"],
                        "properties": {
                            "with": {"type": "string", "minLength": 1},
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
        "post": op("Withdraw a declaration (its declarant or admin)", params=[path_param("declaration_id", INT)])
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
    },
    "StartInstance": {
        "type": "object",
        "required": ["process"],
        "properties": {
            "process": {"type": "string", "minLength": 1},
            "business_key": {"type": "string"},
            "data": {"type": "object"},
        },
    },
    "Message": {
        "type": "object",
        "required": ["name", "correlation"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "correlation": {"type": "object", "additionalProperties": {"type": "string"}},
            "payload": {"type": "object"},
        },
    },
    "CalendarDay": {
        "type": "object",
        "required": ["workday"],
        "properties": {"workday": {"type": "boolean"}, "name": {"type": "string", "maxLength": 64}},
    },
    "Delegate": {"type": "object", "required": ["to"], "properties": {"to": {"type": "string", "minLength": 1}}},
    "Complete": {
        "type": "object",
        "properties": {"data": {"type": "object"}, "revision": {"type": "integer"}},
    },
}


def document() -> dict:
    """The platform's paths and schemas plus those every business area registered (core.registry)."""
    plugged = registry()
    schemas = {**SCHEMAS, **{name: build() for name, build in plugged.openapi_schemas.items()}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "GasFlow API", "version": "1"},
        "paths": {**PATHS, **plugged.openapi_paths},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@api.get("/openapi.json")
def openapi():
    return jsonify(document())
