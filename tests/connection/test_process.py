"""processes/gas_connection.bpmn worked through its use cases, each path with the clock moved (S5, S7, S14.1, S18,
M4, M5.4)."""

from __future__ import annotations

from datetime import datetime

from app.connection import application
from app.models import Customer, HumanTask, ProcessInstance
from app.platform import instances
from tests.connection.helpers import (
    ACCEPT,
    BUILT,
    CONSTRUCTION,
    CONTRACT,
    COUNTER,
    INSPECTION,
    PLAN,
    SURVEY,
    SURVEYED,
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
    at(SURVEYED)
    work(people, instance.id, "Task_survey", "lz_mgr2", SURVEY)
    work(people, instance.id, "Task_plan", "lz_mgr2", PLAN)
    work(people, instance.id, "Task_contract", "lz_mgr2", CONTRACT)
    at(BUILT)
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


def last_day(due: datetime) -> str:
    """The Beijing day a deadline closes (a working-day limit ends at that day's 24:00)."""
    from datetime import timedelta

    from app import clock

    return clock.to_local(due - timedelta(microseconds=1)).date().isoformat()


def _case(iid: int) -> dict:
    from app.extensions import db

    db.session.expire_all()
    return instances.case_data(db.session.get(ProcessInstance, iid))


def test_S18_3_small_enterprise_takes_the_fast_track_with_its_own_commitments(app, people, connection, at):
    at("2026-03-02T09:00:00+08:00")  # Monday
    data = {**COUNTER, "customer_class": "A2", "small_enterprise": True, "customer_name": "老王川菜馆"}
    iid = application.apply(data, people["lz_staff"].user).instance_id
    assert _case(iid)["path"] == "fast"
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    work(people, iid, "Task_accept", "lz_mgr1", ACCEPT)
    survey = open_task(iid, "Task_survey")
    # fast track: 2 working days for the survey (standard: 3), counted from the step's start, the day not counted
    assert last_day(survey.due_at) == "2026-03-04"


def test_S18_4_B2_household_goes_the_standard_path_to_the_branch_without_a_manager(app, people, connection, at):
    at("2026-03-02T09:00:00+08:00")
    data = {**COUNTER, "customer_class": "B2", "customer_name": "刘淑芬", "documents_brought": ["id_card", "deed"]}
    iid = application.apply(data, people["lz_staff"].user).instance_id
    case = _case(iid)
    assert case["path"] == "standard" and case["needs_manager"] is False and case["manager"] is None
    accept = open_task(iid, "Task_accept")  # no 指派客户经理: straight to the branch's pool
    assert accept.assignee_id is None and accept.candidate_group == "利州区分公司"
    work(people, iid, "Task_accept", "lz_staff", {**ACCEPT, "documents_received": ["id_card", "deed"]})
    survey = open_task(iid, "Task_survey")
    assert last_day(survey.due_at) == "2026-03-05"  # 3 working days on the standard path


def test_S18_2_small_enterprise_flag_refused_for_households(app, people, connection):
    import pytest

    from app.core.errors import Invalid

    with pytest.raises(Invalid) as err:
        application.apply({**COUNTER, "customer_class": "B2", "small_enterprise": True}, people["lz_staff"].user)
    assert err.value.extra["errors"][0]["field"] == "small_enterprise"


def test_M5_4_missing_documents_accepted_with_promised_dates_and_only_the_needing_step_waits(
    app, people, connection, at
):
    import pytest

    from app.core.errors import Invalid
    from app.platform import sla

    at("2026-03-02T09:00:00+08:00")
    data = {**COUNTER, "documents_brought": ["id_card", "license", "deed"]}  # site plan and load list missing
    iid = application.apply(data, people["lz_staff"].user).instance_id
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    with pytest.raises(Invalid) as err:  # a missing document needs the date the customer promised
        work(people, iid, "Task_accept", "lz_mgr1", {**ACCEPT, "documents_received": ["id_card", "license", "deed"]})
    assert {e["field"] for e in err.value.extra["errors"]} == {"promised.site_plan", "promised.load_list"}
    work(people, iid, "Task_accept", "lz_mgr1", {**ACCEPT, "documents_received": ["id_card", "license", "deed"],
                                                   "promised": {"site_plan": "2026-03-04", "load_list": "2026-03-04"}})  # fmt: skip
    assert _case(iid)["waiting_plan_docs"] == ["site_plan", "load_list"]
    assert _case(iid)["waiting_contract_docs"] == []
    at(SURVEYED)
    work(people, iid, "Task_survey", "lz_mgr1", SURVEY)  # the survey does not wait for them
    chase = open_task(iid, "Task_docs_plan")
    assert chase.assignee_id == people["lz_mgr1"].user.id
    assert last_day(chase.due_at) == "2026-03-04"  # the promised date
    # The customer is late: the chase task is overdue (recorded against M5.4), nothing is escalated as a breach of ours.
    at("2026-03-05T09:00:00+08:00")
    assert sla.record_breaches() >= 1
    assert open_task(iid, "Task_docs_plan").breached_at is not None
    # Only the load list comes; the site plan gets a new date and the chase task comes back.
    work(people, iid, "Task_docs_plan", "lz_mgr1", {"documents_received": ["id_card", "license", "deed", "load_list"],
                                                   "promised": {"site_plan": "2026-03-09"}})  # fmt: skip
    assert ready_specs(iid) == ["Task_docs_plan"]
    at("2026-03-09T15:00:00+08:00")
    work(people, iid, "Task_docs_plan", "lz_mgr1", {"documents_received": ["id_card", "license", "deed", "load_list",
                                                                          "site_plan"]})  # fmt: skip
    assert ready_specs(iid) == ["Task_plan"]


def test_S18_5_customer_time_stops_the_clock(app, people, connection, at):
    """The plan's commitment counts from when the documents arrived, not from acceptance: a week of waiting on the
    customer does not make the plan late, and the progress shows the waiting as customer time."""
    from app.connection import progress
    from app.extensions import db
    from app.platform import timers

    at("2026-03-02T09:00:00+08:00")
    iid = application.apply({**COUNTER, "documents_brought": ["id_card", "license", "deed", "load_list"]},
                            people["lz_staff"].user).instance_id  # fmt: skip
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    work(people, iid, "Task_accept", "lz_mgr1", {**ACCEPT, "documents_received": ["id_card", "license", "deed", "load_list"],
                                                  "promised": {"site_plan": "2026-03-10"}})  # fmt: skip
    at(SURVEYED)
    work(people, iid, "Task_survey", "lz_mgr1", SURVEY)
    at("2026-03-10T16:00:00+08:00")  # six working days later the site plan arrives
    timers.sweep()
    work(people, iid, "Task_docs_plan", "lz_mgr1", {"documents_received": ["id_card", "license", "deed", "load_list",
                                                                          "site_plan"]})  # fmt: skip
    plan = open_task(iid, "Task_plan")
    assert last_day(plan.due_at) == "2026-03-12"  # 2 working days from 10 March, not from acceptance
    assert not db.session.query(HumanTask).filter_by(instance_id=iid, spec_name="Task_escalate").count()
    view = progress.of_instance(db.session.get(ProcessInstance, iid))
    assert [w.state for w in view.waiting] == ["done"]
    assert not any(s.overdue for s in view.steps)


def test_S18_5_breached_step_escalates_to_the_branch_head_without_stopping_it(app, people, connection, at):
    from app.extensions import db
    from app.platform import timers

    at("2026-03-02T09:00:00+08:00")
    iid = application.apply(COUNTER, people["lz_staff"].user).instance_id
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    work(people, iid, "Task_accept", "lz_mgr1", ACCEPT)
    at("2026-03-04T08:00:00+08:00")  # the managed path gives the survey 1 working day: due end of 3 March
    timers.sweep()
    escalation = open_task(iid, "Task_escalate")
    assert escalation is not None and escalation.candidate_group == "部门负责人@利州区分公司"
    assert open_task(iid, "Task_survey") is not None  # non-interrupting: the survey goes on
    kinds = [
        e.kind for e in db.session.query(__import__("app.models", fromlist=["Event"]).Event).filter_by(instance_id=iid)
    ]
    assert "escalated" in kinds
    work(people, iid, "Task_escalate", "lz_head", {"escalation_action": "设计人员今日上午完成踏勘，已向客户致歉"})
    work(people, iid, "Task_survey", "lz_mgr1", SURVEY)
    assert ready_specs(iid) == ["Task_plan"]


def test_S14_1_gas_on_rescheduled_late_is_recorded_and_the_visit_moves(app, people, connection, at):
    from app.platform import audit

    at("2026-03-02T09:00:00+08:00")
    iid = application.apply(COUNTER, people["lz_staff"].user).instance_id
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    for spec, data, moment in [("Task_accept", ACCEPT, None), ("Task_survey", SURVEY, SURVEYED), ("Task_plan", PLAN, None),
                               ("Task_contract", CONTRACT, None), ("Task_construction", CONSTRUCTION, BUILT),
                               ("Task_inspection", INSPECTION, None),
                               ("Task_appointment", {"gas_on_at": "2026-03-04T10:00:00+08:00"}, None)]:  # fmt: skip
        if moment:
            at(moment)
        work(people, iid, spec, "lz_mgr1", data)
    at("2026-03-04T09:00:00+08:00")  # one hour before: too late to call off under S14.1, recorded as such
    work(people, iid, "Task_gas_on", "lz_mgr1", {"gas_on_outcome": "reschedule", "called_off_at": "2026-03-04T09:00:00+08:00",
                                                "new_gas_on_at": "2026-03-05T10:00:00+08:00",
                                                "reschedule_reason": "施工车辆故障"})  # fmt: skip
    case = _case(iid)
    assert case["call_off_in_time"] is False and case["gas_on_at"] == "2026-03-05T10:00:00+08:00"
    visit = open_task(iid, "Task_gas_on")
    assert visit.due_at == datetime.fromisoformat("2026-03-05T10:00:00+08:00")
    at("2026-03-05T10:30:00+08:00")
    work(people, iid, "Task_gas_on", "lz_mgr1", {"gas_on_outcome": "done", "gassed_at": "2026-03-05T10:20:00+08:00",
                                                "meter_reading": 0.2, "safety_briefing": True})  # fmt: skip
    assert _case(iid)["account_no"] == _case(iid)["application_no"]
    assert audit.replay(iid).ok
    from app.extensions import db
    from app.models import OutboxMessage

    sent = {m.kind: m for m in db.session.query(OutboxMessage).filter(OutboxMessage.kind.like("connection_%"))}
    assert "2026-03-04 10:00" in sent["connection_appointment"].text  # S7: the appointment, by SMS
    assert "2026-03-05 10:00" in sent["connection_rescheduled"].text  # S14.1: called off, with the new time
    assert sent["connection_rescheduled"].recipient == COUNTER["phone"]
    assert (
        db.session.query(OutboxMessage).count() == 3
    )  # + the receipt; replay queued nothing again  # recorded script calls (commitments, manager, archive) replay exactly


# ---------------------------------------------------------------- times of what happened (issue 11, item 11)


def test_every_time_the_connection_forms_record_of_what_happened_refuses_the_future(app, at):
    """The survey, the works, the inspection, the gas-on, the call-off and the contract's signing have happened; the
    appointments are plans (and the documents' promised dates, nested under ``promised``, are plans too)."""
    from tests import past_times

    at("2026-03-02T09:00:00+08:00")
    past_times.check(
        "gas_connection",
        past={"survey": ["surveyed_at"], "contract": ["contract_signed_on"], "external_works": ["external_done_at"],
              "construction": ["construction_done_at"], "inspection": ["inspected_at"],
              "gas_on": ["gassed_at", "called_off_at"]},
        planned={"appointment": ["gas_on_at"], "gas_on": ["new_gas_on_at"]},
    )  # fmt: skip


def test_S18_2_a_survey_recorded_ahead_and_a_contract_dated_tomorrow_are_refused(app, people, connection, at):
    import pytest

    from app.core.errors import Invalid

    at("2026-03-02T09:00:00+08:00")
    iid = application.apply(COUNTER, people["lz_staff"].user).instance_id
    work(people, iid, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    work(people, iid, "Task_accept", "lz_mgr1", ACCEPT)
    with pytest.raises(Invalid) as err:  # SURVEY says 10:00; it is 09:00
        work(people, iid, "Task_survey", "lz_mgr1", SURVEY)
    assert [(p["field"], p["message"]) for p in err.value.extra["errors"]] == [
        ("surveyed_at", "踏勘时间：不能晚于现在（现在是 03-02 09:00），请填写实际发生的时间")
    ]
    assert ready_specs(iid) == ["Task_survey"]
    at(SURVEYED)
    work(people, iid, "Task_survey", "lz_mgr1", SURVEY)
    work(people, iid, "Task_plan", "lz_mgr1", PLAN)
    with pytest.raises(Invalid) as err:
        work(people, iid, "Task_contract", "lz_mgr1", {**CONTRACT, "contract_signed_on": "2026-03-03"})
    assert [(p["field"], p["message"]) for p in err.value.extra["errors"]] == [
        ("contract_signed_on", "签订日期：不能晚于今天（今天是 03-02），请填写实际发生的日期")
    ]
    work(people, iid, "Task_contract", "lz_mgr1", CONTRACT)  # signed today
    assert ready_specs(iid) == ["Task_construction"]
