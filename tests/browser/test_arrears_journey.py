"""Arrears disconnection (processes/arrears_disconnection.bpmn, S19.3/S24.6/S24.8) worked to its end in the browser,
only through the pages, by each person it reaches: 孙师傅 (lz_staff) enters the arrears from the start page, reminds
the customer and serves the printed 缴费及停气通知书; the deadline passes; 赵经理 (lz_head) signs the disconnection;
李坐席 (kf_agent) takes the S24.8 report before the cut and sees the coming disconnection on the 停气看板; 孙师傅
cuts supply; the customer pays in full; 孙师傅 restores supply within the 6 hours.

The payments come from the billing system through the real HTTP API with billing's own token (the outside world,
not a person's task); the clock is moved between steps and the scheduler's sweep run (setup). Nothing else moves
the case."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.clock import SHANGHAI
from tests.browser.conftest import add_customer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNT = "LZ-J0101"
CUSTOMER = {"account_no": ACCOUNT, "name": "王建国", "customer_class": "B2", "district": "利州区",
            "street": "东坝街道", "estate": "凤凰小区", "room": "5栋1单元302", "phones": ["13881230101"],
            "branch": "利州区分公司"}  # fmt: skip
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday


def billing_token(server) -> str:
    """Setup: the billing system's account and bearer token (it sends payments; it works no task)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.org import users

    def run():
        if db.session.scalar(select(User.id).where(User.username == "billing")) is None:
            users.ensure_unit("收费中心", "department")
            users.add_user("billing", "billing-system-secret-1", "收费中心", ["staff"], "收费系统")
        return users.issue_token("billing")

    return server.call(run)


