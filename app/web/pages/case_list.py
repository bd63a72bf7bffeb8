"""The case list and search page /cases (issue 11 §3): every filter of platform.cases, "cases I started / worked"."""

from __future__ import annotations

from flask import render_template, request

from app.core.errors import Invalid
from app.org import units as org_units
from app.platform import cases
from app.platform import inbox as inbox_views
from app.web.blueprints import pages
from app.web.case_filters import case_query
from app.web.pages.common import plain, signed_in


@pages.get("/cases")
@signed_in
def case_list(user):
    errors: dict[str, str] = {}
    try:
        query = case_query(request.args)
        found = cases.search(user, query)
    except Invalid as err:
        errors = {p["field"]: p["message"] for p in err.extra.get("errors", [])} or {"": plain(err.detail)}
        query, found = cases.CaseQuery(), None
    context = {
        "found": found,
        "query": query,
        "args": request.args,
        "errors": errors,
        "processes": inbox_views.process_names(),
        "units": [row.unit.name for row in org_units.units()],
        "statuses": cases.STATUSES,
        "mine_choices": cases.MINE,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "case-results":
        return render_template("cases/_results.html", **context), 422 if errors else 200
    return render_template("cases/index.html", **context), 422 if errors else 200
