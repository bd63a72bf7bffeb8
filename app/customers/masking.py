"""Confidential archive fields (S21.4, M5.5): who sees full phone and ID numbers, and the masked form for the rest.

Full numbers are for the customer's branch company, 客服中心, the customer's manager and auditors. Everyone else gets
the masked form (138****5678). Records leave the service layer already masked, so no page or API can leak by mistake.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from app.models import CLASSES, SUPPLY_STATUSES, Customer, User


def mask(value: str | None, head: int = 3, tail: int = 4) -> str | None:
    """138****5678; 510***********1234. Short values keep only their tail."""
    if not value:
        return value
    if len(value) <= head + tail:
        return "*" * max(len(value) - tail, 1) + value[-min(tail, len(value) - 1) :]
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def may_see_unmasked(user: User, customer: Customer) -> bool:
    """S21.4: the customer's branch, 客服中心, the customer's manager, auditors."""
    return (
        user.unit_id == customer.branch_id
        or user.unit.kind == "csc"
        or (customer.manager_id is not None and user.id == customer.manager_id)
        or "auditor" in user.roles
    )


@dataclass(frozen=True)
class CustomerRecord:
    """One customer as a reader may see it; `masked` tells which form the phones and ID number are in."""

    id: int
    account_no: str
    name: str
    customer_class: str
    class_label: str
    district: str
    street: str
    estate: str
    room: str
    address: str
    phones: list[str]
    id_number: str | None
    branch: dict
    manager: dict | None
    supply_status: str
    supply_status_label: str
    revision: int
    created_at: datetime
    updated_at: datetime
    masked: bool

    def as_dict(self) -> dict:
        body = asdict(self)
        body["created_at"] = self.created_at.isoformat()
        body["updated_at"] = self.updated_at.isoformat()
        return body


def record(customer: Customer, *, unmasked: bool) -> CustomerRecord:
    phones = [p.phone for p in customer.phones]
    manager = customer.manager
    return CustomerRecord(
        id=customer.id,
        account_no=customer.account_no,
        name=customer.name,
        customer_class=customer.customer_class,
        class_label=CLASSES[customer.customer_class],
        district=customer.district,
        street=customer.street,
        estate=customer.estate,
        room=customer.room,
        address=customer.address,
        phones=phones if unmasked else [mask(p) for p in phones],
        id_number=customer.id_number if unmasked else mask(customer.id_number),
        branch={"id": customer.branch.id, "name": customer.branch.name},
        manager=None
        if manager is None
        else {"id": manager.id, "username": manager.username, "display_name": manager.display_name},
        supply_status=customer.supply_status,
        supply_status_label=SUPPLY_STATUSES[customer.supply_status],
        revision=customer.revision,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        masked=not unmasked,
    )
