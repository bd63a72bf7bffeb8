"""The overview for unit heads and 客服中心 (issue 7 §6)."""

from __future__ import annotations

from flask import jsonify, render_template

from app import clock
from app.platform import overview as overview_service
from app.platform import overview_charts
from app.web.auth import login_required
from app.web.blueprints import api, pages
from app.web.pages.common import signed_in


@pages.get("/overview")
@signed_in
def overview(user):
    overview_service.require_overview(user)
    now = clock.now()
    return render_template(
        "overview.html",
        lines=overview_service.per_unit(now),
        escalations=overview_service.escalations_today(now),
        month_start=overview_service.month_start(now),
        now=now,
    )


@api.get("/reports/overview/charts")
@login_required
def overview_chart_data(user):
    """The figures the overview's and the monthly report's charts draw (issue 15 §9)."""
    overview_service.require_overview(user)
    return jsonify(overview_charts.charts())