def pay(server, token: str, amount: float, paid_at: datetime) -> list[int]:
    """Billing's message payment_received, as billing sends it: POST /api/v1/messages."""
    body = {"name": "payment_received", "correlation": {"account_no": ACCOUNT},
            "payload": {"amount": amount, "paid_at": paid_at.isoformat()}}  # fmt: skip
    request = urllib.request.Request(
        f"{server.url}/api/v1/messages",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["delivered_to"]


def test_arrears_from_entry_to_disconnection_and_restore_within_6_hours(server, person, clock_at):
    from app.platform import timers

    add_customer(server, CUSTOMER)
    token = billing_token(server)
    clock_at(OPENED)

    staff = person("lz_staff", "arrears")
    staff.start("欠费催缴及停复气")
    staff.pick("account_no", "王建国", ACCOUNT)
    staff.type("amount_owed", "0")
    staff.field("since").locator("input").fill("2025-12-01")
    staff.type("billing_ref", "SF-2026-0301-0101")
    staff.page.get_by_role("button", name="发起").click()
    staff.expect_error("amount_owed", "必须大于 0")
    staff.expect_value("billing_ref", "SF-2026-0301-0101")
    staff.expect_picked("account_no", ACCOUNT)
    staff.expect_no_case_yet("王建国")
    staff.shot("01_start_refused")
    staff.type("amount_owed", "1268.50")
    staff.page.get_by_role("button", name="发起").click()
    case_no = staff.started_case_no()
    assert case_no.startswith("QF20260302")

    # S19.3: a polite reminder with the 催缴通知单 first.
    clock_at(OPENED + timedelta(hours=2))
    staff.claim(case_no, "电话或上门催缴并送达催缴通知单")
    staff.choose("reminder_method", "上门催缴")
    staff.when("reminded_at", OPENED + timedelta(hours=1, minutes=30))
    staff.type("reminder_contact", "王建国")
    staff.type("reminder_result", "户主在家，称近期资金周转困难，承诺月底前到营业厅缴清")
    staff.type("reminder_slip_no", "CJ-0302-0101")
    staff.when("reminder_slip_delivered_at", OPENED + timedelta(hours=1, minutes=40))
    staff.type("reminder_slip_delivered_to", "王建国")
    staff.choose("reminder_slip_delivery", "当面签收")
    staff.submit("已提交")

    # S24.6: the written notice is printed from the case page and served; its service is recorded.
    clock_at(OPENED + timedelta(hours=6))
    staff.claim(case_no, "送达缴费及停气通知书")
    staff.page.get_by_role("link", name="案件页").click()
    staff.page.get_by_role("link", name="打印版").click()
    expect(staff.page.locator("h1")).to_have_text("缴费及停气通知书")
    expect(staff.page.locator("body")).to_contain_text("1,268.50 元")
    staff.shot("02_printed_notice")
    staff.page.go_back()
    staff.page.go_back()
    staff.choose("served_how", "当面送达签收")
    staff.when("served_at", OPENED + timedelta(hours=5, minutes=20))
    staff.type("served_to", "王建国")
    staff.type("served_relation", "户主本人")
    staff.pick("server_name", "孙", "孙师傅")
    staff.type("service_note", "当面送达并讲解缴费期限及逾期停气的后果")
    staff.submit("已提交")

    # Billing: a part payment; the case goes on (S24.6: only payment in full stops the procedure).
    clock_at(datetime(2026, 3, 5, 16, 0, tzinfo=SHANGHAI))
    assert pay(server, token, 300, datetime(2026, 3, 5, 15, 42, tzinfo=SHANGHAI)) != []

    # The notice's deadline (7 days, to 24:00) passes unpaid: the scheduler's sweep brings the head's sign-off.
    clock_at(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    assert server.call(timers.sweep) >= 1
    head = person("lz_head", "arrears")
    head.claim(case_no, "部门负责人审批停气")
    head.choose("signoff_decision", "同意停气")
    head.type("head_signature", "赵经理")
    head.submit()  # 意见/理由 left empty
    head.expect_error("signoff_opinion", "必填")
    head.expect_still_open(case_no, "部门负责人审批停气")
    head.shot("03_signoff_refused")
    head.type("signoff_opinion", "通知书期限届满仍未缴清，经核实无特殊困难，同意停气")
    head.submit("已提交")

    # S24.8: CSC and the hotline are told before the crew cuts supply; the board shows the coming disconnection.
    clock_at(datetime(2026, 3, 10, 13, 50, tzinfo=SHANGHAI))
    agent = person("kf_agent", "arrears")
    agent.claim(case_no, "停气前报送客服中心及热线")
    agent.when("csc_informed_at", datetime(2026, 3, 10, 13, 45, tzinfo=SHANGHAI))
    agent.when("planned_cut_at", datetime(2026, 3, 10, 14, 0, tzinfo=SHANGHAI))
    agent.choose("hotline_informed", "是")
    agent.submit("已提交")
    agent.go("/board")
    expect(agent.page.locator("#upcoming")).to_contain_text(case_no)
    agent.shot("05_board")

    clock_at(datetime(2026, 3, 10, 14, 30, tzinfo=SHANGHAI))
    staff.claim(case_no, "现场停气")
    staff.when("disconnected_at", datetime(2026, 3, 10, 14, 5, tzinfo=SHANGHAI))
    staff.type("meter_reading", "-2318.4")  # a slip of the finger
    staff.choose("disconnect_method", "关阀加锁")
    staff.type("seal_no", "FQ-0310-21")
    staff.choose("customer_present", "否")
    staff.type("disconnect_note", "户主不在家，关闭表前阀加锁，张贴停气告知单")
    staff.submit()
    staff.expect_error("meter_reading", "不能小于 0")
    staff.expect_value("meter_reading", "-2318.4")
    staff.expect_value("seal_no", "FQ-0310-21")
    staff.expect_value("disconnected_at", "2026-03-10T14:05")
    staff.expect_still_open(case_no, "现场停气")
    staff.shot("04_disconnect_refused")
    staff.type("meter_reading", "2318.4")
    staff.submit("已提交")

    # The customer pays the rest at the counter; billing tells GasFlow; restore within 6 hours of payment.
    clock_at(datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI))
    assert pay(server, token, 968.5, datetime(2026, 3, 11, 9, 48, tzinfo=SHANGHAI)) != []
    clock_at(datetime(2026, 3, 11, 11, 30, tzinfo=SHANGHAI))
    staff.claim(case_no, "恢复供气（缴清后6小时内）")
    expect(staff.page.locator(".task-form .meta")).to_contain_text("03-11 15:48")  # 6 hours from the payment
    staff.when("restored_at", datetime(2026, 3, 11, 11, 10, tzinfo=SHANGHAI))
    staff.type("meter_reading_restored", "2318.4")
    staff.choose("safety_checked", "是")
    staff.type("restore_note", "开阀通气，检漏合格，点火试烧正常，已告知客户安全用气")
    staff.submit("已提交")

    head.case_page(case_no, "部门负责人审批停气")
    page = head.page
    expect(page.locator(".status-completed")).to_have_text("已办结")
    timeline = page.locator("ol.timeline")
    for step in ["电话或上门催缴并送达催缴通知单", "送达缴费及停气通知书", "部门负责人审批停气",
                 "停气前报送客服中心及热线", "现场停气", "恢复供气（缴清后6小时内）"]:  # fmt: skip
        expect(timeline).to_contain_text(step)
    for who in ["孙师傅", "赵经理", "李坐席"]:
        expect(timeline).to_contain_text(who)
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "1")
    expect(page.locator('.djs-element.gf-done[data-element-id="End_restored"]')).to_have_count(1)
    head.shot("06_case_closed")
