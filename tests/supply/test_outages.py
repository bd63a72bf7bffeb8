"""Planned and emergency outages (processes/planned_outage.bpmn, processes/emergency_outage.bpmn; issue 16) on every
path of S24.1-S24.5, S24.8 and S25.4, with the clock moved by the `at` fixture and timers fired by `timers.sweep()`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import Forbidden, Invalid
from app.extensions import db
from app.models import OutboxMessage, ProcessInstance
from app.platform import company_settings, pickers, timers
from app.supply import outage_area, outage_notice, outages
from tests import past_times
from tests.walk import open_tasks as _open
from tests.walk import work as _do

AREA = ["利州区/嘉陵街道/滨江花园"]
MONDAY = "2026-03-02T09:30:00+08:00"
START = "2026-03-05T09:00:00+08:00"  # Thursday, 71.5 h after MONDAY, outside the peak hours
END = "2026-03-05T17:00:00+08:00"
CUSTOMERS = [  # (account, class, street, estate, phones)
    ("LZ-T001", "B2", "嘉陵街道", "滨江花园", ["13800000001"]),
    ("LZ-T002", "B2", "嘉陵街道", "滨江花园", ["13800000002", "0839-1234567"]),
    ("LZ-T003", "B1", "嘉陵街道", "滨江花园", ["13800000003"]),
    ("LZ-T004", "A2", "嘉陵街道", "滨江花园", ["13800000004"]),
    ("LZ-T005", "B2", "嘉陵街道", "滨江花园", ["0839-3300005"]),  # a landline only: counted, not texted
    ("LZ-T006", "B2", "东坝街道", "南山小区", ["13800000006"]),  # outside the area
]


def _request(people, who="dd_staff", **extra) -> outages.OutageCase:
    payload = {"cause": "嘉陵街道中压管道迁改施工", "kind": "stop", "areas": AREA, "planned_start": START,
               "planned_end": END, **extra}  # fmt: skip
    return outages.request_planned(payload, people[who].user)


def _status(iid: int) -> str:
    return db.session.get(ProcessInstance, iid, populate_existing=True).status


def _sms(case_no: str, purpose: str) -> list[OutboxMessage]:
    like = f"outage:{case_no}:{purpose}:%"
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like(like))))


def _problems(err: pytest.ExceptionInfo) -> dict[str, dict]:
    return {p["field"]: p for p in err.value.extra["errors"]}


AGREE = {"agreed": True, "agree_opinion": "同意，分公司派员配合"}
PUBLISHED_AT = "2026-03-02T11:00:00+08:00"


def _publication(at_time: str = PUBLISHED_AT) -> dict:
    found = {}
    for key in outages.CHANNELS:
        found |= {f"{key}_published_at": at_time, f"{key}_published_by": "lz_staff", f"{key}_reference": key}
    return found


# ---------------------------------------------------------------- checks at submission


def test_S24_2_request_47h_ahead_refused_with_the_earliest_legal_start(world, at):
    with pytest.raises(Invalid) as err:
        _request(world, planned_start="2026-03-04T08:30:00+08:00", planned_end="2026-03-04T16:00:00+08:00")
    problem = _problems(err)["planned_start"]
    # The notice can be out 4 h after now (Mon 13:30, company setting), so 48 h later, Wed 13:30, outside the peak
    # hours, is the earliest legal start.
    assert "48 小时" in problem["message"] and "2026-03-04 13:30" in problem["message"]
    assert problem["suggest"]["value"] == "2026-03-04T13:30"
    with pytest.raises(Invalid):  # 48 h after now is not enough: the notice is not out yet
        _request(world, planned_start="2026-03-04T09:30:00+08:00", planned_end="2026-03-04T16:00:00+08:00")
    taken = _request(world, planned_start="2026-03-04T13:30:00+08:00", planned_end="2026-03-04T16:00:00+08:00")
    assert _status(taken.instance_id) == "running"


def test_S24_2_earliest_start_moves_out_of_the_peak(world, at):
    at("2026-03-02T06:40:00+08:00")  # + 4 h + 48 h = Wed 10:40 -> 11:00 is peak (11:00-13:00) -> 13:00
    earliest = outages.earliest_start(outages.earliest_publication(outages.clock.now()), outages.peak_ranges())
    assert outages._form_value(earliest) == "2026-03-04T13:00"
    company_settings.put("outage_publish_lead_hours", 0, world["admin"].user)
    earliest = outages.earliest_start(outages.earliest_publication(outages.clock.now()), outages.peak_ranges())
    assert outages._form_value(earliest) == "2026-03-04T08:30"  # 06:40 + 48 h -> 07:00 is peak -> 08:30


def test_S24_2_peak_hour_start_refused_without_a_justification(world):
    peak = {"planned_start": "2026-03-05T07:00:00+08:00", "planned_end": "2026-03-05T15:00:00+08:00"}
    with pytest.raises(Invalid) as err:
        _request(world, **peak)
    problem = _problems(err)["planned_start"]
    assert "用气高峰 06:30-08:30" in problem["message"] and problem["suggest"]["value"] == "2026-03-05T08:30"
    case = _request(world, **peak, peak_justification="上游门站检修窗口只能在早间")
    assert _status(case.instance_id) == "running"


def test_S24_2_peak_hours_are_a_company_setting(world):
    company_settings.put("peak_hours", "08:00-10:00", world["admin"].user)
    with pytest.raises(Invalid) as err:
        _request(world)  # 09:00 is now peak
    assert "08:00-10:00" in _problems(err)["planned_start"]["message"]
    with pytest.raises(Invalid):
        company_settings.put("peak_hours", "08:00-07:00", world["admin"].user)
    assert company_settings.get("peak_hours") == "08:00-10:00"


def test_S24_2_S24_4_over_24_hours_needs_the_measures_and_the_heads_approval(world):
    long = {"planned_end": "2026-03-06T12:00:00+08:00"}
    with pytest.raises(Invalid) as err:
        _request(world, **long)
    assert "S24.4" in _problems(err)["s24_4_measures"]["message"]
    case = _request(world, **long, s24_4_measures="分段停气，居民区先行恢复；临时 LNG 瓶组供学校食堂")
    with pytest.raises(Invalid) as err:
        _do(case.instance_id, "Task_branch_agree", world["lz_head"], AGREE)
    assert "measures_approved" in _problems(err)
    _do(case.instance_id, "Task_branch_agree", world["lz_head"], {**AGREE, "measures_approved": True})
    assert "Task_publish" in _open(case.instance_id)


def test_S24_1_only_dispatch_installation_or_the_branch_itself_requests(world):
    with pytest.raises(Forbidden):
        _request(world, who="kf_agent")  # 客服中心 may not request a planned outage
    with pytest.raises(Forbidden):
        _request(world, who="cx_staff")  # 苍溪县分公司, the area is 利州's
    assert _request(world, who="az_staff").case_no.startswith("TQ")
    assert _request(world, who="lz_staff").case_no.startswith("TQ")


def test_S24_1_area_resolved_from_the_archive_with_counts_by_class_residential_first(world):
    case = _request(world)
    task = _open(case.instance_id)["Task_branch_agree"]
    assert task.candidate_group == "部门负责人@利州区分公司"  # the branch concerned agrees (S24.1)
    area = outage_area.resolve(AREA)
    assert area.counts == {"B1": 1, "B2": 3, "A2": 1} and list(area.counts)[:2] == ["B1", "B2"]
    assert area.branch == "利州区分公司"
    with pytest.raises(Invalid):
        outage_area.resolve(["利州区/没有这条街"])
    options = pickers.place_options("滨江")
    assert [o.value for o in options] == ["利州区/嘉陵街道/滨江花园"] and "5 户" in options[0].hint
    assert pickers.problems({"properties": {"areas": {"type": "array", "items": {"x-ui": {"widget": "place-picker"}}}}},
                            {"areas": ["利州区/嘉陵街道/无此小区"]})  # fmt: skip


def test_S24_1_branch_disagrees_nothing_is_cut(world):
    case = _request(world)
    _do(case.instance_id, "Task_branch_agree", world["lz_head"], {"agreed": False, "agree_opinion": "与抢修计划冲突"})
    assert _status(case.instance_id) == "completed"
    assert _sms(case.case_no, "planned") == []


# ---------------------------------------------------------------- the planned path


def test_S24_2_S24_5_S24_8_planned_outage_from_request_to_restore(world, at):
    case = _request(world)
    iid = case.instance_id
    _do(iid, "Task_branch_agree", world["lz_head"], AGREE)
    publish = _open(iid)["Task_publish"]
    assert publish.due_at.isoformat() == "2026-03-03T01:00:00+00:00"  # start - 48 h
    data = outages.instances.case_data(db.session.get(ProcessInstance, iid))
    for item in ("停气原因：嘉陵街道中压管道迁改施工", "停气范围：利州区嘉陵街道滨江花园", "停气开始时间：2026年03月05日 09:00",
                 "预计恢复供气时间：2026年03月05日 17:00"):  # fmt: skip
        assert item in data["notice_text"]  # S24.5: the four items
    at("2026-03-02T11:30:00+08:00")
    incomplete = _publication()
    del incomplete["newspaper_published_by"]
    with pytest.raises(Invalid):  # every channel, with who and when (S24.2)
        _do(iid, "Task_publish", world["lz_staff"], incomplete)
    with pytest.raises(Invalid) as err:
        _do(iid, "Task_publish", world["lz_staff"], _publication("2026-03-03T10:00:00+08:00"))  # in the future
    assert "posted_published_at" in _problems(err)
    assert _sms(case.case_no, "planned") == []  # nothing queued by a refused step
    _do(iid, "Task_publish", world["lz_staff"], _publication())
    sms = _sms(case.case_no, "planned")
    # every affected customer with a phone, once, on the first number; LZ-T005 has a landline only, LZ-T006 is outside
    assert sorted((m.account_no, m.recipient) for m in sms) == [
        ("LZ-T001", "13800000001"),
        ("LZ-T002", "13800000002"),
        ("LZ-T003", "13800000003"),
        ("LZ-T004", "13800000004"),
    ]
    assert all(m.status == "pending" and m.kind == "outage_planned" and "预计" in m.text for m in sms)
    assert outages.queue_sms(case.case_no, "planned", "x", AREA, START, END) == 0  # the key: never twice
    _do(iid, "Task_inform_csc", world["kf_agent"],
        {"csc_informed_at": "2026-03-02T11:40:00+08:00", "hotline_informed": True})  # fmt: skip
    assert set(_open(iid)) == set()  # waiting for the start
    at("2026-03-05T09:01:00+08:00")
    assert timers.sweep() == 1
    _do(
        iid, "Task_confirm_stop", world["lz_staff"], {"stopped_at": "2026-03-05T09:00:00+08:00", "stop_confirmed": True}
    )
    assert _open(iid)["Task_restore"].due_at.isoformat() == "2026-03-05T09:00:00+00:00"
    at("2026-03-05T16:30:00+08:00")
    _do(iid, "Task_restore", world["lz_staff"],
        {"restored_at": "2026-03-05T16:20:00+08:00", "safety_checked": True, "restore_note": "检漏置换合格"})  # fmt: skip
    assert _status(iid) == "completed"
    restored = _sms(case.case_no, "restored")
    assert len(restored) == 4 and all("已于2026年03月05日 16:20恢复供气" in m.text for m in restored)


def test_S24_2_publication_missed_escalates_and_the_outage_must_be_rescheduled(world, at):
    case = _request(world)
    iid = case.instance_id
    _do(iid, "Task_branch_agree", world["lz_head"], AGREE)
    at("2026-03-03T09:01:00+08:00")  # start - 48 h has passed, nothing published
    assert timers.sweep() == 1
    tasks = _open(iid)
    assert "Task_publish" not in tasks and tasks["Task_reschedule"].candidate_group == "部门负责人@利州区分公司"
    again = {"reschedule_decision": "reschedule", "reschedule_reason": "公告未按时发布，顺延",
             "planned_start": "2026-03-05T09:00:00+08:00", "planned_end": "2026-03-05T17:00:00+08:00"}  # fmt: skip
    with pytest.raises(Invalid) as err:  # the old start is now 48 h away: too early
        _do(iid, "Task_reschedule", world["lz_head"], again)
    assert _problems(err)["planned_start"]["suggest"]["value"] == "2026-03-05T13:30"
    _do(iid, "Task_reschedule", world["lz_head"], {**again, "planned_start": "2026-03-06T09:30:00+08:00",
                                                  "planned_end": "2026-03-06T17:00:00+08:00"})  # fmt: skip
    publish = _open(iid)["Task_publish"]
    assert publish.due_at.isoformat() == "2026-03-04T01:30:00+00:00"
    data = outages.instances.case_data(db.session.get(ProcessInstance, iid))
    assert "2026年03月06日 09:30" in data["notice_text"]


def test_S24_2_reschedule_may_cancel(world, at):
    case = _request(world)
    _do(case.instance_id, "Task_branch_agree", world["lz_head"], AGREE)
    at("2026-03-03T09:30:00+08:00")
    timers.sweep()
    _do(
        case.instance_id,
        "Task_reschedule",
        world["lz_head"],
        {"reschedule_decision": "cancel", "reschedule_reason": "施工取消", "planned_start": START, "planned_end": END},
    )
    assert _status(case.instance_id) == "completed" and _sms(case.case_no, "planned") == []


def _stopped(world, at, **extra) -> outages.OutageCase:
    case = _request(world, **extra)
    iid = case.instance_id
    _do(iid, "Task_branch_agree", world["lz_head"], {**AGREE, "measures_approved": True})
    at("2026-03-02T11:30:00+08:00")
    _do(iid, "Task_publish", world["lz_staff"], _publication())
    _do(iid, "Task_inform_csc", world["kf_agent"], {"csc_informed_at": PUBLISHED_AT, "hotline_informed": True})
    at("2026-03-05T09:01:00+08:00")
    timers.sweep()
    _do(
        iid, "Task_confirm_stop", world["lz_staff"], {"stopped_at": "2026-03-05T09:00:00+08:00", "stop_confirmed": True}
    )
    return case


def test_S24_2_not_restored_by_the_planned_end_escalates_to_branch_head_and_dispatch(world, at):
    case = _stopped(world, at)
    at("2026-03-05T17:01:00+08:00")
    assert timers.sweep() == 1
    tasks = _open(case.instance_id)
    assert tasks["Task_overdue_head"].candidate_group == "部门负责人@利州区分公司"
    assert tasks["Task_overdue_dispatch"].candidate_group == "调度中心"
    assert "Task_restore" in tasks  # still to be done


def test_S24_4_past_24_hours_housing_notice_emergency_sms_and_plan_exactly_once(world, at):
    case = _stopped(world, at)
    at("2026-03-06T09:05:00+08:00")
    assert timers.sweep() == 2  # the planned end passed, and 24 h of outage
    assert timers.sweep() == 0
    tasks = _open(case.instance_id)
    assert tasks["Task_housing_notice"].candidate_group == "调度中心"
    assert tasks["Task_emergency_plan"].candidate_group == "调度中心"
    _do(case.instance_id, "Task_emergency_plan", world["dd_staff"],
        {"plan_started": True, "residential_first": True, "expected_restore": "2026-03-06T14:00:00+08:00",
         "plan_measures": "居民区优先恢复，LNG 瓶组保障学校"})  # fmt: skip
    sms = _sms(case.case_no, "over_24h")
    assert len(sms) == 4 and all("2026年03月06日 14:00" in m.text and "紧急" not in m.text for m in sms)
    assert all(m.kind == "outage_over_24h" for m in sms)


# ---------------------------------------------------------------- the emergency path


def _emergency(world, who="kf_agent", **extra) -> outages.OutageCase:
    payload = {"cause": "第三方施工挖断中压管道", "kind": "stop", "areas": AREA, "started_at": "2026-03-02T09:10:00+08:00",
               "expected_restore": "2026-03-02T18:00:00+08:00", "major_incident": False, **extra}  # fmt: skip
    return outages.report_emergency(payload, world[who].user)


def test_S24_3_S24_4_S24_8_emergency_sms_at_once_hotline_housing_plan_and_continuous_repair(world, at):
    case = _emergency(world)
    iid = case.instance_id
    sms = _sms(case.case_no, "emergency")
    assert len(sms) == 4 and all(m.kind == "outage_emergency" and "紧急停气通知" in m.text for m in sms)
    tasks = _open(iid)
    assert tasks["Task_inform_hotline"].candidate_group == "客服中心"
    assert tasks["Task_housing_notice"].candidate_group == "调度中心"  # S24.4: a sudden outage, at once
    assert tasks["Task_repair"].candidate_group == "利州区分公司"
    assert tasks["Task_repair"].due_at.isoformat() == "2026-03-02T10:00:00+00:00"
    _do(iid, "Task_inform_hotline", world["kf_agent"], {"hotline_informed_at": MONDAY, "hotline_informed": True})
    _do(iid, "Task_housing_notice", world["dd_staff"],
        {"notice_printed": True, "housing_sent_at": MONDAY, "housing_sent_how": "in_person", "housing_received_by": "李科长"})  # fmt: skip
    _do(iid, "Task_emergency_plan", world["dd_staff"],
        {"plan_started": True, "residential_first": True, "expected_restore": "2026-03-02T18:00:00+08:00",
         "plan_measures": "关阀隔离，居民区优先"})  # fmt: skip
    assert "Task_major_report" not in _open(iid)
    at("2026-03-02T17:40:00+08:00")  # supply back at 17:30
    _do(iid, "Task_repair", world["lz_staff"],
        {"restored_at": "2026-03-02T17:30:00+08:00", "safety_checked": True, "restore_note": "更换管段，置换合格"})  # fmt: skip
    assert _status(iid) == "completed"


def test_S25_4_major_incident_reported_to_the_city_emergency_office(world):
    case = _emergency(world, who="dd_staff", major_incident=True)
    _do(case.instance_id, "Task_emergency_plan", world["dd_staff"],
        {"plan_started": True, "residential_first": True, "expected_restore": "2026-03-02T18:00:00+08:00",
         "plan_measures": "启动储备气源"})  # fmt: skip
    assert _open(case.instance_id)["Task_major_report"].candidate_group == "应急中心"


def test_S24_4_emergency_past_24_hours_new_estimate_sms_and_written_update(world, at):
    case = _emergency(world)
    at("2026-03-03T09:15:00+08:00")
    assert timers.sweep() == 2  # past the expected restore, and past 24 h
    _do(case.instance_id, "Task_over24_plan", world["dd_staff"],
        {"plan_started": True, "residential_first": True, "expected_restore": "2026-03-03T20:00:00+08:00",
         "plan_measures": "居民区优先恢复"})  # fmt: skip
    sms = _sms(case.case_no, "over_24h")
    assert len(sms) == 4 and all("2026年03月03日 20:00" in m.text for m in sms)
    assert "Task_over24_housing" in _open(case.instance_id)


def test_S24_8_emergency_only_from_the_hotline_or_dispatch(world):
    with pytest.raises(Forbidden):
        _emergency(world, who="lz_staff")
    with pytest.raises(Invalid):
        _emergency(world, expected_restore="2026-03-02T09:00:00+08:00")


def test_S24_5_notice_refused_without_its_four_items():
    with pytest.raises(Invalid):
        outage_notice.require_four_items("停气原因：施工\n停气范围：某小区")


# ---------------------------------------------------------------- times of what happened (issue 11, item 11)


def test_every_time_the_outage_forms_record_of_what_happened_refuses_the_future(world):
    """Publication, the report to CSC and the hotline, the housing notice, the major-incident report, the actual stop,
    an emergency's start and the restore have happened; the requested start and end, a new schedule and each
    expected restore are plans."""
    past_times.check(
        "planned_outage",
        past={"publish": [f"{key}_published_at" for key in outages.CHANNELS], "inform_csc": ["csc_informed_at"],
              "housing_notice": ["housing_sent_at"], "confirm_stop": ["stopped_at"], "restore": ["restored_at"]},
        planned={"start": ["planned_start", "planned_end"], "reschedule": ["planned_start", "planned_end"],
                 "emergency_plan": ["expected_restore"]},
    )  # fmt: skip
    past_times.check(
        "emergency_outage",
        past={"start": ["started_at"], "inform_hotline": ["hotline_informed_at"], "housing_notice": ["housing_sent_at"],
              "major_report": ["reported_at"], "restore": ["restored_at"]},
        planned={"start": ["expected_restore"], "emergency_plan": ["expected_restore"]},
    )  # fmt: skip


def test_S24_3_an_emergency_that_has_not_started_is_refused_and_nobody_is_texted(world):
    with pytest.raises(Invalid) as err:
        _emergency(world, started_at="2026-03-02T10:00:00+08:00")  # the clock reads 09:30
    assert [(p["field"], p["message"]) for p in err.value.extra["errors"]] == [
        ("started_at", "停气开始时间：不能晚于现在（现在是 03-02 09:30），请填写实际发生的时间")
    ]
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0
    case = _emergency(world, started_at="2026-03-02T09:25:00+08:00")
    assert len(_sms(case.case_no, "emergency")) == 4


def test_S24_2_the_stop_is_confirmed_only_once_it_happened(world, at):
    case = _request(world)
    iid = case.instance_id
    _do(iid, "Task_branch_agree", world["lz_head"], AGREE)
    at("2026-03-02T11:30:00+08:00")
    _do(iid, "Task_publish", world["lz_staff"], _publication())
    _do(iid, "Task_inform_csc", world["kf_agent"], {"csc_informed_at": PUBLISHED_AT, "hotline_informed": True})
    at("2026-03-05T09:01:00+08:00")
    timers.sweep()
    stop = {"stopped_at": START, "stop_confirmed": True}
    with pytest.raises(Invalid) as err:  # typed ahead, before the valve is closed
        _do(iid, "Task_confirm_stop", world["lz_staff"], {**stop, "stopped_at": "2026-03-05T09:30:00+08:00"})
    assert [(p["field"], p["message"]) for p in err.value.extra["errors"]] == [
        ("stopped_at", "实际停气时间：不能晚于现在（现在是 03-05 09:01），请填写实际发生的时间")
    ]
    assert "Task_confirm_stop" in _open(iid)
    _do(iid, "Task_confirm_stop", world["lz_staff"], stop)
    assert "Task_restore" in _open(iid)
