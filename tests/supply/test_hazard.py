"""The hazard process (processes/hazard_disconnection.bpmn) on every path of S24.7 and S24.8 (issue 6 §8), with the
clock moved by the `at` fixture."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import Invalid
from app.customers import records as customers
from app.extensions import db
from app.models import Customer, ProcessInstance
from app.org import users
from app.platform import audit, definitions
from app.settings import PROJECT_ROOT
from app.supply import hazard
from tests import past_times
from tests.bpmn_paths import reachable_without, with_extra_flow
from tests.walk import open_tasks as _open
from tests.walk import work as _do

ACCOUNT = "LZ-0009"


@pytest.fixture
def inspection(app, people, at):
    # Found at 09:00 on the round, the notice served on the spot (10:00), the major-hazard measures taken by 11:00:
    # recorded back at the office, after all of it (a time of what happened is never in the future, x-past).
    at("2026-03-02T11:30:00+08:00")
    definitions.deploy((PROJECT_ROOT / "processes" / "hazard_disconnection.bpmn").read_bytes(), "x.bpmn")
    customers.create(
        {"account_no": ACCOUNT, "name": "王五", "customer_class": "A2", "district": "利州区", "street": "东坝街道",
         "phones": ["13800009999"], "branch": "利州区分公司", "manager": "lz_staff"},
        people["admin"].user,
    )  # fmt: skip
    return people


def _status(iid: int) -> str:
    return db.session.get(ProcessInstance, iid, populate_existing=True).status


def _supply() -> str:
    query = select(Customer.supply_status).where(Customer.account_no == ACCOUNT)
    return db.session.scalar(query.execution_options(populate_existing=True))


NOTICE = {"notice_no": "YH-001", "rectification_required": "拆除私接软管，改用金属波纹管", "rectify_days": 5,
          "major_hazard": False, "branch_can_handle": True, "served_how": "in_person",
          "served_at": "2026-03-02T10:00:00+08:00", "served_to": "王五"}  # fmt: skip
NOT_RECTIFIED = {"reinspected_at": "2026-03-10T10:00:00+08:00", "rectified": False, "reinspect_findings": "未整改"}
APPROVE = {"signoff_decision": "approve", "head_signature": "赵经理", "signoff_opinion": "逾期未整改，同意停气"}


def _start(people, **extra) -> int:
    payload = {"account_no": ACCOUNT, "hazard_description": "私接橡胶软管，老化开裂",
               "found_at": "2026-03-02T09:00:00+08:00", **extra}  # fmt: skip
    return hazard.open_case(payload, people["lz_staff"].user).instance_id


def test_S24_7_written_notice_with_deadline_then_rectified_closes(inspection, at):
    iid = _start(inspection)
    notice = _open(iid)["Task_hazard_notice"]
    assert notice.candidate_group == "利州区分公司"
    with pytest.raises(Invalid):  # the notice states the deadline and its service
        _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, {**NOTICE, "served_to": ""})
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, NOTICE)
    reinspect = _open(iid)["Task_reinspect"]
    assert reinspect.due_at.isoformat() == "2026-03-09T16:00:00+00:00"  # 5 days after service, to 24:00 (Beijing)
    at("2026-03-09T15:00:00+08:00")
    _do(iid, "Task_reinspect", inspection["lz_staff"].user,
        {"reinspected_at": "2026-03-09T15:00:00+08:00", "rectified": True, "reinspect_findings": "已整改"})  # fmt: skip
    assert _status(iid) == "completed" and _supply() == "normal"


def test_S24_7_S24_8_not_rectified_head_signs_csc_told_before_disconnect_then_restore_after_verification(
    inspection, at
):
    iid = _start(inspection)
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, NOTICE)
    at("2026-03-10T10:00:00+08:00")
    _do(iid, "Task_reinspect", inspection["lz_staff"].user, NOT_RECTIFIED)
    signoff = _open(iid)["Task_hazard_signoff"]
    assert signoff.candidate_group == "部门负责人@利州区分公司"
    with pytest.raises(Invalid):  # an extension says how long
        _do(iid, "Task_hazard_signoff", inspection["lz_head"].user, {**APPROVE, "signoff_decision": "extend"})
    _do(iid, "Task_hazard_signoff", inspection["lz_head"].user, APPROVE)
    # S24.8 (issue 12, item 12): CSC and the hotline are told before the crew cuts supply
    assert set(_open(iid)) == {"Task_hazard_notify_csc"} and _supply() != "disconnected"
    assert _open(iid)["Task_hazard_notify_csc"].candidate_group == "客服中心"
    at("2026-03-10T10:15:00+08:00")
    _do(iid, "Task_hazard_notify_csc", inspection["kf_agent"].user,
        {"csc_informed_at": "2026-03-10T10:10:00+08:00", "hotline_informed": True})  # fmt: skip
    assert set(_open(iid)) == {"Task_hazard_disconnect"}
    at("2026-03-10T11:10:00+08:00")
    _do(iid, "Task_hazard_disconnect", inspection["lz_staff"].user,
        {"disconnected_at": "2026-03-10T11:00:00+08:00", "meter_reading": 88, "disconnect_method": "valve_lock"})  # fmt: skip
    assert _supply() == "disconnected"
    assert set(_open(iid)) == {"Task_verify"}
    failed = {"verified_at": "2026-03-11T10:00:00+08:00", "verified_rectified": False, "verify_findings": "仍未整改"}
    at("2026-03-11T10:10:00+08:00")
    _do(iid, "Task_verify", inspection["lz_staff"].user, failed)
    assert "Task_hazard_restore" not in _open(iid) and _supply() == "disconnected"  # no restore before verification
    _do(
        iid,
        "Task_verify",
        inspection["lz_staff"].user,
        {**failed, "verified_rectified": True, "verify_findings": "合格"},
    )
    at("2026-03-12T10:10:00+08:00")
    _do(iid, "Task_hazard_restore", inspection["lz_staff"].user,
        {"restored_at": "2026-03-12T10:00:00+08:00", "meter_reading_restored": 88})  # fmt: skip
    assert _supply() == "normal"
    assert _status(iid) == "completed"
    assert audit.replay(iid).ok


def test_S24_7_head_may_extend_the_deadline_or_close_without_disconnection(inspection, at):
    iid = _start(inspection)
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, NOTICE)
    at("2026-03-10T10:00:00+08:00")
    _do(iid, "Task_reinspect", inspection["lz_staff"].user, NOT_RECTIFIED)
    _do(iid, "Task_hazard_signoff", inspection["lz_head"].user,
        {**APPROVE, "signoff_decision": "extend", "extend_days": 3, "signoff_opinion": "客户已购材料"})  # fmt: skip
    assert _open(iid)["Task_reinspect"].due_at.isoformat() == "2026-03-13T16:00:00+00:00"
    _do(iid, "Task_reinspect", inspection["lz_staff"].user, NOT_RECTIFIED)
    _do(iid, "Task_hazard_signoff", inspection["lz_head"].user,
        {**APPROVE, "signoff_decision": "close", "signoff_opinion": "隐患已由物业处置"})  # fmt: skip
    assert _status(iid) == "completed" and _supply() == "normal"


def test_S24_7_major_hazard_the_branch_cannot_handle_goes_to_safety_and_emergency(inspection):
    iid = _start(inspection)
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, {**NOTICE, "major_hazard": True,
                                                                  "branch_can_handle": False})  # fmt: skip
    open_now = _open(iid)
    assert open_now["Task_safety"].candidate_group == "安全部"
    assert open_now["Task_emergency"].candidate_group == "应急中心"
    _do(iid, "Task_safety", users.get_by_username("aq_staff"),
        {"safety_measures": "关闭立管阀门", "safety_handled_at": "2026-03-02T11:00:00+08:00"})  # fmt: skip
    assert "Task_reinspect" not in _open(iid)  # waits for the emergency center too
    _do(iid, "Task_emergency", users.get_by_username("yj_staff"),
        {"emergency_measures": "现场警戒", "emergency_handled_at": "2026-03-02T10:30:00+08:00"})  # fmt: skip
    assert set(_open(iid)) == {"Task_reinspect"}


def test_S24_7_no_path_reaches_disconnection_without_the_heads_approval():
    xml = (PROJECT_ROOT / "processes" / "hazard_disconnection.bpmn").read_bytes()
    reachable, unsigned = reachable_without(xml, "Task_hazard_disconnect", "Flow_approved")
    assert reachable and not unsigned
    assert b'sourceRef="Task_hazard_signoff" targetRef="Gateway_hazard_signoff"' in xml
    shortcut = with_extra_flow(xml, "Gateway_rectified", "Task_hazard_disconnect")
    assert reachable_without(shortcut, "Task_hazard_disconnect", "Flow_approved")[1]


def test_S24_7_hazard_notice_is_a_printable_notice_with_hazard_basis_deadline_and_consequences(inspection, client):
    """Issue 12, item 14: the 安全隐患整改通知书 exists as a printable notice (HTML and PDF), like the 缴费及停气通知书:
    the hazard, the legal basis, the deadline counted from service and the consequences of not rectifying."""
    from app.supply import notices
    from tests.web.test_pages import sign_in

    iid = _start(inspection)
    staff = sign_in(client.application, "lz_staff")
    assert staff.get(f"/cases/{iid}/hazard-notice").status_code == 404  # not issued yet
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, NOTICE)
    notice = notices.hazard_notice(iid, inspection["lz_staff"].user)
    text = "\n".join(notices.hazard_lines(notice))
    assert "私接橡胶软管，老化开裂" in text and "《城镇燃气管理条例》" in text and "第二十四条第（七）项" in text
    assert "2026年03月09日 24:00 前" in text  # 5 days from service on 03-02 end on Sat 03-07: Monday (art. 203)
    assert "停止供气" in text and "复验合格后恢复供气" in text and "拆除私接软管" in text
    page = staff.get(f"/cases/{iid}/hazard-notice")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>安全隐患整改通知书</h1>" in body and "YH-001" in body
    assert "签收人 王五" in body and f"/cases/{iid}/hazard-notice.pdf" in body
    assert "安全隐患整改通知书 YH-001" in staff.get(f"/cases/{iid}").get_data(as_text=True)  # linked from the case
    if notices.FONT.is_file():
        pdf = staff.get(f"/cases/{iid}/hazard-notice.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


# ---------------------------------------------------------------- times of what happened (issue 11, item 11)


def test_every_time_the_hazard_forms_record_of_what_happened_refuses_the_future(app, at):
    """Finding, serving the notice, the safety and emergency measures, the re-inspection, the report to CSC, the cut,
    the verification and the restore have happened; the announced cut (planned_cut_at) is a plan."""
    at("2026-03-02T09:30:00+08:00")
    past_times.check(
        "hazard_disconnection",
        past={"start": ["found_at"], "hazard_notice": ["served_at"], "safety_handling": ["safety_handled_at"],
              "emergency_handling": ["emergency_handled_at"], "reinspect": ["reinspected_at"],
              "notify_csc": ["csc_informed_at"], "disconnect": ["disconnected_at"], "verify": ["verified_at"],
              "restore": ["restored_at"]},
        planned={"notify_csc": ["planned_cut_at"]},
    )  # fmt: skip


def test_a_hazard_found_later_today_is_refused_at_registration(inspection):
    with pytest.raises(Invalid) as err:
        _start(inspection, found_at="2026-03-02T14:00:00+08:00")  # the clock reads 11:30
    [problem] = err.value.extra["errors"]
    assert problem["field"] == "found_at"
    assert problem["message"] == "发现时间：不能晚于现在（现在是 03-02 11:30），请填写实际发生的时间"
    assert db.session.scalar(select(db.func.count()).select_from(ProcessInstance)) == 0
    assert _status(_start(inspection, found_at="2026-03-02T11:25:00+08:00")) == "running"


def test_a_verification_dated_ahead_is_refused_and_supply_stays_cut(inspection, at):
    iid = _start(inspection)
    _do(iid, "Task_hazard_notice", inspection["lz_staff"].user, NOTICE)
    at("2026-03-10T10:00:00+08:00")
    _do(iid, "Task_reinspect", inspection["lz_staff"].user, NOT_RECTIFIED)
    _do(iid, "Task_hazard_signoff", inspection["lz_head"].user, APPROVE)
    _do(iid, "Task_hazard_notify_csc", inspection["kf_agent"].user,
        {"csc_informed_at": "2026-03-10T10:00:00+08:00", "hotline_informed": True})  # fmt: skip
    _do(iid, "Task_hazard_disconnect", inspection["lz_staff"].user,
        {"disconnected_at": "2026-03-10T09:55:00+08:00", "meter_reading": 88, "disconnect_method": "valve_lock"})  # fmt: skip
    passed = {"verified_at": "2026-03-11T10:00:00+08:00", "verified_rectified": True, "verify_findings": "合格"}
    with pytest.raises(Invalid) as err:
        _do(iid, "Task_verify", inspection["lz_staff"].user, passed)
    assert [(p["field"], p["message"]) for p in err.value.extra["errors"]] == [
        ("verified_at", "复验时间：不能晚于现在（现在是 03-10 10:00），请填写实际发生的时间")
    ]
    assert set(_open(iid)) == {"Task_verify"} and _supply() == "disconnected"
    at("2026-03-11T10:20:00+08:00")
    _do(iid, "Task_verify", inspection["lz_staff"].user, passed)
    assert "Task_hazard_restore" in _open(iid)
