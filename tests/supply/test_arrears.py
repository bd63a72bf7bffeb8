"""The arrears process (processes/arrears_disconnection.bpmn) walked on every path of S19.3, S24.6 and S24.8 (issue 6),
with the clock moved by the `at` fixture and timers fired by timers.sweep()."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import Forbidden, Invalid, NotFound
from app.customers import records as customers
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Timer
from app.platform import audit, company_settings, definitions, instances, sla, tasks, timers
from app.platform import messages as unmatched_messages
from app.settings import PROJECT_ROOT
from app.supply import arrears
from tests import past_times
from tests.bpmn_paths import flow_graph, reachable_without, with_extra_flow
from tests.walk import event_payloads as _events
from tests.walk import open_tasks as _open
from tests.walk import work as _do

ACCOUNT = "LZ-0001"
SINCE = "2026-01-01"


@pytest.fixture
def billing(app, people, at):
    at("2026-03-02T09:30:00+08:00")  # a Monday
    definitions.deploy((PROJECT_ROOT / "processes" / "arrears_disconnection.bpmn").read_bytes(), "x.bpmn")
    customers.create(
        {"account_no": ACCOUNT, "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "estate": "滨江小区", "room": "1-2-301", "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return people


def _instance(iid: int) -> ProcessInstance:
    return db.session.get(ProcessInstance, iid, populate_existing=True)


def _supply() -> str:
    return db.session.scalar(
        select(customers.Customer.supply_status)
        .where(customers.Customer.account_no == ACCOUNT)
        .execution_options(populate_existing=True)
    )


def _start(people, amount=300.5, **extra) -> arrears.ArrearsResult:
    return arrears.open_or_update({"account_no": ACCOUNT, "amount_owed": amount, "since": SINCE, **extra},
                                  people["kf_agent"].user)  # fmt: skip


def _pay(amount, paid_at="2026-03-02T10:00:00+08:00", person=None):
    return unmatched_messages.deliver_message(
        "payment_received", {"account_no": ACCOUNT}, {"amount": amount, "paid_at": paid_at}, person
    )


REMINDER = {
    "reminder_method": "phone",
    "reminded_at": "2026-03-02T10:00:00+08:00",
    "reminder_result": "客户答应本周缴费",
    "reminder_slip_no": "CJ-001",
    "reminder_slip_delivered_at": "2026-03-02T15:00:00+08:00",
    "reminder_slip_delivered_to": "张三",
}
SERVED = {"served_how": "in_person", "served_at": "2026-03-02T16:00:00+08:00", "served_to": "张三"}
APPROVE = {"signoff_decision": "approve", "head_signature": "赵经理", "signoff_opinion": "逾期未缴，同意停气"}
CUT = {"disconnected_at": "2026-03-10T10:00:00+08:00", "meter_reading": 1234.5, "disconnect_method": "valve_lock"}
# The reminder (10:00), its slip (15:00) and the notice's service (16:00) have happened: times of what happened are
# never in the future (x-past), so the clock stands after them when they are recorded.
EVENING = "2026-03-02T16:30:00+08:00"
TOLD = {"csc_informed_at": "2026-03-10T09:30:00+08:00", "planned_cut_at": "2026-03-10T10:00:00+08:00",
        "hotline_informed": True}  # fmt: skip


def _remind_and_serve(iid: int, people):
    _do(iid, "Task_reminder", people["lz_staff"], REMINDER)
    _do(iid, "Task_notice", people["lz_staff"], SERVED)


def _to_waiting(iid: int, people, at):
    at(EVENING)
    _remind_and_serve(iid, people)


def _told_and_cut(iid: int, people, at):
    at("2026-03-10T09:35:00+08:00")
    _do(iid, "Task_notify_csc", people["kf_agent"], TOLD)  # S24.8: beforehand
    at("2026-03-10T10:10:00+08:00")
    _do(iid, "Task_disconnect", people["lz_staff"], CUT)


def _started_and_told(people, at) -> int:
    """A case past the deadline, signed off and the hotline told (S24.8): the crew's cut is open."""
    iid = _start(people).instance_id
    _to_waiting(iid, people, at)
    at("2026-03-10T00:00:01+08:00")
    timers.sweep()
    _do(iid, "Task_signoff", people["lz_head"], APPROVE)
    at("2026-03-10T09:35:00+08:00")
    _do(iid, "Task_notify_csc", people["kf_agent"], TOLD)
    return iid


