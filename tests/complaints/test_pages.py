"""Complaint pages through the test client (issue 5 with issue 7): hotline fast intake (C11, C12, C8, S21.4), the
complainee kept off the investigation (C13.2.5), the monthly report page (C14.2)."""

from __future__ import annotations

import re

import pytest

from app.complaints import intake as complaints
from app.customers import records as customers
from app.platform import definitions, instances, tasks
from app.settings import PROJECT_ROOT
from tests.walk import event_payloads as _events
from tests.walk import open_tasks as _open
from tests.web.test_pages import sign_in

CALLER = {"complainant.phone": "13800001234", "complainant.name": "张三", "complainant.address": "利州区东坝街道1号",
          "channel": "hotline", "received_at": "2026-03-02T09:10", "about.user": "lz_staff2", "matter": "抄表服务",
          "description": "抄表员未按约定上门"}  # fmt: skip


@pytest.fixture
def hotline(app, people, at):
    at("2026-03-02T09:30:00+08:00")
    for name in ("complaint", "complaint_monthly_report"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    customers.create(
        {"account_no": "LZ20260001", "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return people


def test_C11_C12_fast_intake_page_records_a_complaint_with_the_nested_contract(app, hotline):
    agent = sign_in(app, "kf_agent")
    start_list = agent.get("/start").get_data(as_text=True)
    assert start_list.count('href="/start/complaint"') == 1  # the process is listed once, linked to its own intake
    page = agent.get("/start/complaint").get_data(as_text=True)  # not the generic start form
    assert re.search(r'name="complainant.phone"[^>]*autofocus', page) and "Ctrl</kbd>+<kbd>Enter" in page
    assert 'value="2026-03-02T09:30"' in page  # received-at defaults to now, Beijing time
    assert 'tabindex="-1"' not in page  # every control is reachable with Tab
    done = agent.post("/start/complaint", {**CALLER, "account_no": "LZ20260001"})
    assert done.status_code == 303 and "/start/complaint?last=" in done.headers["Location"]
    instance_id = int(done.headers["Location"].rsplit("=", 1)[1])
    case = instances.case_data(instances.get(instance_id))
    assert case["complainant"] == {"name": "张三", "phone": "13800001234", "address": "利州区东坝街道1号",
                                   "anonymous": False}  # fmt: skip
    assert case["about"] == {"user": "lz_staff2"} and case["received_at"] == "2026-03-02T09:10:00+08:00"
    assert case["branch"] == "利州区分公司" and case["resolved_on_call"] is False
    assert set(_open(instance_id)) == {"Task_triage"}  # 客服中心 is told at once (C12)
    after = agent.get(done.headers["Location"]).get_data(as_text=True)
    assert f"已受理，案件编号 {case['case_no']}" in after and f'上一件：<a href="/cases/{instance_id}"' in after


def test_C11_fast_intake_shows_errors_inline_in_chinese(app, hotline):
    agent = sign_in(app, "kf_agent")
    agent.get("/start/complaint")
    bad = agent.post("/start/complaint", {**CALLER, "channel": "12345", "description": "", "about.user": "nobody"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(
        r'data-field="external_ref">.*?<span class="error-text" role="alert">必填：此项尚未填写</span>', text, re.S
    )
    assert re.search(
        r'data-field="description">.*?<span class="error-text" role="alert">必填：此项尚未填写</span>', text, re.S
    )
    assert 'value="13800001234"' in text  # what was typed stays
    unknown = agent.post("/start/complaint", {**CALLER, "about.user": "nobody"})
    assert unknown.status_code == 422 and "用户“nobody”不存在，请从列表中选择" in unknown.get_data(as_text=True)
    anonymous = agent.post("/start/complaint", {**CALLER, "complainant.name": "", "complainant.phone": ""})
    assert anonymous.status_code == 422  # C12: name and phone unless anonymous
    assert agent.post("/start/complaint", {**CALLER, "complainant.name": "", "complainant.phone": "",
                                           "complainant.anonymous": "on"}).status_code == 303  # fmt: skip


def test_fast_intake_customer_lookup_by_phone_or_account_stays_masked_S21_4(app, hotline):
    worker = sign_in(app, "cx_staff")  # another branch: may find the customer, not read the number (S21.4)
    page = worker.get("/start/complaint").get_data(as_text=True)
    assert 'data-url="/customers/lookup"' in page and 'class="lookup-key repeat-key"' in page
    by_phone = worker.get("/customers/lookup?q=1234").get_data(as_text=True)
    assert "LZ20260001" in by_phone and "138****1234" in by_phone and "13800001234" not in by_phone
    by_account = worker.get("/customers/lookup?q=LZ2026").get_data(as_text=True)
    assert 'data-account_no="LZ20260001"' in by_account and "13800001234" not in by_account


def test_C8_fast_intake_warns_of_a_repeat_before_submit_and_merges_only_when_confirmed(app, hotline):
    agent = sign_in(app, "kf_agent")
    agent.get("/start/complaint")
    first = agent.post("/start/complaint", CALLER)
    instance_id = int(first.headers["Location"].rsplit("=", 1)[1])
    case_no = instances.get(instance_id).business_key
    query = "complainant.phone=13800001234&matter=抄表服务&channel=hotline"
    warning = agent.get(f"/complaints/intake/earlier?{query}").get_data(as_text=True)
    assert "重复投诉提示" in warning and case_no in warning and "2026-03-02 09:10 受理" in warning  # Beijing time
    assert (
        "重复投诉提示" not in agent.get("/complaints/intake/earlier?complainant.phone=13800001234&matter=燃气费").text
    )
    again = agent.post("/start/complaint", {**CALLER, "description": "又来电"})
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and "重复投诉提示" in text and "确认提交（合并为重复投诉）" in text
    assert 'name="confirm_repeat" value="1"' in text and _events(instance_id, "repeat_merged") == []
    merged = agent.post("/start/complaint", {**CALLER, "description": "又来电", "confirm_repeat": "1"})
    assert merged.status_code == 303
    assert [e["complaint"]["description"] for e in _events(instance_id, "repeat_merged")] == ["又来电"]
    assert f"已合并到 {case_no}" in agent.get(merged.headers["Location"]).get_data(as_text=True)


def test_C8_fast_intake_tells_of_internal_to_external_before_submit(app, hotline):
    first = complaints.intake(
        {"channel": "hotline", "received_at": "2026-03-02T09:00:00+08:00", "about": {"unit": "利州区分公司"},
         "complainant": {"name": "张三", "phone": "13800001234", "address": "利州区东坝街道1号", "anonymous": False},
         "description": "燃气费有误",
         "matter": "燃气费", "resolved_on_call": True, "answer": "已解释"},
        hotline["kf_agent"].user,
    )  # fmt: skip
    agent_user = hotline["kf_agent"].user
    for element, data in (("Task_callback_unit", {"unit_callback": "ok", "unit_callback_at": "2026-03-02T09:20:00+08:00"}),
                          ("Task_callback_csc", {"satisfaction": "满意", "csc_callback": "ok"})):  # fmt: skip
        callback = _open(first.instance_id)[element]
        tasks.claim(callback.id, agent_user)
        instances.complete_task(callback.id, data, agent_user)
    agent = sign_in(app, "kf_agent")
    query = "complainant.phone=13800001234&matter=燃气费&channel=12345"
    assert first.case_no in agent.get(f"/complaints/intake/earlier?{query}").get_data(as_text=True)
    agent.get("/start/complaint")
    done = agent.post("/start/complaint", {**CALLER, "channel": "12345", "external_ref": "GY1", "matter": "燃气费"})
    assert "内部转外部" in agent.get(done.headers["Location"]).get_data(as_text=True)


def test_C13_2_5_complainee_cannot_claim_or_complete_the_investigation_by_page(app, hotline):
    agent = sign_in(app, "kf_agent")
    agent.get("/start/complaint")
    instance_id = int(agent.post("/start/complaint", CALLER).headers["Location"].rsplit("=", 1)[1])
    triage = _open(instance_id)["Task_triage"]
    tasks.claim(triage.id, hotline["kf_agent"].user)
    instances.complete_task(triage.id, {"severity": "general", "responsible_unit": "利州区分公司",
                                        "misconduct_alleged": False}, hotline["kf_agent"].user)  # fmt: skip
    assign = _open(instance_id)["Task_assign"]
    complainee = sign_in(app, "lz_staff2")  # in 利州区分公司, the responsible unit, but the case is about them
    refused = complainee.post(f"/tasks/{assign.id}/claim", {"next": "/inbox?view=group"})
    assert refused.status_code == 303
    shown = complainee.get("/inbox?view=group").get_data(as_text=True)
    assert "您是本案被投诉人，不能认领或办理此任务。" in shown and "(you may not" not in shown
    assert f"/tasks/{assign.id}" not in shown  # the group view does not offer them the task at all
    page = complainee.get(f"/tasks/{assign.id}")
    assert page.status_code == 403 and "被投诉人" in page.get_data(as_text=True)
    complete = complainee.post(f"/tasks/{assign.id}", {"action": "complete", "investigators": "lz_staff"})
    assert complete.status_code == 403 and "被投诉人" in complete.get_data(as_text=True)
    assert tasks.get(assign.id).state == "ready"
    assert tasks.get(assign.id).assignee_id is None
    head = hotline["lz_head"].user
    tasks.claim(assign.id, head)
    instances.complete_task(assign.id, {"investigators": ["lz_staff"], "conflict_declared": False}, head)
    investigate = _open(instance_id)["Task_investigate"]
    assert investigate.assignee_id == hotline["lz_staff"].user.id
    complainee.post(f"/tasks/{investigate.id}/claim", {"next": "/inbox"})
    assert "您是本案被投诉人，不能认领或办理此任务。" in complainee.get("/inbox").get_data(as_text=True)
    findings = {"action": "complete", "facts": "不属实", "findings": "无", "investigator_signature": "周师傅"}
    assert complainee.post(f"/tasks/{investigate.id}", findings).status_code == 403
    assert tasks.get(investigate.id).state == "ready"  # the investigation is still lz_staff's to do
    assert _events(instance_id, "task_completed")[-1]["spec_name"] == "Task_assign"


def test_C14_2_report_page_for_readers_and_a_chinese_403_for_others(app, hotline):
    result = complaints.intake(
        {"channel": "counter", "received_at": "2026-03-02T09:00:00+08:00", "about": {"user": "lz_staff2"},
         "complainant": {"name": "李四", "phone": "13900000001", "address": "利州区东坝街道2号", "anonymous": False},
         "description": "态度差",
         "matter": "服务态度"},
        hotline["kf_agent"].user,
    )  # fmt: skip
    leader = sign_in(app, "fg_leader")
    page = leader.get("/reports/complaints/monthly?month=2026-03")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效投诉月报" in text and "2026-03" in text
    assert re.search(r"<th scope=\"row\">受理投诉</th><td class=\"num\">1</td>", text)
    assert re.search(r"<th scope=\"row\">尚未认定</th><td class=\"num\">1</td>", text) and result.case_no not in text
    assert "format=xlsx" in text and "part=cases" in text
    overview = sign_in(app, "kf_agent").get("/overview").get_data(as_text=True)
    assert "/reports/complaints/monthly" in overview
    refused = sign_in(app, "lz_staff").get("/reports/complaints/monthly?month=2026-03")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "投诉月报只对客服中心、部门负责人、分管领导和审计人员开放" in body
    assert "(the complaint report" not in body


def test_the_case_panel_shows_the_intake_first_then_each_step_under_its_task(app, hotline):
    """Issue 11 §3: what the customer said, who and where, at the top; each task's entries grouped under its name;
    times in Beijing time; the phone masked for a reader outside 客服中心 (S21.4)."""
    agent = sign_in(app, "kf_agent")
    agent.get("/start/complaint")
    instance_id = int(agent.post("/start/complaint", {**CALLER, "about.user": "", "about.unit": "利州区分公司"})
                      .headers["Location"].rsplit("=", 1)[1])  # fmt: skip
    triage = _open(instance_id)["Task_triage"]
    tasks.claim(triage.id, hotline["kf_agent"].user)
    instances.complete_task(triage.id, {"severity": "general", "responsible_unit": "利州区分公司",
                                        "misconduct_alleged": False}, hotline["kf_agent"].user)  # fmt: skip
    head = sign_in(app, "lz_head")
    page = head.get(f"/cases/{instance_id}").get_data(as_text=True)
    intake = page[page.index('class="fact-group intake"') : page.index("分派定级</h3>")]
    assert "<h3>受理信息</h3>" in intake
    assert "抄表员未按约定上门" in intake and "投诉人 · 姓名</dt>" in intake and "张三" in intake
    assert "2026-03-02 09:10" in intake  # received_at in Beijing time, not ISO
    assert "138****1234" in intake and "13800001234" not in page  # S21.4
    triaged = page[page.index("分派定级</h3>") :]
    assert "一般投诉" in triaged and "<dt>是否涉及员工违规违纪（C6）</dt>" in triaged
