"""What a person does on the pages, for the journeys (issue 11): start a case from the start page, find a task in
the inbox, claim it, fill its form field by field with the keyboard and the mouse (pickers included), submit, read
the case page. Only pages are driven here; the one thing a journey may do besides is move the clock (setup).

Fields are found by the form's own markup: every field sits in ``[data-field=<name>]`` with its label, so a step
names the field it fills as the form does, and the label a person reads is checked where it matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from app import clock

CASE_NO = re.compile(r"案件编号\s*([A-Z]{2}\d{14})")


def local(moment: datetime) -> str:
    """What a datetime-local input takes: Beijing wall time to the minute."""
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Person:
    """One demo user in their own browser context."""

    page: Page
    base: str
    username: str
    shots: Path

    # ---------------------------------------------------------------- moving around

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def start(self, process_name: str) -> None:
        """From 发起业务 (the start list) to the process's start page."""
        self.go("/start")
        self.page.get_by_role("link", name=process_name).click()
        expect(self.page.locator("h1")).to_contain_text(process_name)

    def started_case_no(self) -> str:
        flash = self.page.locator(".flash.ok")
        expect(flash).to_contain_text("案件编号")
        return CASE_NO.search(flash.inner_text()).group(1)

    def row(self, view: str, case_no: str, task: str) -> Locator:
        """The menu's inbox view (``mine``, ``group``, ``done``), the case number typed into its search box."""
        with self.page.expect_navigation(
            wait_until="load"
        ):  # htmx listens, and nothing typed is lost to the page being left
            self.page.locator(f'nav.side a[data-view="{view}"]').click()
        self.page.get_by_role("searchbox", name="搜索").fill(case_no)
        expect(self.page).to_have_url(re.compile(f"q={case_no}"))  # the filtered list is in (htmx pushes its URL)
        row = self.page.locator("table.inbox tbody tr").filter(has=self.page.get_by_role("link", name=task, exact=True))
        expect(row).to_have_count(1)
        return row

    def claim(self, case_no: str, task: str) -> None:
        """组内待办 → the case's row for ``task`` → 认领 → its task page."""
        self.row("group", case_no, task).get_by_role("button", name="认领").click()
        expect(self.page.locator(".flash.ok")).to_contain_text("已认领")
        if "/tasks/" not in self.page.url:  # the list came back: open the task from 我的待办
            self.row("mine", case_no, task).get_by_role("link", name="办理").click()
        expect(self.page.locator("h1")).to_have_text(task)
        expect(self.page.get_by_role("button", name="提交")).to_be_visible()

    def open_mine(self, case_no: str, task: str) -> None:
        """我的待办 → 办理 (a task assigned to this person when it was made)."""
        self.row("mine", case_no, task).get_by_role("link", name="办理").click()
        expect(self.page.locator("h1")).to_have_text(task)

    # ---------------------------------------------------------------- filling a form

    def field(self, name: str) -> Locator:
        return self.page.locator(f'form [data-field="{name}"]')

    def type(self, name: str, text: str) -> None:
        box = self.field(name).locator("input:not([type=hidden]), textarea").first
        box.click()
        box.fill(text)

    def when(self, name: str, moment: datetime) -> None:
        self.field(name).locator("input").fill(local(moment))

    def choose(self, name: str, label: str) -> None:
        self.field(name).get_by_label(label, exact=True).check()

    def select(self, name: str, label: str) -> None:
        self.field(name).locator("select").select_option(label=label)

    def pick(self, name: str, query: str, option: str) -> None:
        """A picker: type part of the name, account or phone tail, take the matching option with the keyboard."""
        box = self.field(name)
        search = box.get_by_role("combobox")
        if search.count() == 0:  # a plain text input (no picker widget on this page): type the value itself
            self.type(name, option)
            return
        search.click()
        search.fill("")
        search.press_sequentially(query, delay=30)
        choice = box.get_by_role("option").filter(has_text=option).first
        expect(choice).to_be_visible()
        while choice.get_attribute("aria-selected") != "true":
            search.press("ArrowDown")
        search.press("Enter")
        # Enter while the typed search is still on its way takes its first answer when it arrives: wait for that
        # (the list closes) before moving on, or leaving the box first would drop the unfinished pick.
        expect(box.get_by_role("listbox")).to_be_hidden()

    def submit(self, expect_ok: str | None = None) -> None:
        self.page.get_by_role("button", name="提交").click()
        if expect_ok:
            expect(self.page.locator(".flash.ok")).to_contain_text(expect_ok)

    def expect_error(self, name: str, text: str) -> None:
        """Bad input: the message next to the field, in Chinese."""
        expect(self.field(name).locator(".error-text")).to_contain_text(text)

    def expect_value(self, name: str, value: str) -> None:
        """Nothing typed is lost after a refused submit."""
        expect(self.field(name).locator("input:not([type=hidden]), textarea, select").first).to_have_value(value)

    def _other_tab(self, path: str) -> Page:
        tab = self.page.context.new_page()
        tab.goto(self.base + path)
        return tab

    def expect_still_open(self, case_no: str, task: str) -> None:
        """Nothing was saved by a refused submit: seen from another tab, the task is still open in 我的待办."""
        tab = self._other_tab(f"/inbox?view=mine&q={case_no}")
        expect(
            tab.locator("table.inbox tbody tr").filter(has=tab.get_by_role("link", name=task, exact=True))
        ).to_have_count(1)
        tab.close()

    def expect_no_case_yet(self, query: str) -> None:
        """Nothing was saved by a refused start: no task for the customer in the group's inbox."""
        tab = self._other_tab(f"/inbox?view=group&q={query}")
        expect(tab.locator(".empty")).to_contain_text("没有符合条件的任务")
        tab.close()

    def expect_picked(self, name: str, value: str) -> None:
        """A picker keeps what was picked after a refused submit."""
        expect(self.field(name).locator(f'input[type=hidden][name="{name}"]')).to_have_value(value)

    # ---------------------------------------------------------------- the case page

    def case_page(self, case_no: str, task: str) -> None:
        """From 已办 (where ``task``, done by this person, lists the case) to the case page."""
        self.row("done", case_no, task).get_by_role("link", name=case_no).click()
        expect(self.page.get_by_role("heading", name=re.compile(case_no)).first).to_be_visible()
