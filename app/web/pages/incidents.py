"""The incidents page (issue 13, item 3): cases stopped at a step that failed in the diagram, for administrators and
process owners, with the retry — after moving the case to a fixed version when one is chosen."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import Invalid, ServiceError
from app.platform import definitions, incidents, retries
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in


@pages.get("/incidents")
@signed_in
def incident_list(user):
    show_all = request.args.get("all") == "1"
    views = incidents.listing(user, include_resolved=show_all)
    versions = {v.process_key: [d.version for d in definitions.versions(v.process_key)] for v in views}
    return render_template("incidents.html", incidents=views, versions=versions, show_all=show_all)


@pages.post("/incidents/<int:incident_id>/retry")
@signed_in
def incident_retry(user, incident_id: int):
    raw = request.form.get("version", "").strip()
    try:
        if raw and not raw.isdigit():
            raise Invalid("版本号须为正整数 (version must be a positive integer)")
        outcome = retries.retry(incident_id, user, int(raw) if raw else None)
    except ServiceError as err:
        flash(plain(err.detail), "error")
    else:
        if outcome.resumed:
            flash(f"故障 #{incident_id} 已重试成功，案件继续办理。", "ok")
        else:
            flash(
                f"故障 #{incident_id} 重试仍失败（第 {outcome.incident.tries} 次）：{outcome.incident.error}", "error"
            )
    return redirect(url_for("pages.incident_list"), code=303)
