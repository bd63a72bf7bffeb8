"""The complaint fixture shared by the complaint tests: complaint.bpmn deployed, a committee member, one customer."""

from __future__ import annotations

import pytest

from app.customers import records as customers
from app.org import users
from app.platform import definitions
from app.settings import PROJECT_ROOT


@pytest.fixture
def complaint(app, people, at):
    at("2026-03-02T09:30:00+08:00")
    definitions.deploy((PROJECT_ROOT / "processes" / "complaint.bpmn").read_bytes(), "complaint.bpmn")
    users.add_user("jd_member", "committee-pass-1", "监督委员会", ["staff"], "监督委员会委员")
    customers.create(
        {"account_no": "LZ-0001", "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return people
