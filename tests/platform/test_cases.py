"""The case list and search (issue 11 §3): every filter, the scope (C13.2.5: the person complained about never sees
the case), "cases I started / worked", pages, the API and the page."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.complaints import intake as complaints
from app.core.errors import Invalid
from app.customers import records as customers
from app.platform import cases, definitions, instances, sla, tasks
from app.platform.cases import CaseQuery
from app.settings import PROJECT_ROOT
from app.supply import arrears
from tests.walk import open_tasks
from tests.walk import work as do
from tests.web.test_pages import sign_in

COMPLAINT = {"channel": "hotline", "received_at": "2026-03-02T09:00:00+08:00",
             "complainant": {"name": "张三", "phone": "13800001234", "address": "东坝街道1号", "anonymous": False},
             "account_no": "LZ-0001", "about": {"user": "lz_staff2"}, "description": "抄表员未按约定上门",
             "matter": "抄表服务"}  # fmt: skip
TRIAGE = {"severity": "general", "responsible_unit": "利州区分公司", "misconduct_alleged": False}


@pytest.fixture
def world(app, people, at, sample):
    at("2026-03-02T09:30:00+08:00")
    for name in ("complaint", "arrears_disconnection"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    for account, name, phone, branch in (("LZ-0001", "张三", "13800001234", "利州区分公司"),
                                         ("CX-0002", "李四", "13900005678", "苍溪县分公司")):  # fmt: skip
        customers.create({"account_no": account, "name": name, "customer_class": "B2", "district": "利州区",
                          "street": "东坝街道", "phones": [phone], "branch": branch}, people["admin"].user)  # fmt: skip
    complaint = complaints.intake(COMPLAINT, people["kf_agent"].user).instance_id
    do(complaint, "Task_triage", people["kf_agent"], TRIAGE)
    at("2026-03-03T10:00:00+08:00")
    debt = arrears.open_or_update({"account_no": "CX-0002", "amount_owed": 300, "since": "2026-01-01"}, None)
    sample_case = instances.start("platform_sample", {"customer_name": "王五", "branch": "利州区分公司"},
                                  people["lz_staff"].user, business_key="BK-7")  # fmt: skip
    return {"complaint": complaint, "arrears": debt.instance_id, "sample": sample_case.id, "people": people}


def _ids(user, **filters) -> list[int]:
    return [r.instance_id for r in cases.search(getattr(user, "user", user), CaseQuery(**filters)).rows]


def test_overseers_see_every_case_newest_first(world):
    admin = world["people"]["admin"]
    assert _ids(admin) == [world["sample"], world["arrears"], world["complaint"]]
    page = cases.search(admin.user, CaseQuery(page_size=2, page=2))
    assert [r.instance_id for r in page.rows] == [world["complaint"]] and page.total == 3 and page.pages == 2


def test_C13_2_5_the_person_complained_about_never_sees_the_case(world):
    people = world["people"]
    assert world["complaint"] in _ids(people["lz_staff"])  # the responsible unit works it
    assert world["complaint"] not in _ids(people["lz_staff2"])  # same unit, but the complaint is about him
    assert not instances_visible(people["lz_staff2"], world["complaint"])
    assert world["complaint"] in _ids(people["kf_agent"])  # the recording agent sees it again
    assert _ids(people["cx_staff"]) == [world["arrears"]]  # the customer's branch; nothing of 利州


def instances_visible(person, instance_id) -> bool:
    from app.org import access

    return access.may_view_instance(person.user, instances.get(instance_id))


def test_every_filter(world, at):
    admin, c, a, s = world["people"]["admin"], world["complaint"], world["arrears"], world["sample"]
    case_no = instances.get(c).business_key
    assert _ids(admin, number=case_no[:10]) == [c] and _ids(admin, number=str(s)) == [s]
    assert _ids(admin, customer="张") == [c] and _ids(admin, customer="王五") == [s]
    assert _ids(admin, phone_tail="1234") == [c]  # the complainant's phone
    assert _ids(admin, phone_tail="5678") == [a]  # the phone on the archive of the case's account
    assert _ids(admin, account="cx-00") == [a]
    assert _ids(admin, process="complaint") == [c]
    assert _ids(admin, process="complaint", version=1) == [c] and _ids(admin, process="complaint", version=2) == []
    assert _ids(admin, unit="苍溪县分公司") == [a] and set(_ids(admin, unit="利州区分公司")) == {c, s}
    assert _ids(admin, started_to=datetime.fromisoformat("2026-03-03T00:00:00+08:00")) == [c]
    assert _ids(admin, started_from=datetime.fromisoformat("2026-03-03T00:00:00+08:00")) == [s, a]
    assert _ids(admin, status="running") == [s, a, c] and _ids(admin, status="completed") == []
    assert _ids(admin, overdue=True) == []
    at("2026-03-11T09:00:00+08:00")  # past the complaint's C14.1 answer limit (end of 2026-03-09)
    assert _ids(admin, overdue=True) == [c]
    assert sla.record_breaches() >= 1
    assert _ids(admin, breached=True) == [c] and _ids(admin, breached_rule="C14.1") == [c]
    assert _ids(admin, breached_rule="S24.6") == [] and _ids(admin, breached_rule="C14") == []


def test_mine_started_and_worked_and_reassigned(world):
    people = world["people"]
    assert _ids(people["kf_agent"], mine="started") == [world["complaint"]]
    assert _ids(people["kf_agent"], mine="worked") == [world["complaint"]]  # he did the triage
    assert (
        _ids(people["lz_staff"], mine="started") == [world["sample"]] and _ids(people["lz_staff"], mine="worked") == []
    )
    register = open_tasks(world["sample"])["Task_register"]
    tasks.claim(register.id, people["kf_agent"].user)
    tasks.delegate(register.id, people["kf_agent"].user, "kf_head")
    assert _ids(people["admin"], reassigned=True) == [world["sample"]]
    assert _ids(people["admin"], migrated=True) == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"phone_tail": "123"}, "phone_tail"), ({"phone_tail": "12345"}, "phone_tail"), ({"status": "x"}, "status"),
     ({"breached_rule": "C14.1;"}, "breached_rule"), ({"version": 1}, "version"), ({"mine": "all"}, "mine")],
)  # fmt: skip
def test_bad_filters_are_refused_with_the_field(app, people, filters, field):
    with pytest.raises(Invalid) as err:
        cases.search(people["admin"].user, CaseQuery(**filters))
    assert err.value.extra["errors"][0]["field"] == field


def test_api_and_page(app, world):
    agent = world["people"]["kf_agent"]
    client = app.test_client()
    body = client.get("/api/v1/cases?phone_tail=1234&status=running", headers=agent.headers).json
    assert [c["id"] for c in body["cases"]] == [world["complaint"]] and body["total"] == 1
    row = body["cases"][0]
    assert row["customer_name"] == "张三" and row["unit"] == "利州区分公司" and row["open_tasks"] == ["指派调查人员"]
    bad = client.get("/api/v1/cases?phone_tail=12", headers=agent.headers)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "phone_tail"
    assert client.get("/api/v1/cases?started_from=yesterday", headers=agent.headers).status_code == 422
    page = sign_in(app, "kf_agent")
    text = page.get("/cases?customer=张").get_data(as_text=True)
    assert "共 1 件" in text and instances.get(world["complaint"]).business_key in text and "指派调查人员" in text
    wrong = page.get("/cases?phone_tail=12")
    assert wrong.status_code == 422 and "电话尾号只能是 4 位数字" in wrong.get_data(as_text=True)
    assert 'value="12"' in wrong.get_data(as_text=True)  # what was typed stays
    assert "我发起的" in page.get("/cases?mine=started").get_data(as_text=True)


def test_cases_from_before_the_index_are_indexed_by_setup(world):
    from app.extensions import db
    from app.models import CaseIndex

    db.session.query(CaseIndex).delete()
    db.session.commit()
    assert _ids(world["people"]["admin"], customer="张三") == []
    assert cases.index_missing() == 3
    assert _ids(world["people"]["admin"], customer="张三") == [world["complaint"]]
