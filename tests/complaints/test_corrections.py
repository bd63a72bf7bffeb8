"""Issue 12: complaint.bpmn corrected against the seed (附件3 用户投诉管理办法); each test names the rule it enforces."""

from __future__ import annotations

import pytest

from app.core.errors import Invalid
from app.org import directory
from app.platform import timers
from tests.complaints.test_process import ANSWER, RECORD, TRIAGE, _case, _intake
from tests.walk import event_payloads as _events
from tests.walk import open_tasks as _open
from tests.walk import work as _do


def test_C13_2_5_two_conflicted_investigators_do_not_pass(complaint):
    """Item 11: a second investigator dilutes one conflict; at least one investigator must have none."""
    directory.declare_conflict(complaint["lz_staff"].user, "lz_staff2", "friend", "同组多年")
    directory.declare_conflict(complaint["lz_head"].user, "lz_staff2", "relative", "亲属")
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    with pytest.raises(Invalid) as err:  # both on record in the directory
        _do(
            iid,
            "Task_assign",
            complaint["lz_head"],
            {"investigators": ["lz_staff", "lz_head"], "conflict_declared": True},
        )
    assert "无利害关系" in err.value.extra["errors"][0]["message"]
    with pytest.raises(Invalid):  # one on record, the other declared on the form
        _do(iid, "Task_assign", complaint["lz_head"],
            {"investigators": ["lz_staff", "kf_agent"], "conflict_declared": True,
             "conflicted_investigators": ["kf_agent"]})  # fmt: skip
    _do(iid, "Task_assign", complaint["lz_head"],
        {"investigators": ["lz_staff", "kf_agent"], "conflict_declared": True})  # fmt: skip
    assert _open(iid)["Task_investigate"].assignee_id == complaint["lz_staff"].user.id


def test_C10_other_case_may_be_ruled_valid_by_csc_with_its_reason(complaint):
    """Item 7: a case outside the C9 lists is ruled by CSC either way, with its own stated reason (C10)."""
    from tests.complaints.test_process import _investigate

    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    with pytest.raises(Invalid):  # the reason is stated
        _do(iid, "Task_validity", complaint["kf_agent"],
            {"valid": True, "reason": "other", "caused_by_company": True, "disputed": False})  # fmt: skip
    _do(iid, "Task_validity", complaint["kf_agent"],
        {"valid": True, "reason": "other", "reason_note": "燃气表箱位置不当，参照 S21 认定有效",
         "caused_by_company": True, "disputed": False})  # fmt: skip
    case = _case(iid)
    assert case["valid"] is True and case["reason"] == "other" and "Task_answer" in _open(iid)


def test_C12_intake_needs_the_complainants_address_unless_anonymous(complaint):
    """Item 9: C12 asks the complainant's 姓名、地址、电话; an anonymous complaint keeps its own rule (C9 invalid 4)."""
    with pytest.raises(Invalid) as err:
        _intake(complaint["kf_agent"], complainant={"name": "张三", "phone": "13800001234", "anonymous": False})
    assert [e["field"] for e in err.value.extra["errors"]] == ["complainant.address"]
    with pytest.raises(Invalid):
        _intake(
            complaint["kf_agent"], complainant={"name": "张三", "phone": "138000012", "address": "", "anonymous": False}
        )
    anonymous = _intake(complaint["kf_agent"], complainant={"anonymous": True}, matter="匿名")
    assert _case(anonymous.instance_id)["complainant"] == {"anonymous": True}


def _answered(iid: int, people) -> None:
    from tests.complaints.test_process import _to_answer

    _to_answer(iid, people)
    _do(iid, "Task_answer", people["lz_staff"], ANSWER)


def test_C15_1_one_day_is_a_calendar_day_for_the_record_and_the_heads_signature(complaint, at):
    """Item 3: "1日" ends at 24:00 of the day after the answer (Civil Code art. 201, 203), not 24 clock hours later;
    the department head's signature on the 信息处理表 is due by then too, and escalated when late."""
    iid = _intake(complaint["kf_agent"]).instance_id
    at("2026-03-04T10:00:00+08:00")  # answered on Wednesday at 10:00: the record is due by the end of Thursday
    _answered(iid, complaint)
    record = _open(iid)["Task_record"]
    assert record.due_at.isoformat() == "2026-03-05T16:00:00+00:00"  # 2026-03-06 00:00 Beijing
    at("2026-03-05T23:59:00+08:00")  # more than 24 hours later, still within the day
    timers.sweep()
    assert "Task_record_late" not in _open(iid)
    _do(iid, "Task_record", complaint["lz_staff"], RECORD)
    sign = _open(iid)["Task_record_sign"]
    assert sign.due_at.isoformat() == "2026-03-05T16:00:00+00:00"  # the signature belongs to the same day
    at("2026-03-06T00:00:01+08:00")
    timers.sweep()
    assert "Task_sign_late" in _open(iid) and _open(iid)["Task_sign_late"].candidate_group == "客服中心"
    assert [e["rule"] for e in _events(iid, "escalated")] == ["C15.1"]


