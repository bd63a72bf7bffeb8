"""The gas connection contract for other systems: open an application (counter, 代办) and read its progress."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.connection import application, commitments, progress
from app.org.access import require_view_instance
from app.platform import instances
from app.web.api.common import iso, json_body
from app.web.api.openapi import INSTANCE_ID, op
from app.web.auth import login_required

blueprint = Blueprint("connection_api", __name__)


@blueprint.post("/connections")
@login_required
def open_application(user):
    result = application.apply(json_body(), user)
    return jsonify({"instance_id": result.instance_id, "application_no": result.application_no}), 201


@blueprint.get("/connections/<int:instance_id>/progress")
@login_required
def application_progress(user, instance_id: int):
    instance = instances.get(instance_id)
    require_view_instance(user, instance)
    found = progress.of_instance(instance)
    steps = [{"label": s.label, "state": s.state, "started_at": iso(s.started_at), "finished_at": iso(s.finished_at),
              "commitment_working_days": s.commitment_days, "due_at": iso(s.due_at), "overdue": s.overdue}
             for s in found.steps]  # fmt: skip
    waiting = [{"label": w.label, "state": w.state, "started_at": iso(w.started_at), "finished_at": iso(w.finished_at)}
               for w in found.waiting]  # fmt: skip
    return jsonify({"application_no": found.application_no, "status": found.status, "path": found.path,
                    "manager": found.manager_name, "steps": steps, "customer_time": waiting})  # fmt: skip


@blueprint.get("/connections/commitments")
@login_required
def commitment_table(user):
    return jsonify({"paths": commitments.PATHS, "working_days": commitments.table()})


OPENAPI_PATHS = {
    "/api/v1/connections": {
        "post": op(
            "Open a gas connection application at the counter or by a customer manager (forms/gas_connection/"
            "start.json; channel counter or proxy). 201 with the application number (BZ…)",
            body={"application/json": {"schema": {"type": "object", "description": "forms/gas_connection/start.json"}}},
            ok="201",
        )
    },
    "/api/v1/connections/{instance_id}/progress": {
        "get": op(
            "Steps of the application with their commitments (S18.5) and the customer's waiting time",
            params=[INSTANCE_ID],
        )  # fmt: skip
    },
    "/api/v1/connections/commitments": {"get": op("The commitments in working days per step and path (S10)")},
}
