"""processes/gas_connection.bpmn worked through its use cases, each path with the clock moved (S5, S7, S14.1, S18,
M4, M5.4)."""

from __future__ import annotations

from datetime import datetime

from app.connection import application
from app.models import Customer, HumanTask, ProcessInstance
from app.platform import instances
from tests.connection.helpers import (
    ACCEPT,
    CONSTRUCTION,
    CONTRACT,
    COUNTER,
    INSPECTION,
    PLAN,
    SURVEY,
    open_task,
    ready_specs,  # fmt: skip
    work,
)


def test_S18_2_M4_A1_at_the_counter_with_a_manager_to_gas_on(app, people, connection, at):
    from app.extensions import db

    at("2026-03-02T09:00:00+08:00")  # a Monday
    result = application.apply(COUNTER, people["lz_staff"].user)
    instance = instances.get(result.instance_id)
    assert result.application_no.startswith("BZ20260302")
    case = instances.case_data(instance)
    assert case["path"] == "managed" and case["needs_manager"] is True
    assert case["suggested_manager"] in {"lz_mgr1", "lz_mgr2"}
    assert ready_specs(instance.id) == ["Task_assign_manager"]
    work(people, instance.id, "Task_assign_manager", "lz_head", {"manager": "lz_mgr2"})  # the head overrides
    accept = open_task(instance.id, "Task_accept")
    assert accept.assignee_id == people["lz_mgr2"].user.id  # 一对一: the manager owns every step
    assert accept.due_at is not None
    work(people, instance.id, "Task_accept", "lz_mgr2", ACCEPT)
    work(people, instance.id, "Task_survey", "lz_mgr2", SURVEY)
    work(people, instance.id, "Task_plan", "lz_mgr2", PLAN)
    work(people, instance.id, "Task_contract", "lz_mgr2", CONTRACT)
    work(people, instance.id, "Task_construction", "lz_mgr2", CONSTRUCTION)
    work(people, instance.id, "Task_inspection", "lz_mgr2", INSPECTION)
    work(people, instance.id, "Task_appointment", "lz_mgr2", {"gas_on_at": "2026-03-05T10:00:00+08:00"})
    visit = open_task(instance.id, "Task_gas_on")
    assert visit.due_at == datetime.fromisoformat("2026-03-05T10:00:00+08:00")
    at("2026-03-05T10:30:00+08:00")
    work(people, instance.id, "Task_gas_on", "lz_mgr2", {"gas_on_outcome": "done", "gassed_at": "2026-03-05T10:20:00+08:00",
                                                         "meter_reading": 0.5, "safety_briefing": True})  # fmt: skip
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "completed"
    customer = db.session.query(Customer).filter_by(account_no=result.application_no).one()
    assert customer.customer_class == "A1" and customer.manager.username == "lz_mgr2"
    assert [p.phone for p in customer.phones] == ["13981230417"]
    assert not db.session.query(HumanTask).filter_by(instance_id=instance.id, spec_name="Task_escalate").count()
