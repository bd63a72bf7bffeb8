"""Every start and every message names who may send it (issue 13, item 4): the diagram's startableBy and sentBy, a
system client with its own token for billing, intake contracts as the only way in, branch staff kept to their
branch's accounts."""

from __future__ import annotations

import pytest

from app.customers import records as customers
from app.engine import BpmnInvalid
from app.platform import definitions, instances
from app.settings import PROJECT_ROOT
from tests.conftest import SAMPLE_BPMN
from tests.engine import hostile

LZ_ACCOUNT = "LZ-0001"
ARREARS = {"account_no": LZ_ACCOUNT, "amount_owed": 1234.5, "since": "2026-01-01"}


@pytest.fixture
def company(app, people, at):
    at("2026-03-02T09:30:00+08:00")
    for name in ("arrears_disconnection", "hazard_disconnection", "complaint"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    customers.create(
        {"account_no": LZ_ACCOUNT, "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "estate": "滨江小区", "room": "1-2-301", "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return people


def _post(client, person, url, body):
    return client.post(url, json=body, headers=person.headers)


def _pay(client, person, amount=99999):
    body = {"name": "payment_received", "correlation": {"account_no": LZ_ACCOUNT},
            "payload": {"amount": amount, "paid_at": "2026-03-02T10:00:00+08:00"}}  # fmt: skip
    return _post(client, person, "/api/v1/messages", body)


def test_item4_a_staff_member_cannot_forge_a_payment_from_billing(client, company):
    """The old API let any staff token close a real arrears case as paid with amount 99999."""
    case = _post(client, company["billing"], "/api/v1/arrears", ARREARS)
    assert case.status_code == 201
    iid = case.get_json()["instance_id"]
    for forger in ("kf_agent", "lz_head", "admin"):
        refused = _pay(client, company[forger])
        assert refused.status_code == 403 and "system:billing" in refused.get_json()["detail"]
    assert client.get(f"/api/v1/instances/{iid}", headers=company["admin"].headers).get_json()["status"] == "running"
    assert _pay(client, company["billing"], 1234.5).get_json() == {"delivered_to": [iid]}
    assert client.get(f"/api/v1/instances/{iid}", headers=company["admin"].headers).get_json()["status"] == "completed"


def test_item4_branch_staff_cannot_open_arrears_or_hazards_for_another_branch(client, company):
    """A 苍溪 fitter created an arrears case for a 利州 account (201)."""
    refused = _post(client, company["cx_staff"], "/api/v1/arrears", ARREARS)
    assert refused.status_code == 403 and "利州区分公司" in refused.get_json()["detail"]
    hazard = {"account_no": LZ_ACCOUNT, "hazard_description": "私接软管", "found_at": "2026-03-02T09:00:00+08:00"}
    assert _post(client, company["cx_staff"], "/api/v1/hazards", hazard).status_code == 403
    assert _post(client, company["lz_staff"], "/api/v1/hazards", hazard).status_code == 201
    assert _post(client, company["lz_staff"], "/api/v1/arrears", ARREARS).status_code == 201
    assert _post(client, company["billing"], "/api/v1/arrears", {**ARREARS, "amount_owed": 99}).status_code == 200


@pytest.mark.parametrize("process", ["complaint", "arrears_disconnection", "hazard_disconnection"])
def test_item4_a_process_with_its_own_intake_cannot_be_started_around_it(client, company, process):
    """POST /api/v1/instances with process complaint skipped every intake check (a 2030 receipt, an unknown user)."""
    data = {"received_at": "2030-01-01T00:00:00+08:00", "about": {"user": "nobody-at-all"}, "account_no": LZ_ACCOUNT}
    for who in ("kf_agent", "admin"):
        response = _post(client, company[who], "/api/v1/instances", {"process": process, "data": data})
        assert response.status_code == 403 and "/api/v1/" in response.get_json()["detail"]
    assert instances.instances_for({"account_no": LZ_ACCOUNT}) == []


def test_item4_the_12345_platform_files_complaints_with_its_own_token(client, company):
    body = {"channel": "12345", "received_at": "2026-03-02T09:00:00+08:00", "external_ref": "12345-778",
            "complainant": {"name": "张三", "phone": "13800001234", "address": "利州区东坝街道1号", "anonymous": False},
            "about": {"unit": "利州区分公司"}, "description": "抄表员多次未上门", "matter": "抄表服务"}  # fmt: skip
    assert _post(client, company["hotline12345"], "/api/v1/complaints", body).status_code == 201
    # A system token stands for its system only: it cannot start what staff may start, nor act as staff.
    assert _post(client, company["hotline12345"], "/api/v1/arrears", ARREARS).status_code == 403
    assert client.get("/api/v1/tasks?scope=group", headers=company["billing"].headers).get_json()["tasks"] == []


def test_item4_start_by_unit_and_start_list(app, client, people):
    doc = hostile.script_then_task("csc_only", "x = 1").replace(
        b'value="staff"', b'value="unit:\xe5\xae\xa2\xe6\x9c\x8d\xe4\xb8\xad\xe5\xbf\x83"'
    )
    definitions.deploy(doc, "csc_only.bpmn")
    assert _post(client, people["lz_staff"], "/api/v1/instances", {"process": "csc_only"}).status_code == 403
    assert _post(client, people["kf_agent"], "/api/v1/instances", {"process": "csc_only"}).status_code == 201
    from tests.web.test_pages import sign_in

    assert "csc_only" in sign_in(app, "kf_agent").get("/start").get_data(as_text=True)
    assert "csc_only" not in sign_in(app, "lz_staff").get("/start").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ((b' name="startableBy" value="staff"', b""), "startableBy"),
        (
            (
                b'value="staff"/></spiffworkflow:properties></bpmn:extensionElements></bpmn:message>',
                b'value=""/></spiffworkflow:properties></bpmn:extensionElements></bpmn:message>',
            ),
            "sentBy",
        ),  # fmt: skip
        ((b' name="startableBy" value="staff"', b' name="startableBy" value="staff, everyone"'), "everyone"),
    ],
)
def test_item4_deploy_refuses_a_diagram_that_names_no_sender(app, change, complaint):
    doc = SAMPLE_BPMN.read_bytes().replace(*change)
    assert doc != SAMPLE_BPMN.read_bytes()
    with pytest.raises(BpmnInvalid) as err:
        definitions.deploy(doc, "sample.bpmn")
    assert complaint in str(err.value)


def test_item4_system_clients_have_no_password(client, people):
    from tests.web.test_pages import Browser

    browser = Browser(client)
    browser.get("/login")
    for password in ("", "!", "gasflow-demo"):
        assert browser.post("/login", {"username": "billing", "password": password}).status_code == 401
