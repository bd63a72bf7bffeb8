"""Hazard cases (issue 6 §8; S24.7): a safety inspection finds a hazard or illegal use at an account; the customer's
branch serves a written rectification notice and the diagram takes it from there."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.customers import records as customers
from app.models import User
from app.platform import forms, instances
from app.supply import arrears

PROCESS = "hazard_disconnection"


@dataclass(frozen=True)
class HazardCase:
    instance_id: int
    case_no: str


@writes
def open_case(payload: dict, user: User | None) -> HazardCase:
    forms.require_valid(PROCESS, "start", payload, "隐患登记信息")
    try:
        customer = customers.by_account(payload["account_no"])
    except NotFound:
        message = f"户号 {payload['account_no']} 不存在"
        raise Invalid(f"{message} (account_no)", errors=[{"field": "account_no", "message": message}]) from None
    case_no = arrears.new_case_no("YH")
    data = {**payload, "case_no": case_no, "account_no": customer.account_no, "customer_name": customer.name,
            "address": customer.address, "branch": customer.branch.name}  # fmt: skip
    instance = instances.start(PROCESS, data, user, business_key=case_no)
    return HazardCase(instance.id, case_no)


def from_start_page(payload: dict, user: User) -> tuple[int, None]:
    """The start page (发起：安全隐患整改及停复气): the inspector records the hazard as the API does."""
    return open_case(payload, user).instance_id, None
