"""GET /api/v1/cases: the case list and search (issue 11 §3), scoped to what the caller may see."""

from __future__ import annotations

from flask import jsonify, request

from app.platform import cases
from app.web.api.common import iso
from app.web.auth import login_required
from app.web.blueprints import api
from app.web.case_filters import case_query


def case_json(row: cases.CaseRow) -> dict:
    return {
        "id": row.instance_id,
        "case_no": row.case_no,
        "process": row.process_key,
        "process_name": row.process_name,
        "version": row.version,
        "status": row.status,
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
        "started_by": row.started_by,
        "customer_name": row.customer_name,
        "account_no": row.account_no,
        "unit": row.unit,
        "open_tasks": row.open_tasks,
        "overdue": row.overdue,
        "next_due_at": iso(row.next_due_at),
    }


@api.get("/cases")
@login_required
def list_cases(user):
    page = cases.search(user, case_query(request.args))
    return jsonify(
        {
            "cases": [case_json(r) for r in page.rows],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "page_size": page.page_size,
        }
    )
