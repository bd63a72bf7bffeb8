"""Outages (processes/planned_outage.bpmn, processes/emergency_outage.bpmn; issue 16) worked to their end in the
browser, only through the pages, by each person they reach.

Planned: 马调度 (dd_staff, 调度中心) requests an outage 47 hours ahead, is refused (S24.2) with the earliest legal
start offered and takes it; 赵经理 (lz_head) agrees for the branch (S24.1); 孙师傅 (lz_staff) publishes the notice on
every channel (S24.2, S24.5); 李坐席 (kf_agent) confirms the hotline knows (S24.8) and sees it on the board; at the
start 孙师傅 confirms supply stopped, then restores it.
Emergency: 李坐席 reports it from the hotline; it is on the public page at once; 李坐席 confirms the hotline, 马调度
sends the written notice to the housing authority and starts the emergency plan (S24.4), 孙师傅 repairs without a
break and restores supply (S24.3).
The clock is moved and the scheduler's sweep run between steps (setup); nothing but the pages moves the cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.clock import SHANGHAI
from tests.browser.conftest import add_customer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ESTATE = ("利州区", "东坝街道", "晨光小区")
PLACE_LABEL = " ".join(ESTATE)
CUSTOMERS = [
    {"account_no": f"LZ-J16{n:02d}", "name": name, "customer_class": cls, "district": ESTATE[0],
     "street": ESTATE[1], "estate": ESTATE[2], "room": f"{n}栋1单元101", "phones": [f"139812316{n:02d}"],
     "branch": "利州区分公司", **({"manager": "lz_staff"} if cls != "B2" else {})}
    for n, name, cls in [(1, "何晓燕", "B2"), (2, "罗建国", "B2"), (3, "晨光小区业委会", "B1")]
]  # fmt: skip
MONDAY = datetime(2026, 4, 6, 9, 20, tzinfo=SHANGHAI)  # a Monday; + 48 h rounds up to the next half hour
CHANNELS = ["posted", "website", "wechat", "app", "newspaper"]


def _customers(server) -> None:
    for customer in CUSTOMERS:
        add_customer(server, customer)


def _sweep(server) -> None:
    from app.platform import timers

    server.call(timers.sweep)


def test_planned_outage_refused_too_early_suggestion_taken_then_published_cut_and_restored(server, person, clock_at):
    _customers(server)
    clock_at(MONDAY)

    dispatcher = person("dd_staff", "outage_planned")
    dispatcher.start("计划停气")
    dispatcher.shot("01_request_form")
    dispatcher.type("cause", "东坝街道中压管道迁改施工")
    dispatcher.choose("kind", "停气")
    dispatcher.pick("areas", "晨光", PLACE_LABEL)
    dispatcher.when(
        "planned_start", MONDAY + timedelta(hours=47)
    )  # Wednesday 08:20: 47 h ahead, the notice not even out
    dispatcher.when("planned_end", MONDAY + timedelta(hours=56))  # Wednesday 17:20
    dispatcher.page.get_by_role("button", name="发起").click()
    dispatcher.expect_error("planned_start", "须提前 48 小时公告")
    dispatcher.expect_error("planned_start", "2026-04-08 13:30")
    dispatcher.expect_value("cause", "东坝街道中压管道迁改施工")
    expect(dispatcher.field("areas").locator('input[type=hidden][name="areas"]')).to_have_value("/".join(ESTATE))
    dispatcher.expect_no_case_yet("东坝街道中压管道迁改施工")
    dispatcher.shot("02_refused_with_suggestion")
    suggestion = dispatcher.field("planned_start").get_by_role("button", name="采用 2026-04-08 13:30")
    suggestion.click()  # the earliest legal start (S24.2), taken as offered
    dispatcher.expect_value("planned_start", "2026-04-08T13:30")
    dispatcher.page.get_by_role("button", name="发起").click()
    case_no = dispatcher.started_case_no()
    assert case_no.startswith("TQ20260406")

    # S24.1: the branch concerned agrees; nobody cuts supply alone.
    clock_at(MONDAY + timedelta(minutes=40))
    head = person("lz_head", "outage_planned")
    head.claim(case_no, "分公司审核同意停气")
    expect(head.page.locator("main")).to_contain_text("居民散户（B2）2 户")
    head.choose("agreed", "是")
    head.type("agree_opinion", "同意，分公司派员配合关阀")
    head.submit("已提交")

    # S24.2, S24.5: the one notice text, published on every channel with who and when.
    clock_at(MONDAY + timedelta(hours=2))
    fitter = person("lz_staff", "outage_planned")
    fitter.claim(case_no, "发布停气公告（各渠道）")
    for item in [
        "停气原因：东坝街道中压管道迁改施工",
        "停气范围：利州区东坝街道晨光小区",
        "停气开始时间：2026年04月08日 13:30",
    ]:
        expect(fitter.page.locator("main")).to_contain_text(item)
    for channel in CHANNELS:
        fitter.when(f"{channel}_published_at", MONDAY + timedelta(hours=1, minutes=50))
        fitter.pick(f"{channel}_published_by", "孙", "孙师傅")
    fitter.shot("03_publication")
    fitter.submit("已提交")

    # S24.8: CSC and the hotline are told beforehand; the board shows the outage.
    agent = person("kf_agent", "outage_planned")
    agent.claim(case_no, "停气信息报送客服中心及热线")
    agent.when("csc_informed_at", MONDAY + timedelta(hours=2))
    agent.choose("hotline_informed", "是")
    agent.submit("已提交")
    agent.go("/board")
    row = agent.page.locator(f'tr[data-case="{case_no}"]')
    expect(row).to_contain_text("已公告，待停气")
    expect(row).to_contain_text("利州区东坝街道晨光小区")
    agent.shot("04_board")

    # At the start the crew confirms supply stopped, then restores it.
    clock_at(datetime(2026, 4, 8, 13, 31, tzinfo=SHANGHAI))
    _sweep(server)
    fitter.claim(case_no, "现场确认已停气")
    fitter.when("stopped_at", datetime(2026, 4, 8, 13, 30, tzinfo=SHANGHAI))
    fitter.choose("stop_confirmed", "是")
    fitter.submit("已提交")
    clock_at(datetime(2026, 4, 8, 17, 10, tzinfo=SHANGHAI))
    fitter.claim(case_no, "恢复供气")
    fitter.when("restored_at", datetime(2026, 4, 8, 17, 0, tzinfo=SHANGHAI))
    fitter.choose("safety_checked", "是")
    fitter.type("restore_note", "碰口完成，置换检漏合格，逐户恢复供气")
    fitter.submit("已提交")

    head.case_page(case_no, "分公司审核同意停气")
    expect(head.page.locator(".status-completed")).to_have_text("已办结")
    timeline = head.page.locator("ol.timeline")
    for step in [
        "分公司审核同意停气",
        "发布停气公告（各渠道）",
        "停气信息报送客服中心及热线",
        "现场确认已停气",
        "恢复供气",
    ]:
        expect(timeline).to_contain_text(step)
    expect(head.page.locator('.djs-element.gf-done[data-element-id="End_restored"]')).to_have_count(1)
    head.shot("05_case_closed")


def test_emergency_outage_from_the_hotline_to_restored_supply(server, person, open_page, clock_at):
    _customers(server)
    began = datetime(2026, 4, 13, 14, 5, tzinfo=SHANGHAI)
    clock_at(began + timedelta(minutes=10))

    agent = person("kf_agent", "outage_emergency")
    agent.start("紧急停气")
    agent.type("cause", "第三方施工挖断中压管道")
    agent.choose("kind", "停气")
    agent.pick("areas", "晨光", PLACE_LABEL)
    agent.when("started_at", began)
    agent.when("expected_restore", began + timedelta(hours=6))
    agent.choose("major_incident", "否")
    agent.page.get_by_role("button", name="发起").click()
    case_no = agent.started_case_no()
    assert case_no.startswith("JT20260413")

    # S24.8: on the public page at once (nobody signed in), without personal data.
    public = open_page()
    public.goto(f"{server.url}/outages")
    expect(public.locator("main")).to_contain_text("第三方施工挖断中压管道")
    expect(public.locator("main")).not_to_contain_text("何晓燕")

    clock_at(began + timedelta(minutes=45))  # what the hotline and dispatch record below has happened by now
    agent.claim(case_no, "热线知悉并做好用户解释")
    agent.when("hotline_informed_at", began + timedelta(minutes=12))
    agent.choose("hotline_informed", "是")
    agent.submit("已提交")

    # S24.4: a sudden outage — the written notice to the housing authority at once, and the emergency plan.
    dispatcher = person("dd_staff", "outage_emergency")
    dispatcher.claim(case_no, "书面通知城乡规划和住房保障局")
    letter = dispatcher.page.context.new_page()
    letter.goto(f"{server.url}/inbox?view=mine&q={case_no}")
    letter.get_by_role("link", name=case_no).first.click()
    letter.get_by_role("link", name="致城乡规划和住房保障局书面通知（打印）").click()
    expect(letter.locator("body")).to_contain_text("广元市城乡规划和住房保障局")
    expect(letter.locator("body")).to_contain_text("突发停气")
    letter.close()
    dispatcher.choose("notice_printed", "是")
    dispatcher.when("housing_sent_at", began + timedelta(minutes=40))
    dispatcher.choose("housing_sent_how", "专人送达")
    dispatcher.type("housing_received_by", "住建局值班室王科长")
    dispatcher.submit("已提交")
    dispatcher.claim(case_no, "启动保障供气应急预案（居民优先）")
    dispatcher.choose("plan_started", "是")
    dispatcher.choose("residential_first", "是")
    dispatcher.when("expected_restore", began + timedelta(hours=6))
    dispatcher.type("plan_measures", "关阀隔离，居民用户优先恢复")
    dispatcher.submit("已提交")

    # S24.3: continuous repair until supply is back.
    clock_at(began + timedelta(hours=5))
    fitter = person("lz_staff", "outage_emergency")
    fitter.claim(case_no, "不间断抢修并恢复供气")
    fitter.when("restored_at", began + timedelta(hours=4, minutes=50))
    fitter.choose("safety_checked", "是")
    fitter.type("restore_note", "更换受损管段，置换检漏合格，恢复供气")
    fitter.submit("已提交")

    fitter.case_page(case_no, "不间断抢修并恢复供气")
    expect(fitter.page.locator(".status-completed")).to_have_text("已办结")
    timeline = fitter.page.locator("ol.timeline")
    for step in ["热线知悉并做好用户解释", "书面通知城乡规划和住房保障局", "启动保障供气应急预案（居民优先）",
                 "不间断抢修并恢复供气"]:  # fmt: skip
        expect(timeline).to_contain_text(step)
    fitter.shot("03_case_closed")