def _to_disconnected(iid: int, people, at):
    _to_waiting(iid, people, at)
    at("2026-03-10T00:00:01+08:00")  # S24.6: the notice's deadline (7 days after 2026-03-02, 24:00) has passed
    timers.sweep()
    _do(iid, "Task_signoff", people["lz_head"], APPROVE)
    _told_and_cut(iid, people, at)


def test_S19_3_case_opens_with_a_reminder_for_the_customers_branch(billing, at):
    result = _start(billing)
    at(EVENING)
    assert not result.updated and result.case_no.startswith("QF20260302")
    [reminder] = _open(result.instance_id).values()
    assert reminder.spec_name == "Task_reminder" and reminder.candidate_group == "利州区分公司"
    with pytest.raises(Invalid) as err:  # the 催缴通知单 must be issued and its delivery recorded
        _do(result.instance_id, "Task_reminder", billing["lz_staff"], {**REMINDER, "reminder_slip_delivered_to": ""})
    assert [e["field"] for e in err.value.extra["errors"]] == ["reminder_slip_delivered_to"]
    with pytest.raises(Invalid) as err:
        _start(billing, account_no="NOPE-1")
    assert err.value.extra["errors"][0]["field"] == "account_no"
    with pytest.raises(Invalid):
        _start(billing, amount=-5)


def test_S24_6_notice_deadline_is_the_setting_counted_in_days_and_moved_off_days_off(billing, at):
    iid = _start(billing).instance_id
    at(EVENING)
    _do(iid, "Task_reminder", billing["lz_staff"], REMINDER)
    notice = _open(iid)["Task_notice"]
    data = instances.runtime().engine.task_data(instances.runtime().definition(_instance(iid).definition_id),
                                                _instance(iid).state_json, notice.id)  # fmt: skip
    assert data["notice_deadline"] == "2026-03-10T00:00:00+08:00"  # 7 days after 2026-03-02, to 24:00
    assert data["notice_amount"] == 300.5 and data["notice_no"].endswith("-1")
    company_settings.put("arrears_notice_days", 5, billing["admin"].user)
    other = customers.create(
        {"account_no": "LZ-0002", "name": "李四", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "phones": ["13800005678"], "branch": "利州区分公司"}, billing["admin"].user)  # fmt: skip
    second = arrears.open_or_update({"account_no": other.account_no, "amount_owed": 10, "since": SINCE}, None)
    _do(second.instance_id, "Task_reminder", billing["lz_staff"], REMINDER)
    assert _case_value(second.instance_id, "Task_notice", "notice_deadline") == "2026-03-10T00:00:00+08:00"  # 3-07 is
    # a Saturday: 5 days end on a day off, so the period runs to the end of Monday 2026-03-09 (Civil Code art. 203)
    with pytest.raises(Invalid):
        company_settings.put("arrears_notice_days", 0, billing["admin"].user)


def _case_value(iid: int, element: str, key: str):
    instance = _instance(iid)
    task = _open(iid)[element]
    definition = instances.runtime().definition(instance.definition_id)
    return instances.runtime().engine.task_data(definition, instance.state_json, task.id)[key]


def test_S19_3_paid_in_full_before_the_notice_ends_the_case(billing):
    iid = _start(billing).instance_id
    assert _pay(300.5) == [iid]
    assert _instance(iid).status == "completed" and _open(iid) == {}
    assert _supply() == "normal"


def test_S24_6_paid_in_full_after_the_notice_ends_the_case_and_its_deadline_timer(billing, at):
    iid = _start(billing).instance_id
    _to_waiting(iid, billing, at)
    assert db.session.scalar(select(Timer.id).where(Timer.instance_id == iid)) is not None
    _pay(300.5)
    assert _instance(iid).status == "completed"
    assert db.session.scalar(select(Timer.id).where(Timer.instance_id == iid)) is None


def test_S24_6_partial_payment_does_not_end_the_case(billing, at):
    iid = _start(billing).instance_id
    _to_waiting(iid, billing, at)
    _pay(100)
    assert _instance(iid).status == "running"
    at("2026-03-10T00:00:01+08:00")
    timers.sweep()
    assert set(_open(iid)) == {"Task_signoff"}  # still owed 200.50: the deadline passes unpaid
    _pay(200.5, "2026-03-10T08:00:00+08:00")  # the rest, before the head signs: closed, no disconnection
    assert _instance(iid).status == "completed" and _supply() == "normal"
    assert [p["payload"]["amount"] for p in _events(iid, "message_received")] == [100, 200.5]


