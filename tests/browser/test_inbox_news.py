"""The unread count and the 新 mark in Chromium (issue 11): a task that reaches my group after my last look at the
inbox is counted in the header and marked on its row at my next visit, then no longer counted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def test_a_new_group_task_is_counted_then_marked_new_in_the_inbox(server, open_page):
    from app.org import users
    from app.platform import instances

    head = open_page("kf_head")  # signing in lands on the inbox: a look
    expect(head.locator("#unread")).to_have_count(0)
    server.call(lambda: instances.start("platform_sample", {"customer_name": "新到客户"},
                                        users.get_by_username("kf_agent"), business_key="BT-NEW-1"))  # fmt: skip
    head.get_by_role("link", name="案件查询").click()
    expect(head.locator("#unread .count")).to_have_text("1")
    expect(head.locator('nav.side a[data-view="group"] .count.new')).to_have_text("新 1")
    head.locator("#unread").click()
    row = head.locator("tr", has_text="BT-NEW-1")
    expect(row.locator(".badge.new")).to_have_text("新")
    expect(head.locator("#unread")).to_have_count(0)  # looked at now
    shot(head, "inbox-new")
    head.reload()
    expect(head.locator("tr", has_text="BT-NEW-1").locator(".badge.new")).to_have_count(0)
