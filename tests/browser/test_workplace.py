"""The staff workplace in a real browser (issue 7 §8): sign in, start a case, claim, complete tasks through the
schema forms with inline errors, the 409 a second browser sees, the overdue badge after the clock moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _fits_1366(page) -> None:
    """Usable at 1366x768: nothing forces a sideways scroll."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def _start_case(server, business_key: str, data: dict, visit: bool | None = None) -> int:
    """A case started (and optionally registered) through the services, as the hotline agent would."""
    from app.models import HumanTask
    from app.org import users
    from app.platform import instances, tasks

    def run():
        agent = users.get_by_username("kf_agent")
        instance = instances.start("platform_sample", data, agent, business_key=business_key)
        if visit is not None:
            [register] = [t for t in tasks.of_instance(instance.id) if isinstance(t, HumanTask) and t.state == "ready"]
            tasks.claim(register.id, agent)
            instances.complete_task(register.id, {"needs_visit": visit}, agent)
        return instance.id

    return server.call(run)


def test_wrong_password_is_a_plain_sentence_then_sign_in_works(server, open_page):
    page = open_page()
    sign_in(page, server.url, "kf_agent", "wrong-password")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    shot(page, "login")
    sign_in(page, server.url, "kf_agent")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    expect(page.locator("nav.side")).to_contain_text("组内待办")


def test_a_case_from_start_page_through_both_forms_to_the_case_page(server, open_page):
    agent = open_page("kf_agent")
    agent.goto(f"{server.url}/start")
    agent.get_by_role("link", name="平台示例流程").click()
    agent.get_by_label("业务编号").fill("BT-001")
    agent.get_by_label("客户姓名").fill("张三")
    agent.get_by_label("联系电话").fill("13800001111")
    branch = agent.get_by_role("combobox", name="承办分公司")
    branch.fill("利州")
    expect(agent.get_by_role("option", name="利州区分公司")).to_be_visible()
    branch.press("Enter")
    shot(agent, "start")
    agent.get_by_role("button", name="发起").click()
    expect(agent.locator(".flash.ok")).to_contain_text("案件编号 BT-001")

    agent.goto(f"{server.url}/inbox?view=group&q=BT-001")
    row = agent.locator("tr", has_text="BT-001")
    expect(row).to_contain_text("登记")
    expect(row).to_contain_text("张三")
    row.get_by_role("button", name="认领").click()
    expect(agent.locator(".flash.ok")).to_contain_text("已认领")
    agent.goto(f"{server.url}/inbox")
    shot(agent, "inbox")
    _fits_1366(agent)
    agent.locator("tr", has_text="BT-001").get_by_role("link", name="办理").click()

    agent.get_by_role("button", name="提交").click()  # 需要上门 left empty
    expect(agent.locator('[data-field="needs_visit"] .error-text')).to_have_text("必填：请选择“是”或“否”")
    shot(agent, "task_errors")
    _fits_1366(agent)
    agent.get_by_label("是").check()
    agent.get_by_label("备注").fill("客户反映燃气表附近有气味")
    agent.get_by_role("button", name="保存草稿").click()
    expect(agent.locator("#draft-state")).to_contain_text("草稿已保存")
    agent.goto(agent.url)  # a fresh GET (reload would post the form again)
    expect(agent.locator("#draft-state")).to_contain_text("已载入草稿")
    expect(agent.get_by_label("备注")).to_have_value("客户反映燃气表附近有气味")
    agent.get_by_role("button", name="提交").click()
    expect(agent.locator(".flash.ok")).to_contain_text("“登记”已提交")

    branch = open_page("lz_staff")
    branch.goto(f"{server.url}/inbox?view=group&q=张三")
    branch.locator("tr", has_text="BT-001").get_by_role("button", name="认领").click()
    branch.goto(f"{server.url}/inbox")
    branch.locator("tr", has_text="BT-001").get_by_role("link", name="办理").click()
    branch.get_by_label("处理结果").fill("好")
    branch.get_by_role("button", name="提交").click()
    expect(branch.locator('[data-field="result"] .error-text')).to_have_text("至少 2 个字，请补充完整")
    branch.get_by_label("处理结果").fill("已上门检查，更换调压器")
    branch.get_by_role("button", name="提交").click()
    expect(branch.locator(".flash.ok")).to_contain_text("“上门处理”已提交")

    agent.goto(f"{server.url}/inbox?view=done")
    agent.locator("tr", has_text="BT-001").get_by_role("link", name="BT-001").click()
    expect(agent.locator("#diagram")).to_have_attribute("data-ready", "1")
    assert agent.locator(".djs-element.gf-done").count() >= 4  # start, 登记, gateway, 上门处理
    expect(agent.locator('.djs-element.gf-active[data-element-id="Event_wait_payment"]')).to_have_count(1)
    expect(agent.locator("ol.timeline")).to_contain_text("孙师傅")
    expect(agent.locator(".case-facts")).to_contain_text("已上门检查，更换调压器")
    shot(agent, "case")
    _fits_1366(agent)


