"""The start list and a start page in Chromium (issue 11, item 13): each process listed once, the lookup row picked
without a script error, and /favicon.ico answered."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import add_customer, shot
from tests.customers.test_records import CX_CUSTOMER

pytestmark = pytest.mark.browser


def test_start_list_names_each_process_once(server, open_page):
    page = open_page("admin")
    page.goto(f"{server.url}/start")
    names = Counter(page.locator("ul.process-list li b").all_inner_texts())
    assert names and max(names.values()) == 1, names
    assert "用户投诉处理" in names


def test_picking_a_lookup_row_fills_the_form_without_a_script_error(server, open_page):
    add_customer(server, {**CX_CUSTOMER, "account_no": "CX00000077", "name": "苍溪县第二小学",
                          "phones": "13812340077"})  # fmt: skip
    page = open_page("kf_agent")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server.url}/start/platform_sample")
    page.locator("#customer-lookup").fill("0077")
    pick = page.locator("#lookup-results button.pick", has_text="苍溪县第二小学")
    pick.click()
    expect(page.get_by_label("客户姓名")).to_have_value("苍溪县第二小学")
    page.get_by_label("客户姓名").press("Tab")
    page.locator("#customer-lookup").fill("")
    page.wait_for_timeout(600)  # the lookup's delay: a swap after the pick must not throw either
    shot(page, "start-lookup-picked")

    page.goto(f"{server.url}/start/hazard_disconnection")  # a customer picker rather than the lookup box
    customer = page.get_by_role("combobox", name="户号")
    customer.fill("0077")
    page.get_by_role("option", name="苍溪县第二小学").click()
    expect(page.locator('[data-field="account_no"] input.picked')).to_have_value("CX00000077")
    page.get_by_label("隐患/违章情况").fill("表后阀门漏气")
    page.wait_for_timeout(300)
    assert errors == []


def test_favicon_is_served(server, open_page):
    page = open_page()
    response = page.request.get(f"{server.url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
