"""After gas-on the customer is in the archive (一户一档, S21; M5.5) with its manager and class, ready for the
manager's visits and callbacks (M9, M10). Called by the diagram's 建档 step (script function ``archive_customer``):
written in the step's transaction, the answer recorded in its event, so replay does not write again."""

from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.core.errors import NotFound
from app.customers import records as customers
from app.customers.records import phone_rows
from app.extensions import db
from app.models import Customer, Unit, User


def archive_customer(case: dict) -> str:
    """Create the customer (account number = the application number) or, for an existing account (改装/扩装), set
    its class and manager. Returns the account number."""
    manager_id = None
    if case.get("manager"):
        manager_id = db.session.scalar(select(User.id).where(User.username == case["manager"]))
    now = clock.now()
    if case.get("account_no"):
        try:
            customer = customers.by_account(str(case["account_no"]))
        except NotFound:
            customer = None
        if customer is not None:
            customer.customer_class = case["customer_class"]
            customer.manager_id = manager_id or customer.manager_id
            customer.revision += 1
            customer.updated_at = now
            db.session.flush()
            return customer.account_no
    branch = db.session.scalar(select(Unit).where(Unit.name == case["branch"]))
    account_no = str(case["application_no"])
    existing = db.session.scalar(select(Customer).where(Customer.account_no == account_no))
    if existing is not None:
        return existing.account_no
    customer = Customer(
        account_no=account_no,
        name=case["customer_name"],
        customer_class=case["customer_class"],
        district=(branch.district if branch is not None else None) or "",
        street=case.get("street") or "",
        estate=case.get("estate") or "",
        room=case.get("room") or "",
        branch_id=branch.id,
        manager_id=manager_id,
        supply_status="normal",
        revision=1,
        created_at=now,
        updated_at=now,
        phones=phone_rows([case["phone"]]),
    )
    db.session.add(customer)
    db.session.flush()
    return customer.account_no
