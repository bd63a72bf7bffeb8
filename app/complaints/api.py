"""Complaints over HTTP: intake for other systems and staff (issue 5 §1; the start contract is
forms/complaint/intake.json) and the monthly valid-complaint report (C14.2) as JSON, CSV or XLSX."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app import clock
from app.complaints import export as complaint_report_export
from app.complaints import intake as complaints
from app.complaints import report as complaint_report
from app.core.errors import BadRequest
from app.platform import forms
from app.web.api.common import json_body
from app.web.api.openapi import json_ref, op, query_param
from app.web.auth import login_required

blueprint = Blueprint("complaints_api", __name__)


@blueprint.post("/complaints")
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@blueprint.get("/reports/complaints/monthly")
@login_required
def complaint_monthly_report(user):
    complaint_report.require_reader(user)
    month = request.args.get("month") or complaint_report.previous_month(clock.now())
    kind = request.args.get("format", "json")
    if kind not in {"json", "csv", "xlsx"}:
        raise BadRequest(f"format 只能是 json、csv 或 xlsx (unknown format): {kind}")
    report = complaint_report.compile_month(month)
    if kind == "csv":
        part = request.args.get("part", "summary")
        body = complaint_report_export.csv_bytes(report, part)
        return _download(body, "text/csv; charset=utf-8", f"complaints-{month}-{part}.csv")
    if kind == "xlsx":
        return _download(complaint_report_export.xlsx_bytes(report), XLSX, f"complaints-{month}.xlsx")
    return jsonify(complaint_report_export.as_json(report))


def _intake_contract() -> dict:
    schema = dict(forms.load_form("complaint", "intake"))
    schema.pop("$schema", None)
    return schema


OPENAPI_SCHEMAS = {"ComplaintIntake": _intake_contract}
OPENAPI_PATHS = {
    "/api/v1/complaints": {
        "post": op(
            "Record a complaint (C11/C12): 201 a new case, 200 merged into the open case on the same matter (repeat). "
            "The body is the documented start contract, forms/complaint/intake.json (docs/complaints.md)",
            body=json_ref("ComplaintIntake"),
            ok="201",
            also={"200": "merged into the open case on the same matter (a repeat)"},
        )
    },
    "/api/v1/reports/complaints/monthly": {
        "get": op(
            "The monthly report of valid complaints (C14.2): counts by responsible unit, channel, severity and C9 "
            "reason; on-time rate against the 5-working-day limit (C14.1); satisfaction; repeats; escalations (C8). "
            "客服中心, unit heads, 分管领导, auditors and admins (docs/complaints.md)",
            params=[
                query_param(
                    "month", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "YYYY-MM; default last month"
                ),
                query_param("format", {"type": "string", "enum": ["json", "csv", "xlsx"]}, "default json"),
                query_param(
                    "part", {"type": "string", "enum": ["summary", "cases"]}, "CSV only: counts or one line per case"
                ),
            ],
        )
    },
}
