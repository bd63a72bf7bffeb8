"""Start instances, read them and their history, replay them, deliver messages (issue 2 §5, §8)."""

from __future__ import annotations

import json

from flask import jsonify

from app.core.errors import Invalid
from app.org import access
from app.platform import audit, history, incidents, instances, tasks
from app.web.api.common import instance_json, iso, json_body, task_json
from app.web.auth import login_required
from app.web.blueprints import api


@api.post("/instances")
@login_required
def start_instance(user):
    body = json_body()
    process = body.get("process")
    if not isinstance(process, str) or not process:
        raise Invalid("缺少 process（流程键）(process key is required)")
    data = body.get("data", {})
    business_key = body.get("business_key")
    instance = instances.start(process, data, user, business_key=business_key)
    return jsonify(_instance_view(instance)), 201


def _instance_view(instance) -> dict:
    open_tasks = [task_json(t) for t in tasks.open_of(instance.id)]
    stopped = [i.as_json() for i in incidents.open_of(instance.id)] if instance.status == incidents.STATUS else []
    return {**instance_json(instance), "open_tasks": open_tasks, "incidents": stopped}


@api.get("/instances/<int:instance_id>")
@login_required
def get_instance(user, instance_id: int):
    instance = instances.read(instance_id)
    access.require_view_instance(user, instance)
    return jsonify({**_instance_view(instance), "data": instances.case_data(instance)})


@api.get("/instances/<int:instance_id>/events")
@login_required
def instance_events(user, instance_id: int):
    instance = instances.get(instance_id)
    access.require_view_instance(user, instance)
    return jsonify(
        {
            "instance_id": instance_id,
            "events": [
                {
                    "seq": e.seq,
                    "at": iso(e.at),
                    "actor": e.actor,
                    "kind": e.kind,
                    "task_id": e.task_id,
                    "payload": json.loads(e.payload_json),
                    "state_digest": e.state_digest,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in history.events_of(instance_id)
            ],
        }
    )


@api.post("/instances/<int:instance_id>/replay")
@login_required
def replay_instance(user, instance_id: int):
    access.require_role(user, "auditor", "admin")
    access.require_not_hidden(user, instances.get(instance_id))
    return jsonify(audit.replay(instance_id).as_dict())


@api.post("/instances/<int:instance_id>/migrate")
@login_required
def migrate_instance(user, instance_id: int):
    version = json_body().get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Invalid("version 必须是整数版本号 (version must be an integer)")
    instance = instances.migrate(instance_id, version, user)
    return jsonify(_instance_view(instance))
