"""The monthly valid-complaint report page (C14.2) for 客服中心, unit heads and 分管领导; files from the API."""

from __future__ import annotations

from flask import render_template, request

from app import clock
from app.services import complaint_report, complaint_report_export
from app.web.pages import pages
from app.web.pages.common import signed_in


def _sections(report) -> list[tuple[str, list[tuple[str, object]]]]:
    """Summary rows grouped by section, in the order the service gives them."""
    grouped: dict[str, list[tuple[str, object]]] = {}
    for section, item, value in complaint_report_export.summary_rows(report):
        grouped.setdefault(section, []).append((item, value))
    return list(grouped.items())


@pages.get("/reports/complaints/monthly")
@signed_in
def complaint_report_page(user):
    complaint_report.require_reader(user)
    month = request.args.get("month") or complaint_report.previous_month(clock.now())
    report = complaint_report.compile_month(month)
    return render_template(
        "complaints/report.html",
        report=report,
        sections=_sections(report),
        lines=complaint_report_export.case_rows(report),
        headers=complaint_report_export.CASE_HEADERS,
        last_month=complaint_report.previous_month(clock.now()),
    )
