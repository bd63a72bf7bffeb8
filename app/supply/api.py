"""Disconnection cases from billing and inspection (issue 6): arrears intake (one open case per account), hazard
intake, the written notice (JSON or PDF); outages (issue 16): a planned outage request and an emergency report, with
the same checks as the start pages (422 with each problem and, for S24.2, the earliest legal start as ``suggest``)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify, request

from app.supply import arrears, hazard, notices, outages
from app.supply.pages import pdf_response
from app.web.api.common import iso, json_body
from app.web.api.openapi import INSTANCE_ID, op, query_param
from app.web.auth import login_required

blueprint = Blueprint("supply_api", __name__)


@blueprint.post("/arrears")
@login_required
def open_arrears(user):
    result = arrears.open_or_update(json_body(), user)
    body = {"instance_id": result.instance_id, "case_no": result.case_no, "updated_open_case": result.updated,
            "applied": result.applied}  # fmt: skip
    return jsonify(body), 200 if result.updated else 201


@blueprint.post("/hazards")
@login_required
def open_hazard(user):
    case = hazard.open_case(json_body(), user)
    return jsonify({"instance_id": case.instance_id, "case_no": case.case_no}), 201


@blueprint.post("/outages/planned")
@login_required
def request_planned_outage(user):
    case = outages.request_planned(json_body(), user)
    return jsonify({"instance_id": case.instance_id, "case_no": case.case_no}), 201


@blueprint.post("/outages/emergency")
@login_required
def report_emergency_outage(user):
    case = outages.report_emergency(json_body(), user)
    return jsonify({"instance_id": case.instance_id, "case_no": case.case_no}), 201


@blueprint.get("/arrears/<int:instance_id>/notice")
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


OPENAPI_PATHS = {
    "/api/v1/arrears": {
        "post": op(
            "Open an arrears case from billing (forms/arrears_disconnection/start.json: account_no, amount_owed, "
            "since): 201 new case; 200 the account's open case took the new figures (arrears_updated)",
            body={"application/json": {"schema": {"type": "object", "description": "account_no, amount_owed, since"}}},
            ok="201",
        )
    },
    "/api/v1/arrears/{instance_id}/notice": {
        "get": op(
            "The 缴费及停气通知书 of the case (S24.6) as JSON, or as PDF with format=pdf",
            params=[INSTANCE_ID, query_param("format", {"type": "string", "enum": ["json", "pdf"]})],
        )
    },
    "/api/v1/outages/planned": {
        "post": op(
            "Request a planned outage (S24.1 调度中心, 安装公司 or the branch; forms/planned_outage/start.json: cause, "
            "kind, areas, planned_start, planned_end, peak_justification, s24_4_measures). 422 when S24.2 refuses "
            "the schedule: errors[].suggest holds the earliest legal start",
            body={
                "application/json": {"schema": {"type": "object", "description": "see forms/planned_outage/start.json"}}
            },
            ok="201",
        )
    },
    "/api/v1/outages/emergency": {
        "post": op(
            "Report an emergency outage (S24.3, S24.8; the hotline or 调度中心; forms/emergency_outage/start.json): "
            "the SMS to every affected customer is queued at once",
            body={
                "application/json": {
                    "schema": {"type": "object", "description": "see forms/emergency_outage/start.json"}
                }
            },
            ok="201",
        )
    },
    "/api/v1/hazards": {
        "post": op(
            "Open a hazard case (S24.7; forms/hazard_disconnection/start.json)",
            body={"application/json": {"schema": {"type": "object", "description": "account_no, hazard, found_at"}}},
            ok="201",
        )
    },
}
