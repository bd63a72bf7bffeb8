"""The owners' workplace over HTTP for the modeler page (issue 14): load and save a draft's diagram (every save is
checked and answers with every problem), and the pickers' data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.owners import catalog, drafts
from app.owners.access import require_viewer
from app.web.api.openapi import INT, op, path_param
from app.web.auth import login_required

blueprint = Blueprint("owners_api", __name__)


def draft_json(draft) -> dict:
    return {
        "id": draft.id,
        "key": draft.key,
        "name": draft.name,
        "status": draft.status,
        "error_count": draft.error_count,
        "problems": drafts.problems(draft),
    }


@blueprint.get("/owners/drafts/<int:draft_id>")
@login_required
def get_draft(user, draft_id: int):
    require_viewer(user)
    return jsonify(draft_json(drafts.get(draft_id)))


@blueprint.get("/owners/drafts/<int:draft_id>/xml")
@login_required
def get_draft_xml(user, draft_id: int):
    require_viewer(user)
    return Response(drafts.get(draft_id).xml, mimetype="application/xml")


@blueprint.put("/owners/drafts/<int:draft_id>/xml")
@login_required
def save_draft_xml(user, draft_id: int):
    draft = drafts.save(draft_id, request.get_data(as_text=True), user)
    return jsonify(draft_json(draft))


@blueprint.get("/owners/drafts/<int:draft_id>/catalog")
@login_required
def draft_catalog(user, draft_id: int):
    require_viewer(user)
    return jsonify(catalog.for_draft(draft_id))


DRAFT_ID = path_param("draft_id", INT)
OPENAPI_PATHS = {
    "/api/v1/owners/drafts/{draft_id}": {
        "get": op(
            "A draft with its status and the problems of its last check (process owners, admins)", params=[DRAFT_ID]
        )  # fmt: skip
    },
    "/api/v1/owners/drafts/{draft_id}/xml": {
        "get": op("The draft's BPMN XML", params=[DRAFT_ID]),
        "put": op(
            "Save the draft's BPMN XML (its author, while editing); answers the draft with every problem found: "
            "{element_id, name, line, message_zh, message_en, fix, severity}",
            params=[DRAFT_ID],
            body={"application/xml": {"schema": {"type": "string"}}},
        ),
    },
    "/api/v1/owners/drafts/{draft_id}/catalog": {
        "get": op(
            "What the modeler's pickers offer: forms, fields, units, bound lanes, escalation rule ids",
            params=[DRAFT_ID],
        )  # fmt: skip
    },
}