def test_S24_6_head_rejects_back_to_reminder_or_closes_with_a_reason(billing, at):
    iid = _start(billing).instance_id
    _to_waiting(iid, billing, at)
    at("2026-03-10T00:00:01+08:00")
    timers.sweep()
    signoff = _open(iid)["Task_signoff"]
    assert signoff.candidate_group == "部门负责人@利州区分公司"
    with pytest.raises(Forbidden):  # the branch's fitter cannot sign
        tasks.claim(signoff.id, billing["lz_staff"].user)
    _do(iid, "Task_signoff", billing["lz_head"], {**APPROVE, "signoff_decision": "reject_remind"})
    assert set(_open(iid)) == {"Task_reminder"}
    assert _case_value(iid, "Task_reminder", "reminder_round") == 2
    _remind_and_serve(iid, billing)  # the second round (recorded with the first round's times, long past)
    at("2026-03-18T00:00:01+08:00")
    timers.sweep()
    _do(iid, "Task_signoff", billing["lz_head"],
        {**APPROVE, "signoff_decision": "reject_close", "signoff_opinion": "客户家中有病人，暂缓"})  # fmt: skip
    assert _instance(iid).status == "completed" and _supply() == "normal"
    assert db.session.scalar(select(HumanTask.id).where(HumanTask.spec_name == "Task_disconnect")) is None


def test_S24_6_S24_8_unpaid_signed_disconnected_then_restored_in_5_hours_without_breach(billing, at):
    iid = _start(billing).instance_id
    _to_disconnected(iid, billing, at)
    assert _supply() == "disconnected" and "Task_notify_csc" not in _open(iid)  # told before the cut
    at("2026-03-11T09:00:00+08:00")  # the payment message arrives an hour after the customer paid
    _pay(300.5, "2026-03-11T08:00:00+08:00")
    restore = _open(iid)["Task_restore"]
    assert restore.due_at.isoformat() == "2026-03-11T06:00:00+00:00"  # paid_at + 6 h (14:00 Beijing), not arrival
    at("2026-03-11T12:00:01+08:00")
    timers.sweep()
    assert "Task_restore_warning" in _open(iid)  # S24.6: warning at 4 h
    at("2026-03-11T13:00:00+08:00")
    _do(iid, "Task_restore", billing["lz_staff"],
        {"restored_at": "2026-03-11T13:00:00+08:00", "meter_reading_restored": 1234.5})  # fmt: skip
    assert _supply() == "normal"
    at("2026-03-11T16:00:00+08:00")
    timers.sweep()
    sla.record_breaches()
    assert not {"Task_breach_head", "Task_breach_csc"} & set(_open(iid))
    assert _events(iid, "breach") == []
    assert audit.replay(iid).ok


def test_S24_6_restore_after_7_hours_escalates_once_and_records_the_breach(billing, at):
    iid = _start(billing).instance_id
    _to_disconnected(iid, billing, at)
    at("2026-03-11T09:00:00+08:00")
    _pay(300.5, "2026-03-11T08:00:00+08:00")
    at("2026-03-11T14:00:01+08:00")
    timers.sweep()
    sla.record_breaches()
    open_now = _open(iid)
    assert open_now["Task_breach_head"].candidate_group == "部门负责人@利州区分公司"
    assert open_now["Task_breach_csc"].candidate_group == "客服中心"
    assert "Task_restore" in open_now  # stays open until supply is restored
    at("2026-03-11T15:00:00+08:00")  # 7 h after payment
    timers.sweep()
    sla.record_breaches()
    fired = [t for e in _events(iid, "timer_fired") for t in e["timers"]]
    assert fired.count("Timer_restore_breach") == 1 and fired.count("Timer_restore_warning") == 1
    restore_breaches = [b for b in _events(iid, "breach") if b["spec_name"] == "Task_restore"]
    assert len(restore_breaches) == 1  # recorded once, however often the job runs
    _do(iid, "Task_restore", billing["lz_staff"],
        {"restored_at": "2026-03-11T15:00:00+08:00", "meter_reading_restored": 1234.5})  # fmt: skip
    assert _supply() == "normal"
    assert audit.replay(iid).ok


