"""Incidents (issue 13, items 3 and 12): a step that fails in the diagram is kept on its case, the case stops there,
everything else goes on, and a retry — after moving the case to a fixed version — resumes it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.customers import records as customers
from app.engine import BpmnInvalid
from app.extensions import db
from app.models import Incident, ProcessInstance, Timer
from app.platform import audit, definitions, incidents, instances, retries, timers
from tests.engine import hostile
from tests.walk import event_payloads, open_tasks

T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


def _deploy(doc: bytes, name: str = "hostile.bpmn"):
    return definitions.deploy(doc, name)[0]


def _task_then_script(key: str, script: str) -> bytes:
    """Start → Task_first (user task) → Script_x → Task_after → End: the script runs when Task_first is completed."""
    doc = hostile.script_then_task(key, script).decode()
    doc = doc.replace(
        '<bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_first</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:userTask id="Task_first" name="登记"><bpmn:incoming>Flow_first</bpmn:incoming>'
        "<bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_first" sourceRef="Start_x" targetRef="Task_first" />',
    )
    doc = doc.replace('sourceRef="Start_x" targetRef="Script_x"', 'sourceRef="Task_first" targetRef="Script_x"')
    return doc.replace("<bpmn:flowNodeRef>Start_x</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>Start_x</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_first</bpmn:flowNodeRef>",
                       ).encode()  # fmt: skip


def _incident_of(instance_id: int) -> Incident:
    return db.session.scalars(select(Incident).where(Incident.instance_id == instance_id)).one()


def _status(instance_id: int) -> str:
    return db.session.get(ProcessInstance, instance_id, populate_existing=True).status


def test_item3_one_failing_timer_does_not_stop_the_others(app, people, at):
    """The old sweep aborted on every tick when one timer's next script failed (x = range(3)); no other timer fired."""
    at(T0.isoformat())
    _deploy(hostile.timer_then_script("broken_timer", "x = range(3)"))
    _deploy(hostile.timer_then_script("good_timer", "x = 3"))
    broken = instances.start("broken_timer", {}, None).id
    good = [instances.start("good_timer", {}, None).id for _ in range(3)]
    at((T0 + timedelta(hours=2)).isoformat())
    assert timers.sweep() == 3
    for instance_id in good:
        assert "Task_after" in open_tasks(instance_id)
    incident = _incident_of(broken)
    assert _status(broken) == "incident" and incident.element_id == "Script_x" and incident.element_name == "定时脚本"
    assert "JSON" in incident.error and incident.tries == 1 and incident.step_kind == "timer_fired"
    assert event_payloads(broken, "incident")[0]["incident"] == incident.id
    # The next ticks neither retry it nor stop: the case waits for someone to retry it.
    assert timers.sweep() == 0 and timers.sweep() == 0
    assert _incident_of(broken).tries == 1
    assert db.session.scalars(select(Timer.failed_at).where(Timer.instance_id == broken)).all() != [None]


def test_item3_starting_a_failing_process_over_http_creates_the_case_with_its_incident(client, people):
    """The old code answered 500; now the case exists (nothing typed is lost) and says where it stopped."""
    _deploy(hostile.script_then_task("broken_start", "x = undefined_name + 1"))
    response = client.post("/api/v1/instances", json={"process": "broken_start", "data": {"who": "李四"}},
                           headers=people["owner"].headers)  # fmt: skip
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "incident" and body["open_tasks"] == []
    [incident] = body["incidents"]
    assert (
        incident["element_id"] == "Script_x" and "NameError" in incident["error"] and incident["step_kind"] == "started"
    )
    shown = client.get(f"/api/v1/instances/{body['id']}", headers=people["owner"].headers)
    assert shown.status_code == 200 and shown.get_json()["data"] == {"who": "李四"}


