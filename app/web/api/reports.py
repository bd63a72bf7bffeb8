"""Reports over HTTP: the monthly valid-complaint report (C14.2) as JSON, CSV or XLSX."""

from __future__ import annotations

from flask import Response, jsonify, request

from app import clock
from app.services import complaint_report, complaint_report_export
from app.services.errors import BadRequest
from app.web.api import api
from app.web.auth import login_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@api.get("/reports/complaints/monthly")
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
