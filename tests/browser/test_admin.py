"""The administrators' users page in Chromium (issue 11): add a person with the unit picker and roles (a typo refused
beside the field, what was typed kept), the first password shown once and working, disable, reset, API token."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_admin_adds_a_user_disables_resets_and_issues_a_token(server, open_page):
    page = open_page("admin")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.get_by_role("link", name="用户与单位").click()
    form = page.locator("#add-user")
    form.get_by_label("用户名").fill("az_liu")
    form.get_by_label("姓名").fill("刘安装")
    form.get_by_role("button", name="新增用户").click()
    unit_field = page.locator('#add-user [data-field="unit"]')
    expect(unit_field.locator(".error-text")).to_contain_text("请选择所属单位")
    expect(page.locator("#add-user").get_by_label("用户名")).to_have_value("az_liu")  # nothing typed is lost
    expect(page.locator("#add-user").get_by_label("姓名")).to_have_value("刘安装")
    shot(page, "admin-users-refused")

    unit = page.locator("#add-user").get_by_role("combobox", name="所属单位")
    unit.fill("苍溪")
    expect(unit_field.get_by_role("option")).to_have_count(1)
    unit.press("ArrowDown")
    unit.press("Enter")
    expect(unit).to_have_value("苍溪县分公司")
    page.locator("#add-user").get_by_label("部门负责人").check()
    page.locator("#add-user").get_by_role("button", name="新增用户").click()
    secret = page.locator("code.secret-value")
    expect(secret).to_have_attribute("data-kind", "password")
    password = secret.inner_text()
    expect(page.locator('#people tr[data-username="az_liu"]')).to_contain_text("部门负责人")
    shot(page, "admin-users-added")

    newcomer = open_page()
    sign_in(newcomer, server.url, "az_liu", password)
    expect(newcomer.locator(".who")).to_contain_text("刘安装 · 苍溪县分公司")

    page.locator('#people tr[data-username="az_liu"]').get_by_role("link", name="az_liu").click()
    page.get_by_role("button", name="停用账户").click()
    expect(page.locator(".flash.ok")).to_contain_text("刘安装 已停用")
    newcomer.reload()
    expect(newcomer).to_have_url(re.compile(r"/login"))
    page.get_by_role("button", name="启用账户").click()
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("code.secret-value")).not_to_have_text(password)
    page.get_by_role("button", name="签发令牌").click()
    expect(page.locator("code.secret-value")).to_have_attribute("data-kind", "token")
    expect(page.locator("#token")).to_contain_text("从未使用")
    page.get_by_role("button", name="吊销令牌").click()
    expect(page.locator("#token")).to_contain_text("没有有效的 API 令牌")
    history = page.locator("#changes")
    expect(history).not_to_contain_text("替换了原令牌")  # the first token replaced none
    for label in ("新增用户", "停用", "启用", "重置密码", "签发 API 令牌", "吊销 API 令牌"):
        expect(history).to_contain_text(label)
    shot(page, "admin-user-history")
    assert errors == []
