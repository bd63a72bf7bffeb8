"""Charts where people look (issue 15 §9): the JSON the overview's and the monthly report's ECharts draw, who may read
it, and the responsible leader (分管领导) reaching the overview and the report from the menu."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.platform import instances, sla, timers
from tests.walk import open_tasks, work
from tests.web.test_pages import sign_in

SLA_SAMPLE_HOURS = '<spiffworkflow:property name="slaHours" value="2" />'


def test_chart_data_on_time_per_unit_breaches_by_rule_open_by_age(app, client, sample, people, at):
    at("2026-03-02T09:00:00+08:00")
    late = instances.start("platform_sample", {"branch": "利州区分公司"}, people["kf_agent"].user)
    work(late.id, "Task_register", people["kf_agent"], {"needs_visit": True})
    prompt = instances.start("platform_sample", {"branch": "利州区分公司"}, people["kf_agent"].user)
    at("2026-03-02T12:00:00+08:00")
    assert timers.sweep() == 1  # S22.4: the visit was not done within 2 hours -> escalated
    sla.record_breaches()
    at("2026-03-12T09:00:00+08:00")
    data = client.get("/api/v1/reports/overview/charts", headers=people["kf_head"].headers).json
    months = data["on_time_by_unit"]["months"]
    assert len(months) == 12 and months[-1] == "2026-03" and months[0] == "2025-04"
    rules = dict(zip(data["breaches_by_rule"]["rules"], data["breaches_by_rule"]["counts"], strict=True))
    assert rules == {"S22.4": 1}
    ages = dict(zip(data["open_by_age"]["buckets"], data["open_by_age"]["on_time"], strict=True))
    assert sum(ages.values()) + sum(data["open_by_age"]["overdue"]) == 2 and ages["7-30天"] == 2
    assert set(open_tasks(prompt.id)) == {"Task_register"}


def test_on_time_rate_per_unit_counts_tasks_done_by_their_due_time(app, client, sample, people, at):
    from sqlalchemy import update

    from app.extensions import db
    from app.models import HumanTask

    at("2026-03-02T09:00:00+08:00")
    ids = [instances.start("platform_sample", {}, people["kf_agent"].user).id for _ in range(2)]
    due = clock.now() + timedelta(hours=1)
    db.session.execute(update(HumanTask).values(due_at=due))
    db.session.commit()
    work(ids[0], "Task_register", people["kf_agent"], {"needs_visit": False})
    at("2026-03-02T11:00:00+08:00")
    work(ids[1], "Task_register", people["kf_agent"], {"needs_visit": False})
    series = client.get("/api/v1/reports/overview/charts", headers=people["kf_head"].headers).json["on_time_by_unit"]
    [csc] = [s for s in series["series"] if s["unit"] == "客服中心"]
    assert csc["rates"][-1] == 50.0 and csc["done"][-1] == 2


def test_chart_data_is_for_overview_readers_only(app, client, people):
    assert client.get("/api/v1/reports/overview/charts", headers=people["lz_staff"].headers).status_code == 403
    for who in ("fg_leader", "auditor", "kf_agent", "lz_head"):
        assert client.get("/api/v1/reports/overview/charts", headers=people[who].headers).status_code == 200, who


def test_the_leader_reaches_overview_and_monthly_report_from_the_menu_with_charts(app, people):
    browser = sign_in(app, "fg_leader")
    menu = browser.get("/inbox").get_data(as_text=True)
    assert 'href="/overview"' in menu and "投诉月报" in menu
    overview = browser.get("/overview")
    assert overview.status_code == 200
    page = overview.get_data(as_text=True)
    assert 'data-chart="on-time-units"' in page and "/vendor/echarts/echarts.min.js" in page
    script = browser.get("/vendor/echarts/echarts.min.js")
    assert script.status_code == 200
    script.close()
    staff = sign_in(app, "lz_staff").get("/inbox").get_data(as_text=True)
    assert 'href="/overview"' not in staff
