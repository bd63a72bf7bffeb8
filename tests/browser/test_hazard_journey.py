"""Hazard disconnection (processes/hazard_disconnection.bpmn, S24.7/S24.8) worked to its end in the browser, only
through the pages, by each person it reaches: 孙师傅 (lz_staff) records the hazard found on inspection and serves the
rectification notice, comes back after the deadline, 赵经理 (lz_head) signs the disconnection, 李坐席 (kf_agent) takes
the S24.8 report for the hotline before the cut, 孙师傅 cuts supply, verifies the rectification and restores supply.
The clock is moved between steps (setup); nothing but the pages moves the case."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.clock import SHANGHAI
from tests.browser.conftest import add_customer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNT = "LZ-J0201"
CUSTOMER = {"account_no": ACCOUNT, "name": "刘淑芬", "customer_class": "B2", "district": "利州区",
            "street": "嘉陵街道", "estate": "滨江花园", "room": "3栋2单元501", "phones": ["13981230201"],
            "branch": "利州区分公司"}  # fmt: skip
FOUND = datetime(2026, 3, 9, 9, 10, tzinfo=SHANGHAI)  # a Monday, on a routine safety inspection


def test_hazard_from_inspection_to_restored_supply(server, person, clock_at):
    add_customer(server, CUSTOMER)
    clock_at(FOUND + timedelta(minutes=40))

    staff = person("lz_staff", "hazard")
    staff.start("安全隐患整改及停复气")
    staff.shot("01_start_form")
    staff.pick("account_no", "刘淑芬", ACCOUNT)
    staff.when("found_at", FOUND)
    staff.page.get_by_role("button", name="发起").click()  # 隐患情况 left empty
    staff.expect_error("hazard_description", "必填")
    staff.expect_picked("account_no", ACCOUNT)
    staff.expect_value("found_at", FOUND.strftime("%Y-%m-%dT%H:%M"))
    staff.expect_no_case_yet("刘淑芬")
    staff.shot("02_start_refused")
    staff.type("hazard_description", "厨房灶具使用橡胶软管连接，软管老化开裂，距灶台不足 10 厘米处有明显气味")
    staff.pick("found_by", "孙", "孙师傅")
    staff.page.get_by_role("button", name="发起").click()
    case_no = staff.started_case_no()
    assert case_no.startswith("YH20260309")

    # The branch serves the written rectification notice (S24.7); a deadline of 0 days is refused in place.
    clock_at(FOUND + timedelta(hours=3))
    staff.claim(case_no, "下达隐患整改通知书")
    staff.type("notice_no", "YHTZ-2026-0309-01")
    staff.type("rectification_required", "拆除橡胶软管，更换为金属波纹管，灶具加装熄火保护装置，整改后报分公司复查")
    staff.type("rectify_days", "0")
    staff.choose("major_hazard", "否")
    staff.choose("branch_can_handle", "是")
    staff.choose("served_how", "当面送达签收")
    staff.when("served_at", FOUND + timedelta(hours=2, minutes=30))
    staff.type("served_to", "刘淑芬")
    staff.submit()
    staff.expect_error("rectify_days", "不能小于 1")
    staff.expect_value("notice_no", "YHTZ-2026-0309-01")
    staff.expect_value("served_to", "刘淑芬")
    staff.expect_still_open(case_no, "下达隐患整改通知书")
    staff.shot("03_notice_refused")
    staff.type("rectify_days", "5")
    staff.submit("已提交")

    # The deadline (5 days from the day after service, moved past the weekend) has passed: 期满复查.
    clock_at(datetime(2026, 3, 17, 9, 30, tzinfo=SHANGHAI))
    staff.claim(case_no, "期满复查整改情况")
    staff.when("reinspected_at", datetime(2026, 3, 17, 9, 15, tzinfo=SHANGHAI))
    staff.choose("rectified", "否")
    staff.type("reinspect_findings", "橡胶软管仍未更换，客户称工人未约到，现场气味仍在")
    staff.submit("已提交")

    # The department head signs: an extension needs its days; then the disconnection is approved (S24.7).
    clock_at(datetime(2026, 3, 17, 11, 0, tzinfo=SHANGHAI))
    head = person("lz_head", "hazard")
    head.claim(case_no, "部门负责人审批停气")
    head.choose("signoff_decision", "延期整改")
    head.type("head_signature", "赵经理")
    head.type("signoff_opinion", "逾期未整改且存在漏气风险")
    head.submit()
    head.expect_error("extend_days", "必填")
    head.expect_still_open(case_no, "部门负责人审批停气")
    head.shot("04_signoff_refused")
    head.choose("signoff_decision", "同意停气")
    head.submit("已提交")

    clock_at(datetime(2026, 3, 17, 13, 45, tzinfo=SHANGHAI))
    # S24.8: the hotline is told before the crew cuts supply, so agents can answer; the confirmation is not optional.
    agent = person("kf_agent", "hazard")
    agent.claim(case_no, "停气前报送客服中心及热线")
    agent.when("csc_informed_at", datetime(2026, 3, 17, 13, 40, tzinfo=SHANGHAI))
    agent.choose("hotline_informed", "否")
    agent.submit()
    agent.expect_error("hotline_informed", "是")
    agent.choose("hotline_informed", "是")
    agent.type("csc_note", "已告知坐席，客户来电按停气看板答复")
    agent.submit("已提交")

    clock_at(datetime(2026, 3, 17, 14, 30, tzinfo=SHANGHAI))
    staff.claim(case_no, "现场停气")
    staff.when("disconnected_at", datetime(2026, 3, 17, 14, 10, tzinfo=SHANGHAI))
    staff.type("meter_reading", "1523.6")
    staff.choose("disconnect_method", "关阀加锁")
    staff.type("seal_no", "FQ-0317-08")
    staff.choose("customer_present", "是")
    staff.type("disconnect_note", "关闭表前阀加锁，张贴停气告知单，告知整改复验合格后恢复供气")
    staff.submit("已提交")

    clock_at(datetime(2026, 3, 19, 10, 0, tzinfo=SHANGHAI))
    staff.claim(case_no, "整改复验（恢复供气前）")
    staff.when("verified_at", datetime(2026, 3, 19, 9, 40, tzinfo=SHANGHAI))
    staff.choose("verified_rectified", "是")
    staff.type("verify_findings", "已更换金属波纹管并加装熄火保护，气密性试验合格")
    staff.submit("已提交")

    staff.claim(case_no, "恢复供气")
    staff.when("restored_at", datetime(2026, 3, 19, 9, 55, tzinfo=SHANGHAI))
    staff.type("meter_reading_restored", "1523.6")
    staff.choose("safety_checked", "是")
    staff.type("restore_note", "开阀通气，检漏合格，点火试烧正常")
    staff.shot("05_restore_form")
    staff.submit("已提交")

    head.case_page(case_no, "部门负责人审批停气")
    page = head.page
    expect(page.locator(".status-completed")).to_have_text("已办结")
    timeline = page.locator("ol.timeline")
    for step in ["下达隐患整改通知书", "期满复查整改情况", "部门负责人审批停气", "停气前报送客服中心及热线", "现场停气",
                 "整改复验（恢复供气前）", "恢复供气"]:  # fmt: skip
        expect(timeline).to_contain_text(step)
    for who in ["孙师傅", "赵经理", "李坐席"]:
        expect(timeline).to_contain_text(who)
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "1")
    expect(page.locator('.djs-element.gf-done[data-element-id="End_hazard_restored"]')).to_have_count(1)
    head.shot("06_case_closed")
