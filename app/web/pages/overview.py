"""The overview for unit heads and 客服中心 (issue 7 §6)."""

from __future__ import annotations

from flask import render_template

from app import clock
from app.platform import overview as overview_service
from app.web.blueprints import pages
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