def test_item3_failing_completion_is_kept_and_a_retry_after_migration_resumes_the_case(client, people):
    with pytest.raises(BpmnInvalid):  # a syntax error is caught at deploy; a missing field only when it runs
        _deploy(_task_then_script("fixable", "total = price * "))
    _deploy(_task_then_script("fixable", "total = price * quantity"))
    headers = people["owner"].headers
    case = client.post("/api/v1/instances", json={"process": "fixable", "data": {"price": 3}}, headers=headers)
    instance_id = case.get_json()["id"]
    task_id = case.get_json()["open_tasks"][0]["id"]
    client.post(f"/api/v1/tasks/{task_id}/claim", headers=people["kf_agent"].headers)
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=people["kf_agent"].headers)
    assert done.status_code == 202 and done.get_json()["incident"]["element_id"] == "Script_x"
    again = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=people["kf_agent"].headers)
    assert again.status_code == 409  # the case is stopped until the retry
    incident_id = done.get_json()["incident"]["id"]
    # The process owner fixes the diagram; a retry on the broken version fails again and counts the try.
    failed = client.post(f"/api/v1/incidents/{incident_id}/retry", json={}, headers=headers)
    assert failed.status_code == 200 and failed.get_json()["resumed"] is False
    assert failed.get_json()["incident"]["tries"] == 2
    fixed = _deploy(_task_then_script("fixable", "total = price * 2"))
    resumed = client.post(f"/api/v1/incidents/{incident_id}/retry", json={"version": fixed.version}, headers=headers)
    assert (
        resumed.status_code == 200
        and resumed.get_json()["resumed"] is True
        and resumed.get_json()["status"] == "running"
    )
    assert set(open_tasks(instance_id)) == {"Task_after"}
    assert instances.case_data(instances.get(instance_id))["total"] == 6
    completion = event_payloads(instance_id, "task_completed")[0]
    assert completion["data"] == {} and completion["retry"]["incident"] == incident_id
    assert [e["tries"] for e in event_payloads(instance_id, "incident")] == [1, 2]
    assert event_payloads(instance_id, "incident_resolved")[0]["by"] == "owner"
    report = audit.replay(instance_id)
    assert report.ok, report.reason
    assert client.get("/api/v1/incidents", headers=headers).get_json()["incidents"] == []


def test_item3_a_case_whose_start_failed_starts_on_the_fixed_version(app, people):
    _deploy(hostile.script_then_task("late_fix", "x = 1 / 0"))
    instance = instances.start("late_fix", {"n": 1}, people["kf_agent"].user)
    assert instance.status == "incident" and audit.replay(instance.id).ok
    fixed = _deploy(hostile.script_then_task("late_fix", "x = 1 / 1"))
    outcome = retries.retry(_incident_of(instance.id).id, people["owner"].user)
    assert outcome.resumed and outcome.status == "running"
    started = event_payloads(instance.id, "started")[0]
    assert started["version"] == fixed.version and started["data"] == {"n": 1}
    assert audit.replay(instance.id).ok


def test_item3_a_failing_message_is_kept_on_the_case_and_applied_by_the_retry(client, people, sample):
    """platform_sample's Task_total reads payment["amount"]: a payment without an amount fails there."""
    instance = instances.start("platform_sample", {"business_key": "K-1"}, people["kf_agent"].user)
    task = next(iter(open_tasks(instance.id).values()))
    client.post(f"/api/v1/tasks/{task.id}/claim", headers=people["kf_agent"].headers)
    client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"needs_visit": False}},
                headers=people["kf_agent"].headers)  # fmt: skip
    sent = client.post("/api/v1/messages", json={"name": "payment_received", "correlation": {"business_key": "K-1"},
                                                 "payload": {"paid": 5}}, headers=people["kf_agent"].headers)  # fmt: skip
    assert sent.status_code == 200 and sent.get_json()["delivered_to"] == [instance.id]
    assert sent.get_json()["incidents"][0]["step_kind"] == "message_received"
    fixed = definitions.deploy(
        sample.xml.replace('paid_total = payment["amount"]', 'paid_total = payment["paid"]').encode(), "s.bpmn"
    )[0]
    outcome = retries.retry(_incident_of(instance.id).id, people["admin"].user, fixed.version)
    assert outcome.resumed and instances.case_data(instances.get(instance.id))["paid_total"] == 5
    assert audit.replay(instance.id).ok


