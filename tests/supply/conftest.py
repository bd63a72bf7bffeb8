"""Fixtures of the supply tests: the outage world (issue 16) — both outage diagrams deployed and an estate of
customers in 利州区 (tests/supply/test_outages.py names them in CUSTOMERS)."""

from __future__ import annotations

import pytest

from app.customers import records as customers
from app.platform import definitions
from app.settings import PROJECT_ROOT
from tests.supply.test_outages import CUSTOMERS, MONDAY


@pytest.fixture
def world(app, people, at):
    at(MONDAY)
    for name in ("planned_outage", "emergency_outage"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    for account, cls, street, estate, phones in CUSTOMERS:
        customers.create(
            {"account_no": account, "name": f"用户{account[-3:]}", "customer_class": cls, "district": "利州区",
             "street": street, "estate": estate, "room": "1栋", "phones": phones, "branch": "利州区分公司",
             "manager": "lz_staff" if cls != "B2" else None},
            people["admin"].user,
        )  # fmt: skip
    return people
