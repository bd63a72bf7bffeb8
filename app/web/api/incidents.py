"""Incidents over HTTP (issue 13, item 3): the list for administrators and process owners, and the retry."""

from __future__ import annotations

from flask import jsonify, request

from app.core.errors import Invalid
from app.platform import incidents, retries
from app.web.api.common import json_body
from app.web.auth import login_required
from app.web.blueprints import api


@api.get("/incidents")
@login_required
def list_incidents(user):
    views = incidents.listing(user, include_resolved=request.args.get("all") == "1")
    return jsonify({"incidents": [v.as_json() for v in views]})


@api.get("/incidents/<int:incident_id>")
@login_required
def get_incident(user, incident_id: int):
    return jsonify(incidents.get(incident_id, user).as_json())


@api.post("/incidents/<int:incident_id>/retry")
@login_required
def retry_incident(user, incident_id: int):
    body = json_body() if request.content_length else {}
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise Invalid("version 必须是正整数版本号 (version must be a positive integer)")
    outcome = retries.retry(incident_id, user, version)
    return jsonify({"resumed": outcome.resumed, "instance_id": outcome.instance_id, "status": outcome.status,
                    "incident": outcome.incident.as_json()})  # fmt: skip