def test_S24_6_payment_before_the_field_task_is_done_means_no_disconnection(billing, at):
    iid = _started_and_told(billing, at)
    cut = _open(iid)["Task_disconnect"]
    _pay(300.5, "2026-03-10T09:00:00+08:00")
    assert _instance(iid).status == "completed" and _supply() == "normal"
    assert db.session.get(HumanTask, cut.id, populate_existing=True).state == "cancelled"


def test_duplicate_import_updates_the_open_case_and_never_opens_a_second(billing, at):
    first = _start(billing)
    again = _start(billing, amount=450.0, billing_ref="BL-2")
    assert again.updated and again.applied and again.instance_id == first.instance_id
    assert db.session.scalar(select(db.func.count()).select_from(ProcessInstance)) == 1
    [update] = _events(first.instance_id, "message_received")
    assert update["name"] == "arrears_updated" and update["payload"]["amount_owed"] == 450.0
    at(EVENING)
    _do(first.instance_id, "Task_reminder", billing["lz_staff"], REMINDER)
    assert _case_value(first.instance_id, "Task_notice", "notice_amount") == 450.0
    _pay(300.5)  # the first figure is now only part of what is owed
    assert _instance(first.instance_id).status == "running"
    _pay(149.5)
    assert _instance(first.instance_id).status == "completed"
    third = _start(billing, amount=80.0)  # no open case any more: a new one
    assert not third.updated and third.instance_id != first.instance_id


def test_payment_for_an_account_without_an_open_case_is_404_and_kept_for_staff(billing):
    with pytest.raises(NotFound) as err:
        _pay(50)
    assert ACCOUNT in err.value.detail
    [kept] = unmatched_messages.list_messages(billing["kf_agent"].user)
    assert kept.account_no == ACCOUNT and kept.payload["amount"] == 50 and kept.resolved_at is None
    iid = _start(billing, amount=50).instance_id
    done = unmatched_messages.resolve(kept.id, billing["kf_agent"].user, "开案后补投", redeliver=True)
    assert done.delivered_to == [iid] and _instance(iid).status == "completed"
    assert unmatched_messages.list_messages(billing["kf_agent"].user) == []


def test_replay_reproduces_a_case_with_payments_updates_and_a_changed_setting(billing, at):
    iid = _start(billing).instance_id
    _start(billing, amount=500)
    at(EVENING)
    _do(iid, "Task_reminder", billing["lz_staff"], REMINDER)
    company_settings.put("arrears_notice_days", 30, billing["admin"].user)  # later change: replay uses the record
    _do(iid, "Task_notice", billing["lz_staff"], SERVED)
    _pay(100)
    report = audit.replay(iid)
    assert report.ok and report.events_replayed == 5


def test_S24_6_no_path_reaches_disconnection_without_the_heads_approval():
    xml = (PROJECT_ROOT / "processes" / "arrears_disconnection.bpmn").read_bytes()
    reachable, unsigned = reachable_without(xml, "Task_disconnect", "Flow_approved")
    assert reachable and not unsigned
    _starts, graph = flow_graph(xml)
    assert graph["Task_signoff"] == [("Flow_signed", "Gateway_signoff")]  # the approval leaves the head's task only
    assert ("Flow_approved", "Task_notify_csc") in graph["Gateway_signoff"]
    assert graph["Task_notify_csc"] == [("Flow_notified", "Task_disconnect")]  # S24.8: CSC told before the cut
    assert b'signoff_decision == "approve"' in xml and b'<bpmn:lane id="Lane_head" name="\xe9\x83\xa8' in xml
    # the walk is not vacuous: a shortcut from the notice to the field task would be found
    assert reachable_without(with_extra_flow(xml, "Task_notice", "Task_disconnect"), "Task_disconnect",
                             "Flow_approved")[1]  # fmt: skip


def test_S24_8_csc_and_hotline_are_told_before_the_crew_cuts_supply(billing, at):
    """Issue 12, item 12: "所有停气信息应提前报送至客服中心" — the report comes before the disconnection task, and the
    hotline board shows the coming disconnection from the moment of the report."""
    from app.supply import board

    iid = _start(billing).instance_id
    _to_waiting(iid, billing, at)
    at("2026-03-10T09:00:00+08:00")
    timers.sweep()
    _do(iid, "Task_signoff", billing["lz_head"], APPROVE)
    assert set(_open(iid)) == {"Task_notify_csc"} and _open(iid)["Task_notify_csc"].candidate_group == "客服中心"
    assert board.current_disconnections(billing["kf_agent"].user).upcoming == []
    at("2026-03-10T09:35:00+08:00")
    _do(iid, "Task_notify_csc", billing["kf_agent"], TOLD)
    assert set(_open(iid)) == {"Task_disconnect"} and _supply() == "normal"
    [coming] = board.current_disconnections(billing["kf_agent"].user).upcoming
    assert coming.account_no == ACCOUNT and coming.case_id == iid and coming.case_kind == "欠费停气"
    assert coming.planned_at.isoformat() == "2026-03-10T02:00:00+00:00"
    at("2026-03-10T10:10:00+08:00")
    _do(iid, "Task_disconnect", billing["lz_staff"], CUT)
    assert _supply() == "disconnected" and _open(iid) == {}
    assert board.current_disconnections(billing["kf_agent"].user).upcoming == []


