"""The case-list filters from a query string, shared by GET /api/v1/cases and the /cases page (issue 11 §3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from werkzeug.datastructures import MultiDict

from app import clock
from app.core.errors import Invalid
from app.platform.cases import PAGE_SIZE, CaseQuery

TRUE = {"1", "true", "on", "yes"}
# query parameter -> CaseQuery field, for the text filters
TEXT = {"number": "number", "customer": "customer", "phone_tail": "phone_tail", "account": "account",
        "process": "process", "status": "status", "unit": "unit", "breached_rule": "breached_rule", "mine": "mine"}  # fmt: skip
FLAGS = ("overdue", "breached", "migrated", "reassigned")


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def _moment(raw: str, field: str, end: bool) -> datetime:
    """A date (Beijing; the end date counts whole) or an ISO instant with its offset."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw) + (timedelta(days=1) if end else timedelta(0))
            return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _problem(field, f"“{raw}”不是日期，应如 2026-03-02") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    return moment


def _int(raw: str | None, field: str, default: int | None) -> int | None:
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise _problem(field, f"“{raw}”不是整数") from None


def case_query(args: MultiDict) -> CaseQuery:
    values: dict = {}
    for param, name in TEXT.items():
        raw = (args.get(param) or "").strip()[:64]
        if raw:
            values[name] = raw
    for flag in FLAGS:
        values[flag] = (args.get(flag) or "").lower() in TRUE
    if args.get("started_from"):
        values["started_from"] = _moment(args["started_from"].strip(), "started_from", end=False)
    if args.get("started_to"):
        values["started_to"] = _moment(args["started_to"].strip(), "started_to", end=True)
    values["version"] = _int(args.get("version"), "version", None)
    values["page"] = _int(args.get("page"), "page", 1)
    values["page_size"] = _int(args.get("page_size"), "page_size", PAGE_SIZE)
    return CaseQuery(**values)
