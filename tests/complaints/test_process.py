"""The complaint process (processes/complaint.bpmn) walked on every path of rules.md C1-C18 (issue 5)."""

from __future__ import annotations

import pytest

from app.complaints import intake as complaints
from app.core.errors import Forbidden, Invalid
from app.extensions import db
from app.models import ProcessInstance
from app.org import directory, users
from app.platform import instances, tasks, timers
from tests.complaints.talks import SUPERIOR_TALK, TALKS
from tests.walk import event_payloads as _events
from tests.walk import open_tasks as _open
from tests.walk import work as _do

RECEIVED = "2026-03-02T09:00:00+08:00"  # a Monday; 5 working days end at 24:00 on Monday 2026-03-09


def _intake(person, **overrides):
    payload = {
        "channel": "hotline",
        "received_at": RECEIVED,
        "complainant": {"name": "张三", "phone": "13800001234", "address": "利州区东坝街道1号", "anonymous": False},
        "account_no": "LZ-0001",
        "about": {"user": "lz_staff2"},
        "description": "抄表员多次未按约定上门，电话态度恶劣",
        "matter": "抄表服务",
    }
    payload.update(overrides)
    return complaints.intake(payload, person.user)


def _case(instance_id: int) -> dict:
    return instances.case_data(db.session.get(ProcessInstance, instance_id))


TRIAGE = {"severity": "general", "responsible_unit": "利州区分公司", "misconduct_alleged": False}
VALID = {"valid": True, "reason": "valid_2", "caused_by_company": True, "disputed": False}
INVALID = {"valid": False, "reason": "invalid_6", "caused_by_company": False, "disputed": False}
ANSWER = {
    "handling": "已重新安排抄表",
    "answer_text": "已致歉并约定时间",
    "answered_at": "2026-03-02T09:20:00+08:00",  # not after the clock: an answer time is never in the future
    "external_cause": False,
}
RECORD = {"process": "调查、约谈、重新上门", "result": "客户认可"}
CALLBACK_UNIT = {"unit_callback": "客户表示认可", "unit_callback_at": "2026-03-02T09:25:00+08:00"}


def _investigate(iid: int, people, investigators=("lz_staff",), conflict=False):
    _do(iid, "Task_assign", people["lz_head"], {"investigators": list(investigators), "conflict_declared": conflict})
    _do(
        iid,
        "Task_investigate",
        people[investigators[0]],
        {"facts": "属实", "findings": "员工未按约上门", "investigator_signature": "孙师傅", **TALKS},
    )
    if len(investigators) > 1:
        _do(iid, "Task_cosign", people[investigators[1]], {"cosign_agrees": True, "cosigner_signature": "周师傅"})
    _do(iid, "Task_superior", people["lz_head"], {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True})


def _investigate_major(iid: int, people):
    """C4(二)/C5.2: 客服中心 investigates a major complaint, the responsible unit assists (issue 12, item 6)."""
    _do(iid, "Task_unit_assist", people["lz_head"], {"assist_contact": "lz_head", "assist_materials": "排班表"})
    _do(iid, "Task_csc_investigate", people["kf_agent"],
        {"facts": "属实", "findings": "属实", "investigator_signature": "李坐席", **TALKS})  # fmt: skip
    _do(iid, "Task_superior", people["lz_head"], {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True})


def _handle(iid: int, people):
    _do(iid, "Task_answer", people["lz_staff"], ANSWER)
    _do(iid, "Task_record", people["lz_staff"], RECORD)
    _do(iid, "Task_record_sign", people["lz_head"], {"head_signature": "赵经理"})


def _close(iid: int, people, satisfaction="满意", **extra):
    _do(iid, "Task_callback_unit", people["lz_staff"], CALLBACK_UNIT)
    _do(iid, "Task_callback_csc", people["kf_agent"], {"satisfaction": satisfaction, "csc_callback": "已回访", **extra})


def test_C11_C12_intake_contract_is_validated_and_csc_is_told(complaint):
    with pytest.raises(Invalid) as err:
        _intake(complaint["kf_agent"], channel="12345")  # 12345 needs its ticket number
    assert any(e["field"] == "external_ref" for e in err.value.extra["errors"])
    with pytest.raises(Invalid):
        _intake(complaint["kf_agent"], received_at="2026-03-02T09:00:00")  # no offset
    with pytest.raises(Invalid):
        _intake(complaint["kf_agent"], about={"user": "nobody"})
    result = _intake(complaint["lz_staff"])  # S4: any staff member may record it
    assert not result.merged and result.case_no.startswith("TS20260302")
    [triage] = _open(result.instance_id).values()
    assert triage.spec_name == "Task_triage" and triage.candidate_group == "客服中心"
    assert triage.due_at.isoformat() == "2026-03-09T16:00:00+00:00"  # C14.1: end of 2026-03-09 in Beijing


