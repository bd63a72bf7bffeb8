"""Messages (issue 2 §8, issue 6): deliver one to the cases waiting for it; those nobody waited for are kept and
resolved here; the company settings diagrams read through ``setting(name)``."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request

from app.core.errors import Invalid
from app.platform import company_settings, messages
from app.web.api.common import iso, json_body
from app.web.auth import login_required
from app.web.blueprints import api


@api.post("/messages")
@login_required
def deliver_message(user):
    body = json_body()
    caught = messages.deliver_message(body.get("name"), body.get("correlation"), body.get("payload", {}), user)
    stopped = messages.incidents_of(caught)  # cases that took it but stopped at an incident (issue 13, item 3)
    return jsonify({"delivered_to": caught, **({"incidents": stopped} if stopped else {})})


def _message_json(view: messages.UnmatchedView) -> dict:
    return {**asdict(view), "received_at": iso(view.received_at), "resolved_at": iso(view.resolved_at)}


@api.get("/unmatched-messages")
@login_required
def list_unmatched(user):
    views = messages.list_messages(user, request.args.get("all") == "1", request.args.get("account"))
    return jsonify({"messages": [_message_json(v) for v in views]})


@api.post("/unmatched-messages/<int:message_id>/resolve")
@login_required
def resolve_unmatched(user, message_id: int):
    body = json_body()
    if not isinstance(body.get("redeliver", False), bool):
        raise Invalid("redeliver 须为 true 或 false (redeliver must be a boolean)")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise Invalid("note 须为文本 (note must be a string)")
    view = messages.resolve(message_id, user, note, body.get("redeliver", False))
    return jsonify(_message_json(view))


@api.get("/company-settings")
@login_required
def get_company_settings(user):
    return jsonify(company_settings.all_values())


@api.put("/company-settings/<name>")
@login_required
def put_company_setting(user, name: str):
    value = company_settings.put(name, json_body().get("value"), user)
    return jsonify({"name": name, "value": value})
