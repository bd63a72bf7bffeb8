"""Disconnection cases from billing and inspection (issue 6): arrears intake (one open case per account), hazard
intake, the written notice (JSON or PDF), unmatched messages, and the company settings the notice uses."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request

from app.services import arrears, company_settings, hazard, notices, unmatched_messages
from app.services.errors import Invalid
from app.web.api import api
from app.web.api.common import iso, json_body
from app.web.auth import login_required
from app.web.pages.notices import pdf_response


@api.post("/arrears")
@login_required
def open_arrears(user):
    result = arrears.open_or_update(json_body(), user)
    body = {"instance_id": result.instance_id, "case_no": result.case_no, "updated_open_case": result.updated,
            "applied": result.applied}  # fmt: skip
    return jsonify(body), 200 if result.updated else 201


@api.post("/hazards")
@login_required
def open_hazard(user):
    case = hazard.open_case(json_body(), user)
    return jsonify({"instance_id": case.instance_id, "case_no": case.case_no}), 201


@api.get("/arrears/<int:instance_id>/notice")
@login_required
def arrears_notice(user, instance_id: int):
    notice = notices.arrears_notice(instance_id, user)
    if request.args.get("format") == "pdf":
        return pdf_response(notices.pdf(notice), notice.notice_no)
    body = {**asdict(notice), "issued_at": iso(notice.issued_at), "deadline": iso(notice.deadline),
            "deadline_text": notices.deadline_text(notice), "text": notices.body_lines(notice)}  # fmt: skip
    if notice.served:
        body["served"] = {**notice.served, "at": iso(notice.served["at"])}
    return jsonify(body)


def _message_json(view: unmatched_messages.UnmatchedView) -> dict:
    return {**asdict(view), "received_at": iso(view.received_at), "resolved_at": iso(view.resolved_at)}


@api.get("/unmatched-messages")
@login_required
def list_unmatched(user):
    views = unmatched_messages.list_messages(user, request.args.get("all") == "1", request.args.get("account"))
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
    view = unmatched_messages.resolve(message_id, user, note, body.get("redeliver", False))
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
