"""Building blocks for the OpenAPI document: the platform's paths (meta.py) and each area's (their api.py) use them."""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    str(code): {"description": text, "content": {"application/json": {"schema": ERROR}}}
    for code, text in [
        (400, "malformed request"),
        (401, "not authenticated"),
        (403, "not allowed"),
        (404, "unknown"),
        (409, "conflict: stale revision, already claimed or completed"),
        (422, "invalid data, form or BPMN"),
        (429, "too many requests: wait and try again"),
        (503, "busy (all script workers in use): nothing was done, try again"),
    ]  # fmt: skip
}


def op(summary: str, *, body: dict | None = None, params: list | None = None, ok: str = "200",
       also: dict[str, str] | None = None) -> dict:  # fmt: skip
    """One operation; ``also``: further documented answers, e.g. {"202": "kept on an incident"}."""
    extra = {code: {"description": text} for code, text in (also or {}).items()}
    op: dict = {"summary": summary, "responses": {ok: {"description": "OK"}, **extra, **ERRORS}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    return op


def path_param(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def query_param(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def json_ref(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


INT = {"type": "integer"}
# A step that fails in the diagram becomes an incident on the case (issue 13, item 3).
STARTED_WITH_INCIDENT = "the case was created but stopped at an incident (status incident, see incidents)"
TASK_ID = path_param("task_id")
INSTANCE_ID = path_param("instance_id", INT)
CUSTOMER_ID = path_param("customer_id", INT)