def test_second_browser_sees_a_plain_409_sentence_when_the_task_was_just_claimed(server, open_page):
    _start_case(server, "BT-409", {"customer_name": "李四"})
    first, second = open_page("kf_agent"), open_page("kf_head")
    for page in (first, second):
        page.goto(f"{server.url}/inbox?view=group&q=BT-409")
        expect(page.locator("tr", has_text="BT-409")).to_be_visible()
    first.locator("tr", has_text="BT-409").get_by_role("button", name="认领").click()
    expect(first.locator(".flash.ok")).to_contain_text("已认领")
    second.locator("tr", has_text="BT-409").get_by_role("button", name="认领").click()
    expect(second.locator(".flash.error")).to_have_text("任务刚被他人认领。请刷新列表后选择其他任务。")
    shot(second, "claim_conflict")


def test_overdue_badge_and_escalation_appear_after_the_clock_moves(server, open_page):
    from app import clock
    from app.platform import clock_admin, timers

    _start_case(server, "BT-LATE", {"customer_name": "王五", "branch": "利州区分公司"}, visit=True)
    branch = open_page("lz_staff")
    branch.goto(f"{server.url}/inbox?view=group&q=BT-LATE")
    row = branch.locator("tr", has_text="BT-LATE")
    expect(row).to_contain_text("剩 ")
    expect(row.locator(".badge.late")).to_have_count(0)
    try:
        server.call(clock_admin.set_clock, clock.system_now() + timedelta(hours=3))
        branch.reload()
        expect(row.locator(".badge.late")).to_have_text("已超期")
        expect(row).to_have_class("overdue")
        expect(branch.locator('nav.side a[data-view="overdue"] .count')).not_to_have_text("0")
        shot(branch, "inbox_overdue")
        assert server.call(timers.sweep) >= 1  # the 2-hour boundary timer escalates to 督办
        head = open_page("kf_head")
        head.goto(f"{server.url}/overview")
        expect(head.locator("ul.escalations")).to_contain_text("BT-LATE")
        expect(head.locator("ul.escalations")).to_contain_text("2小时未处理")
        shot(head, "overview")
        _fits_1366(head)
    finally:
        server.call(clock_admin.reset_clock)


def test_admin_pages_and_error_pages_read_in_chinese(server, open_page):
    admin = open_page("admin")
    for path, name, heading in [
        ("/admin/users", "admin_users", "用户与单位"),
        ("/admin/calendar?year=2026", "admin_calendar", "节假日日历 2026"),
        ("/admin/settings", "admin_settings", "系统设置"),
    ]:
        admin.goto(server.url + path)
        expect(admin.locator("h1")).to_contain_text(heading)
        shot(admin, name)
        _fits_1366(admin)
    staff = open_page("lz_staff")
    staff.goto(f"{server.url}/admin/users")
    expect(staff.locator("h1")).to_contain_text("没有权限")
    expect(staff.locator(".next-step")).to_contain_text("联系")
    staff.goto(f"{server.url}/cases/999999")
    expect(staff.locator("h1")).to_contain_text("找不到内容")
    shot(staff, "error_404")
