"""A customer's supply status (正常/报停/停气) changes here and only here (S24.6, S24.7).

Diagrams change it from a script step through the registry function ``set_supply_status`` (script_functions): the
change is written in the same transaction as the step that decided it, and the call with its answer is recorded in
the step's event, so replay reproduces the step without touching the customer again.
"""

from __future__ import annotations

from app import clock
from app.core.errors import Invalid
from app.customers import records as customers
from app.extensions import db
from app.models import SUPPLY_STATUSES


def set_status(account_no: str, status: str) -> str:
    """Set the status (a key of SUPPLY_STATUSES); returns the status it had before. Runs inside the caller's
    transaction (an engine step)."""
    if status not in SUPPLY_STATUSES:
        raise Invalid(f"供气状态 {status} 无效，应为 {'/'.join(SUPPLY_STATUSES)} (unknown supply status)")
    customer = customers.by_account(str(account_no))
    before = customer.supply_status
    customer.supply_status = status
    customer.revision += 1
    customer.updated_at = clock.now()
    db.session.flush()
    return before


def label(status: str) -> str:
    return SUPPLY_STATUSES.get(status, status)