def test_S24_6_payment_deadline_counts_from_service_not_from_issue(billing, at):
    """Issue 12, item 13: a notice served ten days after issue still gives the customer the full period, counted
    from the day after service (as S24.7's rectification deadline is); the printed notice says so."""
    from app.supply import notices

    iid = _start(billing).instance_id
    at(EVENING)
    _do(iid, "Task_reminder", billing["lz_staff"], REMINDER)
    unserved = notices.arrears_notice(iid, billing["kf_agent"].user)
    assert "签收本通知书之次日起 7 日内" in notices.body_lines(unserved)[2]
    at("2026-03-12T17:00:00+08:00")  # issued on 2026-03-02, served on 2026-03-12
    _do(iid, "Task_notice", billing["lz_staff"], {**SERVED, "served_at": "2026-03-12T16:00:00+08:00"})
    timers.sweep()
    assert "Task_signoff" not in _open(iid)  # the customer has the 7 days the notice gives
    served = notices.arrears_notice(iid, billing["kf_agent"].user)
    assert served.deadline.isoformat() == "2026-03-20T00:00:00+08:00"  # 7 days after 03-12, to 24:00 on 03-19
    assert "2026年03月19日 24:00 前" in notices.body_lines(served)[2]
    at("2026-03-19T23:59:00+08:00")
    timers.sweep()
    assert "Task_signoff" not in _open(iid)
    at("2026-03-20T00:00:01+08:00")
    timers.sweep()
    assert "Task_signoff" in _open(iid)


# ---------------------------------------------------------------- times of what happened (issue 11, item 11)


def test_every_time_the_arrears_forms_record_of_what_happened_refuses_the_future(app, at):
    """The reminder, the slip's and the notice's delivery, the report to CSC, the cut, the restore and the start of the
    debt have happened: a later value is refused naming the field; the announced cut (planned_cut_at) is a plan."""
    at("2026-03-02T09:30:00+08:00")
    past_times.check(
        "arrears_disconnection",
        past={"start": ["since"], "reminder": ["reminded_at", "reminder_slip_delivered_at"],
              "notice_service": ["served_at"], "notify_csc": ["csc_informed_at"], "disconnect": ["disconnected_at"],
              "restore": ["restored_at"]},
        planned={"notify_csc": ["planned_cut_at"]},
    )  # fmt: skip


def test_a_cut_recorded_in_the_future_is_refused_and_nothing_moves(billing, at):
    iid = _started_and_told(billing, at)
    with pytest.raises(Invalid) as err:  # the crew types the planned 10:00 before going out
        _do(iid, "Task_disconnect", billing["lz_staff"], CUT)
    [problem] = err.value.extra["errors"]
    assert problem["field"] == "disconnected_at"
    assert problem["message"] == "停气时间：不能晚于现在（现在是 03-10 09:35），请填写实际发生的时间"
    assert set(_open(iid)) == {"Task_disconnect"} and _supply() == "normal"
    at("2026-03-10T10:10:00+08:00")
    _do(iid, "Task_disconnect", billing["lz_staff"], CUT)
    assert _supply() == "disconnected"


def test_arrears_starting_tomorrow_are_refused_at_intake(billing):
    with pytest.raises(Invalid) as err:
        _start(billing, since="2026-03-03")
    [problem] = err.value.extra["errors"]
    assert problem["field"] == "since"
    assert problem["message"] == "欠费起始日期：不能晚于今天（今天是 03-02），请填写实际发生的日期"
    assert db.session.scalar(select(db.func.count()).select_from(ProcessInstance)) == 0
    assert _start(billing, since="2026-03-02").case_no.startswith("QF20260302")  # today is not the future
