"""The auditor in a real browser (issue 15, must show): find a case by the customer's phone tail and replay it to its
third event (tokens and data of that moment); an event row altered in the database is named on the verify page; a
whole case deleted is reported against the last seal; a bundle exported from the page checks with the CLI in a folder
without the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

GASFLOW = Path(sys.executable).parent / "gasflow"


def _case(server, name: str, phone: str, key: str) -> int:
    """A case the hotline agent registered (setup through the services; the journey itself only reads)."""
    from app.org import users
    from app.platform import instances
    from tests.walk import work

    def run():
        agent = users.get_by_username("kf_agent")
        data = {"customer_name": name, "phone": phone, "branch": "利州区分公司"}
        instance = instances.start("platform_sample", data, agent, business_key=key)
        work(instance.id, "Task_register", agent, {"needs_visit": True, "note": "燃气表附近有气味"})
        return instance.id

    return server.call(run)


def _sql(server, fn):
    from app.extensions import db

    def run():
        fn(db.session)
        db.session.commit()

    server.call(run)


def test_auditor_finds_a_case_by_phone_tail_and_replays_it_to_its_third_event(server, open_page):
    _case(server, "周审查", "13712345678", "AUD-B1")
    _case(server, "吴其他", "13700009999", "AUD-B2")
    page = open_page("auditor")
    page.goto(f"{server.url}/inbox")
    page.locator("nav.side").get_by_role("link", name="审计查询").click()
    page.get_by_label("客户").fill("5678")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table.audit-cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("AUD-B1")
    shot(page, "audit_search")
    rows.first.get_by_role("link", name="重放").click()
    expect(page.locator("#replay-status")).to_contain_text("重放完成：5 条事件，每一步状态摘要一致")
    expect(page.locator("#frame-title")).to_contain_text("第 1 条：发起")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#frame-title")).to_contain_text("第 3 条：认领")
    diagram = page.locator("#replay-diagram")
    expect(diagram).to_have_attribute("data-seq", "3")
    expect(diagram).to_have_attribute("data-active", "Task_register")
    expect(page.locator('[data-element-id="Task_register"].gf-active')).to_have_count(1)
    expect(page.locator('[data-element-id="Task_visit"].gf-active')).to_have_count(0)
    expect(page.locator('#frame-data tr[data-key="customer_name"]')).to_contain_text("周审查")
    expect(page.locator('#frame-data tr[data-key="phone"]')).to_contain_text("137****5678")
    expect(page.locator('#frame-data tr[data-key="needs_visit"]')).to_have_count(0)  # entered at event 4, not yet
    expect(page.locator("#frame-verdict")).to_contain_text("非状态事件")
    shot(page, "audit_replay_third_event")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator('#frame-data tr[data-key="needs_visit"].changed')).to_contain_text("true")
    expect(page.locator('[data-element-id="Task_visit"].gf-active')).to_have_count(1)
    expect(page.locator("#frame-verdict")).to_contain_text("状态摘要与记录一致")


def test_auditor_sees_the_verify_page_name_a_tampered_event(server, open_page):
    from sqlalchemy import select, update

    from app.models import Event

    case_id = _case(server, "郑篡改", "13811112222", "AUD-B3")
    page = open_page("auditor")
    page.goto(f"{server.url}/audit/cases/{case_id}")
    page.get_by_role("button", name="核验此案件").click()
    expect(page.locator("#verdict .verdict")).to_have_attribute("data-ok", "1")

    def tamper(session):
        completion = session.scalar(select(Event).where(Event.instance_id == case_id, Event.kind == "task_completed"))
        session.execute(update(Event).where(Event.id == completion.id).values(actor="lz_head"))

    _sql(server, tamper)
    page.reload()
    page.get_by_role("button", name="核验此案件").click()
    expect(page.locator("#first-broken")).to_have_text("4")
    expect(page.locator("#verdict")).to_contain_text("内容与记录的哈希不符")
    shot(page, "audit_verify_tampered")
    page.goto(f"{server.url}/audit/verify")
    page.get_by_role("button", name="开始核验全部案件").click()
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=60_000)
    row = page.locator(f'#broken tr[data-instance="{case_id}"]')
    expect(row).to_contain_text("第 4 条")
    shot(page, "audit_verify_all")
    _sql(
        server,
        lambda s: s.execute(update(Event).where(Event.instance_id == case_id, Event.seq == 4).values(actor="kf_agent")),
    )


def test_auditor_sees_a_deleted_case_reported_against_the_last_seal(server, open_page):
    from sqlalchemy import delete

    from app.models import Correlation, Event, HumanTask, ProcessInstance, Timer

    case_id = _case(server, "王删除", "13922223333", "AUD-B4")
    page = open_page("auditor")
    page.goto(f"{server.url}/audit/verify")
    page.get_by_role("button", name="立即封存").click()
    code = page.locator(".flash.ok").inner_text().split("封存码 ")[1].strip()
    page.get_by_role("link", name="与最新封存比对").click()
    expect(page.locator("#seal-ok")).to_be_visible()

    def remove(session):
        for model in (Event, HumanTask, Timer, Correlation):
            session.execute(delete(model).where(model.instance_id == case_id))
        session.execute(delete(ProcessInstance).where(ProcessInstance.id == case_id))

    _sql(server, remove)
    page.goto(f"{server.url}/audit/verify")
    page.get_by_label("登记簿上的封存码").fill(code)
    page.get_by_role("button", name="按封存码比对").click()
    finding = page.locator(f'#seal-findings li[data-kind="deleted"][data-instance="{case_id}"]')
    expect(finding).to_contain_text(f"案件 {case_id} 在封存后被删除")
    shot(page, "audit_seal_deleted_case")


def test_auditor_exports_a_bundle_that_the_cli_checks_without_the_database(server, open_page, tmp_path):
    case_id = _case(server, "冯导出", "13633334444", "AUD-B5")
    page = open_page("auditor")
    page.goto(f"{server.url}/audit/verify")
    page.get_by_role("button", name="立即封存").click()
    page.goto(f"{server.url}/audit/cases/{case_id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出审计包").click()
    folder = tmp_path / "notary"
    folder.mkdir()
    bundle = folder / "bundle.zip"
    download.value.save_as(bundle)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GASFLOW_", "DATABASE_URL"))}
    env["GASFLOW_INSTANCE_DIR"] = str(folder / "instance")
    result = subprocess.run([str(GASFLOW), "audit", "check-bundle", str(bundle)], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bundle OK" in result.stdout and f"案件 {case_id}" in result.stdout and "包含在封存" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["bundle.zip"]


def test_staff_without_the_auditor_role_are_refused(server, open_page):
    page = open_page("kf_head")
    for path in ("/audit", "/audit/verify", "/audit/compliance", "/audit/customer-access"):
        response = page.goto(f"{server.url}{path}")
        assert response.status == 403, path
    expect(page.locator("nav.side")).not_to_contain_text("审计查询")


def test_the_leader_reaches_the_overview_and_sees_its_charts_drawn(server, open_page):
    page = open_page("fg_leader")
    page.goto(f"{server.url}/inbox")
    page.locator("nav.side").get_by_role("link", name="总览").click()
    for chart in ("#chart-on-time", "#chart-breaches", "#chart-open-age"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
    expect(page.locator("#chart-open-age svg")).to_have_count(1)
    shot(page, "leader_overview_charts")
    # The monthly report's own charts are checked through the test client (tests/complaints/test_report.py): this
    # browser server carries the test forms only, not the complaint forms the report page reads.
    expect(page.locator("nav.side").get_by_role("link", name="投诉月报")).to_be_visible()