def test_C15_1_late_record_is_escalated_at_the_end_of_the_next_day(complaint, at):
    iid = _intake(complaint["kf_agent"]).instance_id
    at("2026-03-04T10:00:00+08:00")
    _answered(iid, complaint)
    at("2026-03-06T00:00:01+08:00")
    timers.sweep()
    assert {"Task_record_late", "Task_record"} <= set(_open(iid))
    assert [e["rule"] for e in _events(iid, "escalated")] == ["C15.1"]
    _do(iid, "Task_record", complaint["lz_staff"], RECORD)  # filed late: the signature is late from the start
    assert {"Task_record_sign", "Task_sign_late"} <= set(_open(iid))
    assert [e["timer"] for e in _events(iid, "escalated")] == ["Timer_record_late", "Timer_sign_late"]


def test_C15_1_record_due_on_a_day_off_moves_to_the_next_working_day(complaint, at):
    """Item 3: answered on Friday, "1日" ends on Saturday, a day off: the record is due by the end of Monday (art. 203)."""
    iid = _intake(complaint["kf_agent"]).instance_id
    at("2026-03-06T17:00:00+08:00")
    _answered(iid, complaint)
    assert _open(iid)["Task_record"].due_at.isoformat() == "2026-03-09T16:00:00+00:00"


def test_C14_1_due_tomorrow_reminder_is_sent_at_0830_of_the_working_day_before(complaint, at):
    """Item 4: a deadline at the end of Monday 2026-03-09 is reminded on Friday 2026-03-06 at 08:30 Beijing time,
    never at 00:00 on Saturday; the time is the company setting due_reminder_minutes."""
    from app.platform import company_settings

    iid = _intake(complaint["kf_agent"]).instance_id
    case = _case(iid)
    assert case["reminder_at"] == "2026-03-06T08:30:00+08:00"
    company_settings.put("due_reminder_minutes", 9 * 60, complaint["admin"].user)
    later = _intake(complaint["kf_agent"], matter="燃气费", received_at="2026-02-27T09:00:00+08:00").instance_id
    # 2026-02-28 (Saturday) is a make-up workday: due by the end of Thursday 03-05, reminded Wednesday 09:00
    assert _case(later)["reminder_at"] == "2026-03-04T09:00:00+08:00"
    from tests.complaints.test_process import _to_answer

    _to_answer(iid, complaint)
    at("2026-03-07T00:00:01+08:00")
    timers.sweep()
    fired = [t for e in _events(iid, "timer_fired") for t in e["timers"]]
    assert fired == ["Timer_reminder"]
    [event] = _events(iid, "timer_fired")
    assert event["due"]["Timer_reminder"] == "2026-03-06T00:30:00+00:00"


def _reopen(iid: int, people, at) -> None:
    """Answered on time on Wednesday 2026-03-04; the callback on Thursday finds the customer unsatisfied (C15.3)."""
    from tests.complaints.test_process import _handle, _to_answer

    at("2026-03-04T10:00:00+08:00")
    _to_answer(iid, people)
    _handle(iid, people)
    _do(iid, "Task_accountability", people["lz_staff"],
        {"cause": "c", "responsible_people": "r", "people_handling": "h", "measures": "m"})  # fmt: skip
    _do(iid, "Task_measures_check", people["kf_agent"], {"measures_done": True, "check_note": "ok"})
    at("2026-03-05T10:00:00+08:00")
    _callbacks(iid, people, "不满意", repeat_reason="no_communication")


def _callbacks(iid: int, people, satisfaction: str, **extra) -> None:
    from tests.complaints.test_process import CALLBACK_UNIT

    _do(iid, "Task_callback_unit", people["lz_staff"], CALLBACK_UNIT)
    _do(iid, "Task_callback_csc", people["kf_agent"], {"satisfaction": satisfaction, "csc_callback": "回访", **extra})


