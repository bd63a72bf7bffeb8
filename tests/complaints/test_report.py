"""The monthly valid-complaint report (C14.2) against a fixture month counted by hand, and the leader's notice.

March 2026 has no public holiday, so the C14.1 limits below are plain: received on a working day, the answer is due at
24:00 of the fifth working day after it."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.complaints import export as complaint_report_export
from app.complaints import intake as complaints
from app.complaints import notice as complaint_report_notice
from app.complaints import report as complaint_report
from app.extensions import db
from app.models import ProcessInstance
from app.org import users
from app.platform import definitions, instances, tasks, timers
from app.settings import PROJECT_ROOT
from tests.complaints.talks import SUPERIOR_TALK, TALKS
from tests.complaints.test_process import (
    CALLBACK_UNIT,
    INVALID,
    RECORD,
    TRIAGE,
    VALID,
    _do,
    _investigate,
    _investigate_major,
    _open,
)

FOUR = {"cause": "排班混乱", "responsible_people": "周师傅", "people_handling": "通报批评", "measures": "重新排班"}
FINDINGS = {"facts": "属实", "findings": "属实", "investigator_signature": "吴师傅", **TALKS}


@pytest.fixture
def month(app, people, at):
    at("2026-02-27T09:00:00+08:00")
    for name in ("complaint", "complaint_monthly_report"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    users.add_user("jd_member", "committee-pass-1", "监督委员会", ["staff"], "监督委员会委员")
    return people


def _intake(people, received: str, phone: str, matter: str, channel="hotline", about=None, **extra):
    payload = {
        "channel": channel,
        "received_at": received,
        "complainant": {"name": "客户", "phone": phone, "address": "利州区", "anonymous": False},
        "about": about or {"user": "lz_staff2"},
        "description": f"{matter}的投诉",
        "matter": matter,
        **extra,
    }
    return complaints.intake(payload, people["kf_agent"].user)


def _received(people, at, when: str, phone: str, matter: str, **kwargs) -> int:
    at(when)
    return _intake(people, when, phone, matter, **kwargs).instance_id


def _ruled(people, iid: int, ruling: dict, triage: dict = TRIAGE) -> None:
    _do(iid, "Task_triage", people["kf_agent"], triage)
    (_investigate_major if triage.get("severity") == "major" else _investigate)(iid, people)
    _do(iid, "Task_validity", people["kf_agent"], ruling)


def _answer(people, at, iid: int, when: str, person="lz_staff") -> None:
    at(when)
    answer = {"handling": "已处置", "answer_text": "已答复", "answered_at": when, "external_cause": False}
    _do(iid, "Task_answer", people[person], answer)


def _handle_to_callback(people, iid: int, satisfaction: str, **extra) -> None:
    _do(iid, "Task_record", people["lz_staff"], RECORD)
    _do(iid, "Task_record_sign", people["lz_head"], {"head_signature": "赵经理"})
    _do(iid, "Task_accountability", people["lz_staff"], FOUR)
    _do(iid, "Task_measures_check", people["kf_agent"], {"measures_done": True, "check_note": "已落实"})
    _do(iid, "Task_callback_unit", people["lz_staff"], CALLBACK_UNIT)
    _do(iid, "Task_callback_csc", people["kf_agent"], {"satisfaction": satisfaction, "csc_callback": "已回访", **extra})


def _build_march(people, at) -> dict[str, int]:
    """Eleven complaints received in March 2026, one in February and one in April; what each counts as is noted."""
    case = {}
    # X: received in February -> not in March's report.
    case["X"] = _received(people, at, "2026-02-27T10:00:00+08:00", "13900000000", "二月事项")
    # A: hotline, 利州区分公司, general, valid_2; answered 03-04 (due 03-09): on time; rated 满意.
    #    A second call on the same matter while open is merged into A: one merged repeat, no new case.
    case["A"] = _received(people, at, "2026-03-02T09:00:00+08:00", "13900000001", "抄表服务")
    # D: letter, 利州区分公司, major (C7.2), valid_3; due 03-09, answered 03-10: late; the breach timer fired.
    case["D"] = _received(people, at, "2026-03-02T09:30:00+08:00", "13900000002", "安装延误", channel="letter")
    _ruled(people, case["A"], VALID)
    _ruled(people, case["D"], {**VALID, "reason": "valid_3"},
           {**TRIAGE, "severity": "major", "major_criteria": ["broke_rules_or_promise"]})  # fmt: skip
    at("2026-03-03T10:00:00+08:00")
    assert _intake(people, "2026-03-03T10:00:00+08:00", "13900000001", "抄表服务").merged
    _answer(people, at, case["A"], "2026-03-04T10:00:00+08:00")
    _handle_to_callback(people, case["A"], "满意")
    # H: hotline, resolved on the call (C7.1.1): first contact, no ruling.
    case["H"] = _received(people, at, "2026-03-04T10:00:00+08:00", "13900000003", "气费疑问",
                          resolved_on_call=True, answer="当场解释")  # fmt: skip
    _do(case["H"], "Task_callback_unit", people["kf_agent"], CALLBACK_UNIT)
    _do(case["H"], "Task_callback_csc", people["kf_agent"], {"satisfaction": "满意", "csc_callback": "满意"})
    # C: 12345 on H's matter after H closed: internal→external (C8); 苍溪县分公司, general, valid_7; answered 03-06
    #    (due 03-12): on time; not yet called back.
    case["C"] = _received(people, at, "2026-03-05T10:00:00+08:00", "13900000003", "气费疑问", channel="12345",
                          external_ref="GY2026030500001", about={"unit": "苍溪县分公司"})  # fmt: skip
    _do(case["C"], "Task_triage", people["kf_agent"], {**TRIAGE, "responsible_unit": "苍溪县分公司"})
    _do(case["C"], "Task_assign", people["cx_staff"], {"investigators": ["cx_staff"], "conflict_declared": False})
    _do(case["C"], "Task_investigate", people["cx_staff"], FINDINGS)
    _do(
        case["C"],
        "Task_superior",
        people["cx_staff"],
        {**SUPERIOR_TALK, "superior_opinion": "同意", "superior_agrees": True},
    )
    _do(case["C"], "Task_validity", people["kf_agent"], {**VALID, "reason": "valid_7", "caused_by_company": False})
    _answer(people, at, case["C"], "2026-03-06T10:00:00+08:00", person="cx_staff")
    # F: invalid_6 -> invalid.
    case["F"] = _received(people, at, "2026-03-09T09:00:00+08:00", "13900000004", "政策误解")
    _ruled(people, case["F"], INVALID)
    at("2026-03-10T00:00:01+08:00")
    timers.sweep()  # D's reminder and breach (C15.2)
    _answer(people, at, case["D"], "2026-03-10T10:00:00+08:00")
    # B: counter, 利州区分公司, valid_1; answered 03-11 (due 03-17): on time; 不满意 because of rudeness: reopened
    #    and upgraded general→major (C8); answered again 03-13, before the limit, so no breach.
    case["B"] = _received(people, at, "2026-03-10T09:00:00+08:00", "13900000005", "服务态度", channel="counter")
    _ruled(people, case["B"], {**VALID, "reason": "valid_1"})
    _answer(people, at, case["B"], "2026-03-11T10:00:00+08:00")
    at("2026-03-12T10:00:00+08:00")
    _handle_to_callback(people, case["B"], "不满意", repeat_reason="rude_or_threat")
    _answer(people, at, case["B"], "2026-03-13T10:00:00+08:00")
    # K: visit, ruled invalid_1 but disputed; the committee rules it valid (C10): reason "committee"; never answered,
    #    due 03-19: late; breach fired in the 03-28 sweep.
    case["K"] = _received(people, at, "2026-03-12T09:00:00+08:00", "13900000006", "维修收费", channel="visit")
    _ruled(people, case["K"], {**INVALID, "reason": "invalid_1", "disputed": True})
    ruling = _open(case["K"])["Task_committee"]
    member = users.get_by_username("jd_member")
    tasks.claim(ruling.id, member)
    instances.complete_task(ruling.id, {"valid": True, "ruling": "裁定有效"}, member)
    # E2: hotline, valid_4; never answered, due 03-27: late; breach fired in the 03-28 sweep.
    case["E2"] = _received(people, at, "2026-03-20T09:00:00+08:00", "13900000007", "通气延误")
    _ruled(people, case["E2"], {**VALID, "reason": "valid_4"})
    # E: hotline, valid_7; not answered, due 04-01 24:00: still within the limit when compiled on 04-01.
    case["E"] = _received(people, at, "2026-03-25T09:00:00+08:00", "13900000008", "表具故障")
    _ruled(people, case["E"], {**VALID, "reason": "valid_7"})
    at("2026-03-28T00:00:01+08:00")
    timers.sweep()  # K's and E2's breaches (and reminders, and C's and D's late 信息处理表)
    # G: triaged, not yet ruled.
    case["G"] = _received(people, at, "2026-03-30T09:00:00+08:00", "13900000009", "燃气异味")
    _do(case["G"], "Task_triage", people["kf_agent"], TRIAGE)
    # L: a letter received 03-31, entered on 04-01: March's, not ruled.  M: received 04-01 -> April's.
    at("2026-04-01T05:00:00+08:00")
    case["L"] = _intake(people, "2026-03-31T16:00:00+08:00", "13900000010", "来信反映", channel="letter").instance_id
    case["M"] = _received(people, at, "2026-04-01T05:30:00+08:00", "13900000011", "四月事项")
    return case


def test_C14_2_monthly_report_matches_the_hand_counted_month(month, at, client):
    case = _build_march(month, at)
    at("2026-04-01T06:00:00+08:00")
    report = complaint_report.compile_month("2026-03")
    # received: A D H C F B K E2 E G L = 11 (X is February's, M April's, A's repeat call is merged, not a case)
    assert (report.received, report.valid, report.invalid, report.first_contact, report.not_ruled) == (11, 7, 1, 1, 2)
    assert sorted(line.case_no for line in report.cases) == sorted(
        instances.get(case[k]).business_key for k in ("A", "D", "C", "B", "K", "E2", "E")
    )
    assert report.count("responsible_unit") == {"利州区分公司": 6, "苍溪县分公司": 1}  # C is 苍溪县's
    assert report.count("channel") == {"hotline": 3, "letter": 1, "12345": 1, "counter": 1, "visit": 1}
    assert report.count("severity") == {"general": 5, "major": 2}  # D triaged major, B upgraded
    assert report.count("reason") == {"valid_2": 1, "valid_3": 1, "valid_7": 2, "valid_1": 1, "committee": 1,
                                      "valid_4": 1}  # fmt: skip
    # C14.1: on time A C B; late D (answered late), K and E2 (unanswered past due); E still within its limit
    assert (report.on_time, report.late, report.within_limit) == (3, 3, 1)
    assert report.on_time_rate == 0.5 and report.on_time_text == "50.0%（3/6）"
    assert report.count("satisfaction") == {"满意": 1, "不满意": 1, "未回访": 5}
    assert report.repeats() == {"cases": 2, "merged": 1, "reopened": 1}  # A merged once, B reopened once
    assert report.escalations() == {"internal_to_external": 1, "general_to_major": 1, "breached": 3}  # C; B; D K E2

    response = client.get("/api/v1/reports/complaints/monthly?month=2026-03", headers=month["fg_leader"].headers)
    assert response.status_code == 200
    body = response.json
    assert body["totals"] == {"received": 11, "valid": 7, "invalid": 1, "first_contact": 1, "not_ruled": 2}
    assert body["by_unit"][0] == {"code": "利州区分公司", "label": "利州区分公司", "count": 6}
    assert {i["label"]: i["count"] for i in body["by_channel"]}["12345 政务服务热线"] == 1
    assert body["on_time"] == {"limit_working_days": 5, "on_time": 3, "late": 3, "within_limit": 1, "rate": 0.5}
    assert [i["count"] for i in body["satisfaction"]] == [
        0,
        1,
        0,
        1,
        0,
        5,
    ]  # 非常满意 满意 一般 不满意 非常不满意 未回访

    summary = client.get(
        "/api/v1/reports/complaints/monthly?month=2026-03&format=csv", headers=month["kf_agent"].headers
    )
    assert summary.data.startswith("\ufeff".encode()) and "attachment" in summary.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(summary.data.decode("utf-8-sig"))))
    assert ["2026-03", "总数", "有效投诉", "7"] in rows and [
        "2026-03",
        "升级（C8）",
        "一般投诉升级为重大投诉",
        "1",
    ] in rows
    lines = client.get("/api/v1/reports/complaints/monthly?month=2026-03&format=csv&part=cases",
                       headers=month["kf_agent"].headers)  # fmt: skip
    detail = list(csv.reader(io.StringIO(lines.data.decode("utf-8-sig"))))
    assert detail[0] == complaint_report_export.CASE_HEADERS and len(detail) == 1 + 7
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/complaints/monthly?month=2026-03&format=xlsx",
                                               headers=month["auditor"].headers).data))  # fmt: skip
    sheet = [list(r) for r in book["汇总"].iter_rows(min_row=3, values_only=True)]
    assert ["5 个工作日内答复（C14.1）", "按时率", "50.0%（3/6）"] in sheet and ["总数", "受理投诉", 11] in sheet
    assert book["明细"].max_row == 1 + 7


def test_C14_2_report_readers_and_bad_months(month, client):
    url = "/api/v1/reports/complaints/monthly?month="
    refused = client.get(url + "2026-01", headers=month["lz_staff"].headers)  # branch staff, not a head
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    for reader in ("kf_agent", "lz_head", "fg_leader", "auditor", "admin"):
        assert client.get(url + "2026-01", headers=month[reader].headers).status_code == 200, reader
    assert client.get(url + "2026-13", headers=month["kf_agent"].headers).status_code == 422
    assert client.get(url + "2027-01", headers=month["kf_agent"].headers).status_code == 422  # not begun yet
    bad_format = client.get(url + "2026-01&format=pdf", headers=month["kf_agent"].headers)
    assert bad_format.status_code == 400 and "format" in bad_format.json["detail"]
    assert client.get(url + "2026-01").status_code == 401
    empty = client.get(url + "2026-01", headers=month["kf_agent"].headers).json
    assert empty["totals"]["received"] == 0 and empty["on_time"]["rate"] is None


def _notices() -> int:
    query = select(func.count()).select_from(ProcessInstance)
    return db.session.scalar(query.where(ProcessInstance.process_key == "complaint_monthly_report"))


def test_C14_2_on_the_1st_the_leader_is_told_once_per_month(month, at):
    iid = _received(month, at, "2026-03-02T09:00:00+08:00", "13900000001", "抄表服务")
    _ruled(month, iid, VALID)
    at("2026-04-01T05:59:00+08:00")
    assert complaint_report_notice.monthly_job() is None  # March is compiled at 06:00 on the 1st
    assert complaint_report_notice.noticed("2026-03") is None and _notices() == 0
    at("2026-04-01T06:00:00+08:00")
    notice = complaint_report_notice.monthly_job()
    assert notice is not None and notice.business_key == "YB202603"
    assert complaint_report_notice.monthly_job() is None and complaint_report_notice.notify("2026-03") is None
    at("2026-04-20T12:00:00+08:00")
    assert complaint_report_notice.monthly_job() is None and _notices() == 1  # idempotent for the rest of April
    [task] = _open(notice.id).values()
    assert task.spec_name == "Task_read_report" and task.candidate_group == complaint_report.LEADER_GROUP
    data = instances.case_data(notice)
    assert data["month"] == "2026-03" and data["valid_count"] == 1 and data["report_path"].endswith("month=2026-03")
    assert data["on_time_rate"] == "0.0%（0/1）"  # due 03-09, never answered
    leader = month["fg_leader"].user
    tasks.claim(task.id, leader)
    instances.complete_task(task.id, {"acknowledged": True, "instruction": "请各单位整改"}, leader)
    assert instances.get(notice.id).status == "completed"
    at("2026-05-01T06:00:01+08:00")
    april = complaint_report_notice.monthly_job()
    assert april is not None and april.business_key == "YB202604" and _notices() == 2


def test_C14_2_the_leaders_read_task_links_to_the_report_with_its_charts(month, at, app, client):
    from tests.web.test_pages import sign_in

    iid = _received(month, at, "2026-03-02T09:00:00+08:00", "13900000001", "抄表服务")
    _ruled(month, iid, VALID)
    at("2026-04-01T06:00:00+08:00")
    notice = complaint_report_notice.monthly_job()
    [task] = _open(notice.id).values()
    browser = sign_in(app, "fg_leader")
    page = browser.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert '<a href="/reports/complaints/monthly?month=2026-03">查看 2026-03 有效投诉月报（含图表）</a>' in page
    report = browser.get("/reports/complaints/monthly?month=2026-03").get_data(as_text=True)
    for key in ("by_channel", "by_severity", "by_reason"):
        assert f'data-chart="breakdown" data-key="{key}"' in report
    assert 'data-chart="on-time-units"' in report
    data = client.get("/api/v1/reports/complaints/monthly?month=2026-03", headers=month["fg_leader"].headers).json
    assert sum(item["count"] for item in data["by_channel"]) == 1 and data["by_reason"][0]["label"]
