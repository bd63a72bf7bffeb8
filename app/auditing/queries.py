"""Search parameters from a query string, shared by the auditors' pages and API (bad input: a 422 naming the field)."""

from __future__ import annotations

from datetime import date

from app.auditing.customer_access import ViewQuery
from app.auditing.search import STATUSES, CaseQuery
from app.core.errors import Invalid


def day(args, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{name} 应为日期 YYYY-MM-DD (not a date): {raw[:20]}", field=name) from None


def integer(args, name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise Invalid(f"{name} 应为正整数 (not a number): {raw[:20]}", field=name)
    return int(raw)


def flag(args, name: str) -> bool:
    return (args.get(name) or "").strip().lower() in {"1", "on", "true", "yes"}


def case_query(args) -> CaseQuery:
    status = (args.get("status") or "").strip()
    if status and status not in STATUSES:
        raise Invalid(f"status 只能是 {', '.join(STATUSES)} (unknown status)", field="status")
    return CaseQuery(
        number=(args.get("number") or "").strip()[:64],
        customer=(args.get("customer") or "").strip()[:64],
        process=(args.get("process") or "").strip()[:128],
        version=integer(args, "version"),
        status=status,
        unit=(args.get("unit") or "").strip()[:64],
        since=day(args, "since"),
        until=day(args, "until"),
        breached_rule=(args.get("breached_rule") or "").strip()[:16],
        migrated=flag(args, "migrated"),
        reassigned=flag(args, "reassigned"),
        page=integer(args, "page") or 1,
    )


def view_query(args) -> ViewQuery:
    return ViewQuery(
        username=(args.get("username") or "").strip()[:64],
        account_no=(args.get("account_no") or "").strip()[:32],
        instance_id=integer(args, "instance_id"),
        since=day(args, "since"),
        until=day(args, "until"),
        page=integer(args, "page") or 1,
    )
