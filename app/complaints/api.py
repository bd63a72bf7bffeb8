"""Complaint intake for other systems and staff (issue 5 §1): the start contract is forms/complaint/intake.json."""

from __future__ import annotations

from flask import jsonify

from app.services import complaints
from app.web.api import api
from app.web.api.common import json_body
from app.web.auth import login_required


@api.post("/complaints")
@login_required
def intake_complaint(user):
    result = complaints.intake(json_body(), user)
    body = {
        "instance_id": result.instance_id,
        "case_no": result.case_no,
        "merged_into_open_case": result.merged,
        "internal_to_external": result.internal_to_external,
    }
    return jsonify(body), 200 if result.merged else 201
