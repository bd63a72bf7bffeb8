"""Deploy and read BPMN definitions (issue 2 §4)."""

from __future__ import annotations

from flask import Response, jsonify, request

from app import engine
from app.core.errors import BadRequest
from app.org import access
from app.platform import definitions
from app.web.api.common import iso
from app.web.auth import login_required
from app.web.blueprints import api


def _definition_json(row) -> dict:
    return {"key": row.key, "version": row.version, "name": row.name, "content_hash": row.content_hash,
            "deployed_at": iso(row.deployed_at)}  # fmt: skip


@api.get("/definitions")
@login_required
def list_definitions(user):  # the live version of each process
    return jsonify({"definitions": [_definition_json(r) for r in definitions.list_live()]})


@api.post("/definitions")
@login_required
def deploy_definition(user):
    access.require_role(user, "process_owner", "admin")
    content = request.get_data(cache=False)
    if not content:
        raise BadRequest("请求体应为 BPMN XML (send the BPMN XML as the request body)")
    filename = request.args.get("filename") or "upload.bpmn"
    publish = request.args.get("publish") == "1"
    try:
        outcome = definitions.deploy_file(content, filename, user.id, via="api", publish=publish)
    except engine.BpmnInvalid as err:
        raise definitions.as_invalid(err) from None
    body = {**_definition_json(outcome.row), "created": outcome.created, "live_version": outcome.live.version}
    if outcome.warning:
        body["warning"] = outcome.warning
    return jsonify(body), 201 if outcome.created else 200


@api.get("/definitions/<key>/versions/<int:number>")
@login_required
def definition_xml(user, key: str, number: int):
    row = definitions.version(key, number)
    return Response(row.xml, mimetype="application/xml")
