"""The working-day calendar over HTTP (issue 3 §1-2; rules.md "The working-day calendar", C14.1)."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from app import calendar
from app.calendar import admin as calendar_admin
from app.calendar import table as workcalendar
from app.core.errors import BadRequest
from app.org import access
from app.platform import deadlines, script_functions
from app.web.api.common import json_body
from app.web.auth import login_required
from app.web.blueprints import api

MAX_DAYS = 3650


def _receipt(raw: str | None):
    if not raw:
        raise BadRequest("缺少 start（受理日期或时间）(start is required: YYYY-MM-DD or an ISO date-time)")
    try:
        return script_functions.receipt_instant(raw)
    except ValueError:
        raise BadRequest(
            f"start 不是日期或带时区的 ISO 时间 (not a date or an ISO date-time with offset): {raw}"
        ) from None


def _int(raw: str | None, name: str, low: int, high: int) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise BadRequest(f"{name} 必须是整数 (must be an integer)") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} 必须在 {low} 到 {high} 之间 (out of range)")
    return value


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"日期格式应为 YYYY-MM-DD (not a date): {raw}") from None


@api.get("/calendar/add-working-days")
@login_required
def add_working_days(user):
    start = _receipt(request.args.get("start"))
    days = _int(request.args.get("days"), "days", 1, MAX_DAYS)
    deadline = workcalendar.add_working_days(start, days)
    return jsonify(
        {
            "start": start.isoformat(),
            "days": days,
            "due": deadline.due.astimezone(calendar.SHANGHAI).isoformat(),
            "provisional": deadline.provisional,
        }
    )


@api.put("/calendar/days/<date>")
@login_required
def put_day(user, date: str):
    access.require_role(user, "admin")
    when = _date(date)
    body = json_body()
    workday, name = body.get("workday"), body.get("name", "")
    if not isinstance(workday, bool):
        raise BadRequest("workday 必须是 true 或 false (workday must be a boolean)")
    if not isinstance(name, str) or len(name) > 64:
        raise BadRequest("name 必须是不超过 64 字的文本 (name must be a string of at most 64 characters)")
    row = calendar_admin.set_day(when, workday, name, user.id)
    return jsonify({"date": row.day.isoformat(), "workday": row.workday, "name": row.name, "source": row.source})


@api.get("/calendar/years")
@login_required
def covered_years(user):
    return jsonify({"years": workcalendar.covered_years(), "warning": workcalendar.coverage_warning()})


@api.post("/calendar/years/<int:year>")
@login_required
def confirm_year(user, year: int):
    access.require_role(user, "admin")
    return jsonify(_imported(deadlines.confirm_year(year, user.id)))


@api.post("/calendar/import")
@login_required
def import_schedule(user):
    access.require_role(user, "admin")
    text = request.get_data(as_text=True)
    return jsonify(_imported(deadlines.import_year(text, user.id)))


@api.get("/calendar/days")
@login_required
def year_days(user):
    year = _int(request.args.get("year"), "year", 1901, 2199)
    covered = year in workcalendar.covered_years()
    return jsonify({"year": year, "covered": covered, "days": calendar_admin.days_of_year(year)})


def _imported(result: deadlines.Imported) -> dict:
    return {
        "rows": result.rows,
        "years": result.years,
        "tasks_recomputed": result.tasks_recomputed,
        "timers_recomputed": result.timers_recomputed,
    }