def test_item12_self_loop_ends_as_an_incident_not_a_running_case(client, people):
    _deploy(hostile.self_loop("spin"))
    response = client.post("/api/v1/instances", json={"process": "spin", "data": {"again": True}},
                           headers=people["owner"].headers)  # fmt: skip
    assert response.status_code == 201 and response.get_json()["status"] == "incident"
    assert "250" in response.get_json()["incidents"][0]["error"]


def test_item3_only_administrators_and_process_owners_see_and_retry_incidents(client, people):
    _deploy(hostile.script_then_task("broken", "x = y"))
    instance = instances.start("broken", {}, people["kf_agent"].user)
    incident_id = _incident_of(instance.id).id
    assert client.get("/api/v1/incidents", headers=people["kf_agent"].headers).status_code == 403
    assert client.post(f"/api/v1/incidents/{incident_id}/retry", headers=people["kf_agent"].headers).status_code == 403
    listed = client.get("/api/v1/incidents", headers=people["owner"].headers).get_json()["incidents"]
    assert [i["id"] for i in listed] == [incident_id]
    assert incidents.open_count() == 1


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_item3_incidents_page_lists_and_retries(app, people, who):
    from tests.web.test_pages import sign_in

    _deploy(hostile.script_then_task("page_case", "x = y"))
    instance = instances.start("page_case", {}, people["kf_agent"].user)
    incident_id = _incident_of(instance.id).id
    browser = sign_in(app, who)
    page = browser.get("/incidents").get_data(as_text=True)
    assert f'id="incident-{incident_id}"' in page and "NameError" in page and "危险脚本" in page
    fixed = _deploy(hostile.script_then_task("page_case", "x = 1"))
    done = browser.post(f"/incidents/{incident_id}/retry", {"version": str(fixed.version)})
    assert done.status_code == 303
    assert "已重试成功" in browser.get("/incidents").get_data(as_text=True)
    assert _status(instance.id) == "running"
    case_page = browser.get(f"/cases/{instance.id}").get_data(as_text=True)
    assert "故障已重试" in case_page


def test_item3_staff_are_kept_out_of_the_incidents_page(app, people):
    from tests.web.test_pages import sign_in

    assert sign_in(app, "kf_agent").get("/incidents").status_code == 403


@pytest.mark.parametrize("then", ["x = 3", "x = range(3)"])
def test_item3_a_failing_step_undoes_what_its_registry_calls_wrote(app, people, at, then):
    """set_supply_status writes the archive inside the step; when a later script of the same step fails, the savepoint
    begun at that first call is rolled back with the rest, and only the incident is kept."""
    at(T0.isoformat())
    customers.create(
        {"account_no": "LZ-SP-1", "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "estate": "滨江小区", "room": "1-2-301", "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    key = "writes_then_" + ("fails" if "range" in then else "goes_on")
    _deploy(_task_then_script(key, f'before = set_supply_status("LZ-SP-1", "suspended")\n{then}'))
    instance = instances.start(key, {}, people["kf_agent"].user)
    instances.complete_task(open_tasks(instance.id)["Task_first"].id, {}, people["kf_agent"].user)
    status = db.session.scalar(
        select(customers.Customer.supply_status).where(customers.Customer.account_no == "LZ-SP-1")
    )
    if "range" in then:
        assert _status(instance.id) == incidents.STATUS and _incident_of(instance.id).element_id == "Script_x"
        assert status == "normal"  # the call's write went with the failed step
    else:
        assert _status(instance.id) == "running" and status == "suspended"  # the same call, kept when the step is