def test_C14_1_C15_2_reopened_complaint_gets_a_fresh_limit_with_the_same_timers(complaint, at):
    """Item 1 (decision in docs/complaints.md): an unsatisfied callback is a repeat complaint received at the
    reopening (C15.3, C8), owed a fresh C14.1 limit of 5 working days from then; the reminder and the C15.2 breach
    come from the same timers as the first round, in the history, and the monthly report counts the breach."""
    from app.complaints import report as complaint_report

    iid = _intake(complaint["kf_agent"]).instance_id
    _reopen(iid, complaint, at)
    assert set(_open(iid)) == {"Task_answer"}  # not the reminder and both escalations at once
    answer = _open(iid)["Task_answer"]
    assert answer.due_at.isoformat() == "2026-03-12T16:00:00+00:00"  # end of Thursday 03-12: 5 working days
    case = _case(iid)
    assert case["first_answer_due"] == "2026-03-10T00:00:00+08:00" and case["reopened_at"]
    at("2026-03-11T08:29:00+08:00")
    timers.sweep()
    assert set(_open(iid)) == {"Task_answer"}
    at("2026-03-11T08:30:01+08:00")
    timers.sweep()
    assert set(_open(iid)) == {"Task_answer", "Task_reminder"}
    at("2026-03-13T00:00:01+08:00")
    timers.sweep()
    assert {"Task_escalate_head", "Task_escalate_csc", "Task_answer"} <= set(_open(iid))
    fired = [t for e in _events(iid, "timer_fired") for t in e["timers"]]
    assert fired == ["Timer_reminder", "Timer_breach"]
    assert [e["rule"] for e in _events(iid, "escalated")] == ["C15.2"]
    report = complaint_report.compile_month("2026-03")
    [line] = report.cases
    assert line.on_time is True and line.breached is True  # the first answer was on time; the reopened one late
    assert report.escalations()["breached"] == 1


def test_C14_1_reopened_after_a_late_first_answer_keeps_the_first_breach_on_record(complaint, at):
    """Item 1: when the first answer was already late, that breach stays recorded (Timer_breach fired then) and the
    reopened round is owed its own limit, not the past one."""
    from app.complaints import report as complaint_report
    from tests.complaints.test_process import _to_answer

    iid = _intake(complaint["kf_agent"]).instance_id
    _to_answer(iid, complaint)
    at("2026-03-10T00:00:01+08:00")
    timers.sweep()
    timers.sweep()
    _do(iid, "Task_escalate_head", complaint["lz_head"], {"followup": "督办"})
    _do(iid, "Task_escalate_csc", complaint["kf_agent"], {"followup": "跟踪"})
    _do(iid, "Task_reminder", complaint["lz_staff"], {})
    at("2026-03-10T10:00:00+08:00")
    from tests.complaints.test_process import _handle

    _handle(iid, complaint)
    _do(iid, "Task_accountability", complaint["lz_staff"],
        {"cause": "c", "responsible_people": "r", "people_handling": "h", "measures": "m"})  # fmt: skip
    _do(iid, "Task_measures_check", complaint["kf_agent"], {"measures_done": True, "check_note": "ok"})
    _callbacks(iid, complaint, "非常不满意", repeat_reason="other")
    assert set(_open(iid)) == {"Task_answer"}
    assert _open(iid)["Task_answer"].due_at.isoformat() == "2026-03-17T16:00:00+00:00"
    [line] = complaint_report.compile_month("2026-03").cases
    assert line.on_time is False and line.breached is True


def test_C13_2_4_talks_with_both_parties_and_the_superior_are_recorded_and_a_disagreement_shown(complaint, app):
    """Item 10: "应给投诉双方及被投诉人的直接领导进行沟通，陈诉事实经过" — who, when, how and what was said, for the
    complainant, the person complained about and the direct superior; a disagreement is shown to 客服中心 ruling."""
    from tests.complaints.talks import SUPERIOR_TALK, TALKS
    from tests.web.test_pages import sign_in

    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _do(iid, "Task_assign", complaint["lz_head"], {"investigators": ["lz_staff"], "conflict_declared": False})
    findings = {"facts": "属实", "findings": "员工未按约上门", "investigator_signature": "孙师傅"}
    with pytest.raises(Invalid) as err:  # the talks with both parties are part of the findings
        _do(iid, "Task_investigate", complaint["lz_staff"], findings)
    assert {e["field"] for e in err.value.extra["errors"]} >= {"complainant_talked_at", "complainee_said"}
    disputed = {"complainee_said": "否认态度恶劣，称客户先辱骂", "complainee_agrees": False}
    _do(iid, "Task_investigate", complaint["lz_staff"], {**findings, **TALKS, **disputed})
    with pytest.raises(Invalid):  # when and how the superior was told
        _do(iid, "Task_superior", complaint["lz_head"], {"superior_opinion": "同意", "superior_agrees": True})
    _do(
        iid,
        "Task_superior",
        complaint["lz_head"],
        {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True},
    )
    case = _case(iid)
    assert case["complainant_talk_how"] == "phone" and case["complainee_agrees"] is False
    assert case["superior_talk_how"] == "in_person" and case["superior"] == "lz_head"
    assert case["disagreements"] == "被投诉人lz_staff2不认可：否认态度恶劣，称客户先辱骂"
    validity = _open(iid)["Task_validity"]
    page = sign_in(app, "kf_agent").get(f"/tasks/{validity.id}").get_data(as_text=True)
    assert "沟通中的不同意见" in page and "否认态度恶劣，称客户先辱骂" in page