def test_C7_1_1_first_contact_resolution_closes_general_and_still_calls_back(complaint):
    result = _intake(complaint["kf_agent"], resolved_on_call=True, answer="当场解释了抄表周期")
    assert set(_open(result.instance_id)) == {"Task_callback_unit"}  # C15.3: both rounds (issue 12, item 8)
    assert _open(result.instance_id)["Task_callback_unit"].candidate_group == "客服中心"  # CSC solved it
    _do(result.instance_id, "Task_callback_unit", complaint["kf_agent"], CALLBACK_UNIT)
    _do(
        result.instance_id, "Task_callback_csc", complaint["kf_agent"], {"satisfaction": "满意", "csc_callback": "满意"}
    )
    case = _case(result.instance_id)
    assert case["severity"] == "general" and db.session.get(ProcessInstance, result.instance_id).status == "completed"


def test_C9_valid_complaint_caused_by_company_needs_C3_5_accountability_before_closing(complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    assert set(_open(iid)) == {"Task_assign"}
    _investigate(iid, complaint)
    _do(iid, "Task_validity", complaint["kf_agent"], VALID)
    _handle(iid, complaint)
    assert set(_open(iid)) == {"Task_accountability"}
    with pytest.raises(Invalid):  # all four of 四不放过 must be recorded
        _do(iid, "Task_accountability", complaint["lz_staff"], {"cause": "排班混乱"})
    four = {"cause": "排班混乱", "responsible_people": "周师傅", "people_handling": "通报批评", "measures": "重新排班"}
    _do(iid, "Task_accountability", complaint["lz_staff"], four)
    _do(iid, "Task_measures_check", complaint["kf_agent"], {"measures_done": False, "check_note": "尚未落实"})
    assert set(_open(iid)) == {"Task_accountability"}  # not closed until the measures are carried out
    _do(iid, "Task_accountability", complaint["lz_staff"], four)
    _do(iid, "Task_measures_check", complaint["kf_agent"], {"measures_done": True, "check_note": "已落实"})
    _close(iid, complaint)
    assert db.session.get(ProcessInstance, iid).status == "completed"


def test_C9_invalid_complaint_skips_accountability(complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    with pytest.raises(Invalid):  # an invalid complaint takes an invalid reason code (C9)
        _do(iid, "Task_validity", complaint["kf_agent"], {**INVALID, "reason": "valid_1"})
    _do(iid, "Task_validity", complaint["kf_agent"], INVALID)
    _handle(iid, complaint)
    assert set(_open(iid)) == {"Task_callback_unit"}
    _close(iid, complaint)
    assert db.session.get(ProcessInstance, iid).status == "completed"


def test_C10_disputed_ruling_goes_to_the_supervision_committee(complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    _do(iid, "Task_validity", complaint["kf_agent"], {**INVALID, "disputed": True})
    [ruling] = _open(iid).values()
    assert ruling.spec_name == "Task_committee" and ruling.candidate_group == "监督委员会"
    member = users.get_by_username("jd_member")
    tasks.claim(ruling.id, member)
    instances.complete_task(ruling.id, {"valid": True, "ruling": "裁定有效"}, member)
    assert set(_open(iid)) == {"Task_answer"}


def test_C7_C6_major_complaint_with_misconduct_opens_a_parallel_discipline_task(complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    with pytest.raises(Invalid):  # a major complaint names its C7 criteria
        _do(iid, "Task_triage", complaint["kf_agent"], {**TRIAGE, "severity": "major", "misconduct_alleged": True})
    _do(iid, "Task_triage", complaint["kf_agent"],
        {**TRIAGE, "severity": "major", "major_criteria": ["personal_gain"], "misconduct_alleged": True})  # fmt: skip
    open_now = _open(iid)
    assert set(open_now) == {"Task_csc_investigate", "Task_unit_assist", "Task_discipline"}  # C4(二), C5.2
    assert open_now["Task_discipline"].candidate_group == "纪检监审法务部"
    _do(iid, "Task_unit_assist", complaint["lz_head"], {"assist_contact": "lz_head", "assist_materials": "排班表"})
    _do(iid, "Task_csc_investigate", complaint["kf_agent"],
        {"facts": "属实", "findings": "属实", "investigator_signature": "李坐席", **TALKS})  # fmt: skip
    _do(
        iid,
        "Task_superior",
        complaint["lz_head"],
        {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True},
    )
    assert "Task_validity" not in _open(iid)  # waits for the discipline check too
    _do(iid, "Task_discipline", complaint["jj_staff"], {"discipline_findings": "属实", "discipline_action": "警告"})
    assert set(_open(iid)) == {"Task_validity"}


def test_C13_2_5_complainee_can_never_investigate(complaint, client):
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    assign = _open(iid)["Task_assign"]
    with pytest.raises(Forbidden):  # the complainee is in the responsible unit but excluded from the case's tasks
        tasks.claim(assign.id, complaint["lz_staff2"].user)
    group = client.get("/api/v1/tasks?scope=group", headers=complaint["lz_staff2"].headers).json["tasks"]
    assert assign.id not in [t["id"] for t in group]  # not offered in their group inbox
    assert assign.id in [
        t["id"] for t in client.get("/api/v1/tasks?scope=group", headers=complaint["lz_staff"].headers).json["tasks"]
    ]
    response = client.post(f"/api/v1/tasks/{assign.id}/claim", headers=complaint["lz_staff2"].headers)
    assert response.status_code == 403 and "被投诉人" in response.json["detail"]
    response = client.post(
        f"/api/v1/tasks/{assign.id}/complete",
        json={"data": {"investigators": ["lz_staff"], "conflict_declared": False}},
        headers=complaint["lz_staff2"].headers,
    )
    assert response.status_code == 403
    with pytest.raises(Invalid):  # nor be named investigator
        _do(iid, "Task_assign", complaint["lz_head"], {"investigators": ["lz_staff2"], "conflict_declared": False})


def test_C13_2_5_conflict_of_interest_needs_two_investigators_who_both_sign(complaint):
    directory.declare_conflict(complaint["lz_staff"].user, "lz_staff2", "friend", "同组多年")
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    with pytest.raises(Invalid) as err:  # on record in the directory, though not declared on the form
        _do(iid, "Task_assign", complaint["lz_head"], {"investigators": ["lz_staff"], "conflict_declared": False})
    assert "C13.2.5" in err.value.extra["errors"][0]["message"]
    _do(
        iid, "Task_assign", complaint["lz_head"], {"investigators": ["lz_staff", "lz_head"], "conflict_declared": False}
    )
    investigate = _open(iid)["Task_investigate"]
    assert investigate.assignee_id == complaint["lz_staff"].user.id
    _do(
        iid,
        "Task_investigate",
        complaint["lz_staff"],
        {"facts": "属实", "findings": "属实", "investigator_signature": "孙师傅", **TALKS},
    )
    cosign = _open(iid)["Task_cosign"]
    assert cosign.assignee_id == complaint["lz_head"].user.id
    _do(iid, "Task_cosign", complaint["lz_head"], {"cosign_agrees": True, "cosigner_signature": "赵经理"})
    superior = _open(iid)["Task_superior"]
    assert (
        superior.assignee_id == complaint["lz_head"].user.id
    )  # C13.2.4: lz_staff2's direct superior, from the directory
    case = _case(iid)
    assert case["conflict_on_record"] == ["lz_staff"] and case["investigator_signature"] and case["cosigner_signature"]


def _to_answer(iid: int, people):
    _do(iid, "Task_triage", people["kf_agent"], TRIAGE)
    _investigate(iid, people)
    _do(iid, "Task_validity", people["kf_agent"], VALID)


def test_C14_1_C15_2_reminder_the_day_before_and_escalation_on_breach_once(complaint, at):
    iid = _intake(complaint["kf_agent"]).instance_id
    _to_answer(iid, complaint)
    at("2026-03-06T08:29:00+08:00")
    timers.sweep()
    assert "Task_reminder" not in _open(iid)
    at("2026-03-06T08:30:01+08:00")  # Friday 08:30: the working day before the deadline's day (issue 12, item 4)
    timers.sweep()
    assert "Task_reminder" in _open(iid)
    at("2026-03-10T00:00:01+08:00")  # end of the 5th working day passed
    timers.sweep()
    timers.sweep()
    open_now = _open(iid)
    assert open_now["Task_escalate_head"].candidate_group == "部门负责人@利州区分公司"
    assert open_now["Task_escalate_csc"].candidate_group == "客服中心"
    assert "Task_answer" in open_now  # the answer is still owed
    fired = [t for e in _events(iid, "timer_fired") for t in e["timers"]]
    assert fired.count("Timer_breach") == 1 and fired.count("Timer_reminder") == 1
    assert [e["rule"] for e in _events(iid, "escalated")] == ["C15.2"]  # the reminder is not an escalation


def test_C15_3_C8_unsatisfied_callback_reopens_as_repeat_and_rudeness_upgrades_to_major(complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    _to_answer(iid, complaint)
    _handle(iid, complaint)
    _do(iid, "Task_accountability", complaint["lz_staff"],
        {"cause": "c", "responsible_people": "r", "people_handling": "h", "measures": "m"})  # fmt: skip
    _do(iid, "Task_measures_check", complaint["kf_agent"], {"measures_done": True, "check_note": "ok"})
    with pytest.raises(Invalid):  # an unsatisfied rating says why (C8)
        _close(iid, complaint, satisfaction="不满意")
    _do(iid, "Task_callback_csc", complaint["kf_agent"],
        {"satisfaction": "不满意", "csc_callback": "仍不满意", "repeat_reason": "rude_or_threat"})  # fmt: skip
    assert set(_open(iid)) == {"Task_answer"}
    case = _case(iid)
    assert case["repeat_count"] == 1 and case["severity"] == "major" and case["upgraded_to_major"] is True


def test_repeat_complaint_on_the_same_matter_is_merged_into_the_open_case(complaint):
    first = _intake(complaint["kf_agent"])
    again = _intake(complaint["kf_agent"], description="又打电话来投诉同一件事")
    assert again.merged and again.instance_id == first.instance_id and again.case_no == first.case_no
    [merged] = _events(first.instance_id, "repeat_merged")
    assert merged["complaint"]["description"] == "又打电话来投诉同一件事"  # never lost
    other = _intake(complaint["kf_agent"], matter="燃气费")  # a different matter is a new case
    assert not other.merged and other.instance_id != first.instance_id


def test_C8_external_complaint_on_an_internal_one_is_flagged_internal_to_external(complaint):
    first = _intake(complaint["kf_agent"], resolved_on_call=True, answer="已解释")
    _do(first.instance_id, "Task_callback_unit", complaint["kf_agent"], CALLBACK_UNIT)
    _do(first.instance_id, "Task_callback_csc", complaint["kf_agent"], {"satisfaction": "满意", "csc_callback": "ok"})
    external = _intake(complaint["kf_agent"], channel="12345", external_ref="GY2026030200123")
    assert not external.merged and external.internal_to_external
    case = _case(external.instance_id)
    assert case["internal_to_external"] is True and case["escalated_from"] == first.case_no
    [escalation] = _events(external.instance_id, "escalated")
    assert escalation["rule"] == "C8" and escalation["earlier_case_no"] == first.case_no
    while_open = _intake(complaint["kf_agent"], channel="counter", matter="燃气费")
    merged = _intake(complaint["kf_agent"], channel="12345", external_ref="GY2", matter="燃气费")
    assert merged.merged and merged.instance_id == while_open.instance_id and merged.internal_to_external


def test_item5_C13_2_5_complainee_reads_nothing_of_the_case(app, complaint, client):
    """Issue 13, item 5: claiming was refused, but the API showed lz_staff2 the complainant's name, phone and address.
    Every read — API and pages, case, events, task, diagram, attachments — is refused now; a colleague still reads."""
    from app.platform import attachments
    from tests.web.test_pages import sign_in

    iid = _intake(complaint["kf_agent"]).instance_id
    task = next(t for t in tasks.of_instance(iid) if t.state == "ready")
    file = attachments.add(iid, complaint["kf_agent"].user, "evidence", "录音.txt", "text/plain", b"recording")
    complainee = complaint["lz_staff2"].headers
    for url in (f"/api/v1/instances/{iid}", f"/api/v1/instances/{iid}/events", f"/api/v1/tasks/{task.id}"):
        refused = client.get(url, headers=complainee)
        assert refused.status_code == 403 and "13800001234" not in refused.get_data(as_text=True), url
    colleague = client.get(f"/api/v1/instances/{iid}", headers=complaint["kf_head"].headers)
    assert colleague.status_code == 200 and colleague.get_json()["data"]["complainant"]["phone"] == "13800001234"
    browser = sign_in(app, "lz_staff2")
    for url in (f"/cases/{iid}", f"/cases/{iid}/diagram.xml", f"/tasks/{task.id}",
                f"/cases/{iid}/attachments/{file['attachment_id']}"):  # fmt: skip
        page = browser.get(url)
        assert page.status_code == 403 and "张三" not in page.get_data(as_text=True), url
    assert sign_in(app, "kf_head").get(f"/cases/{iid}").status_code == 200