def test_C15_3_first_contact_complaint_gets_both_callback_rounds(complaint):
    """Item 8: "二次回访制" for every path: a complaint solved on the call gets the first round (its handling unit is
    客服中心 then) and the second, CSC's rated phone callback for the hotline channel."""
    from tests.complaints.test_process import CALLBACK_UNIT

    iid = _intake(complaint["kf_agent"], resolved_on_call=True, answer="当场解释了抄表周期").instance_id
    assert set(_open(iid)) == {"Task_callback_unit"} and _open(iid)["Task_callback_unit"].candidate_group == "客服中心"
    _do(iid, "Task_callback_unit", complaint["kf_agent"], CALLBACK_UNIT)
    assert set(_open(iid)) == {"Task_callback_csc"}
    _do(iid, "Task_callback_csc", complaint["kf_agent"], {"satisfaction": "满意", "csc_callback": "电话回访"})
    assert _open(iid) == {}


def test_C15_3_external_channel_callback_result_is_the_channels_not_a_csc_rating(complaint, at):
    """Item 8: "其他渠道的投诉以各渠道回访后反馈的结果为准" — a 12345 complaint's second round records what the 12345
    platform's callback reported; CSC is not asked to rate, and an unsatisfied channel result reopens the case."""
    from tests.complaints.test_process import CALLBACK_UNIT, INVALID, _handle, _investigate

    iid = _intake(complaint["kf_agent"], channel="12345", external_ref="GY2026030200123").instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    _do(iid, "Task_validity", complaint["kf_agent"], INVALID)
    _handle(iid, complaint)
    _do(iid, "Task_callback_unit", complaint["lz_staff"], CALLBACK_UNIT)
    assert (
        set(_open(iid)) == {"Task_channel_result"} and _open(iid)["Task_channel_result"].candidate_group == "客服中心"
    )
    with pytest.raises(Invalid):  # an unsatisfied result says why (C8)
        _do(iid, "Task_channel_result", complaint["kf_agent"],
            {"channel_callback_at": "2026-03-06T10:00:00+08:00", "channel_callback_result": "不满意",
             "satisfaction": "不满意"})  # fmt: skip
    _do(iid, "Task_channel_result", complaint["kf_agent"],
        {"channel_callback_at": "2026-03-06T10:00:00+08:00", "channel_callback_result": "12345 回访：不认可处理结果",
         "satisfaction": "不满意", "repeat_reason": "result_not_accepted"})  # fmt: skip
    case = _case(iid)
    assert case["channel_callback_result"] == "12345 回访：不认可处理结果" and "csc_callback" not in case
    assert set(_open(iid)) == {"Task_answer"} and case["repeat_count"] == 1


def test_C4_C5_2_major_complaint_is_investigated_by_csc_with_the_unit_assisting(complaint):
    """Item 6: C4(二) gives 客服中心 the investigation of complaints and C5.2 has the units "配合客服中心进行重大投诉事件
    的调查": a major complaint's investigation is 客服中心's task, with a task for the responsible unit's contact;
    a general one is investigated by the unit as before."""
    from tests.complaints.talks import SUPERIOR_TALK, TALKS

    major = {**TRIAGE, "severity": "major", "major_criteria": ["broke_rules_or_promise"]}
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], major)
    open_now = _open(iid)
    assert set(open_now) == {"Task_csc_investigate", "Task_unit_assist"}
    assert open_now["Task_csc_investigate"].candidate_group == "客服中心"
    assert open_now["Task_unit_assist"].candidate_group == "利州区分公司"
    with pytest.raises(Invalid):  # the person complained about does not assist their own investigation (C13.2.5)
        _do(iid, "Task_unit_assist", complaint["lz_head"], {"assist_contact": "lz_staff2", "assist_materials": "x"})
    _do(iid, "Task_unit_assist", complaint["lz_head"], {"assist_contact": "lz_staff", "assist_materials": "派单记录"})
    _do(iid, "Task_csc_investigate", complaint["kf_head"],
        {"facts": "属实", "findings": "属实", "investigator_signature": "客服中心", **TALKS})  # fmt: skip
    superior = _open(iid)["Task_superior"]
    assert superior.assignee_id == complaint["lz_head"].user.id  # C13.2.4: from the directory, as on the general path
    _do(
        iid,
        "Task_superior",
        complaint["lz_head"],
        {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True},
    )
    assert set(_open(iid)) == {"Task_validity"}
    general = _intake(complaint["kf_agent"], matter="燃气费").instance_id
    _do(general, "Task_triage", complaint["kf_agent"], TRIAGE)
    assert set(_open(general)) == {"Task_assign"}
