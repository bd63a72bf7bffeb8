"""Metrics and logs an operator can watch (issue 18 §1-2): every metric family after a case really ran, /metrics shut to
strangers, steps counted only once committed, JSON log lines with request ids and no unmasked phone (S21.4)."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.core import logs
from app.core.errors import Invalid
from app.core.tx import after_commit, writes
from app.extensions import db
from app.models import HumanTask
from app.platform import definitions, heartbeat, instances, timers
from tests.conftest import FIXTURES
from tests.engine import hostile
from tests.walk import event_payloads

T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
TOKEN = "scrape-me-0123456789"
SLA_BPMN = FIXTURES / "sla_complaint.bpmn"


@pytest.fixture
def metered(app):
    app.config["GASFLOW"] = app.config["GASFLOW"].with_overrides(metrics_token=TOKEN)
    return app


@pytest.fixture
def log_lines(app):
    """What the gasflow logger writes, configured as create_app configures it (JSON), into a buffer."""
    buffer = io.StringIO()
    logs.configure("json", "INFO", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logs.configure("json", "INFO")


def scrape(client, headers=None) -> dict[str, list]:
    response = client.get("/metrics", headers=headers or {"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {f.name: f.samples for f in text_string_to_metric_families(response.get_data(as_text=True))}


def value(samples, name: str, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert found, (name, labels, samples)
    return sum(found)


def test_every_metric_family_is_exposed_after_a_case_runs(metered, client, sample, people, at):
    at(T0.isoformat())
    agent = people["kf_agent"]
    # A case over HTTP: started, its first task claimed and completed.
    started = client.post("/api/v1/instances", json={"process": "platform_sample", "data": {}}, headers=agent.headers)
    task_id = started.json["open_tasks"][0]["id"]
    client.post(f"/api/v1/tasks/{task_id}/claim", headers=agent.headers)
    done = client.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": {"needs_visit": False}}, headers=agent.headers
    )
    assert done.status_code == 200
    # A timer that fires an hour late, and a diagram that fails into an incident.
    definitions.deploy(hostile.timer_then_script("metered_timer", "x = 3"), "metered_timer.bpmn")
    instances.start("metered_timer", {}, None)
    definitions.deploy(hostile.script_then_task("broken_start", "x = undefined_name + 1"), "broken.bpmn")
    broken = client.post(
        "/api/v1/instances", json={"process": "broken_start", "data": {}}, headers=people["owner"].headers
    )
    assert broken.json["status"] == "incident"
    at((T0 + timedelta(hours=2)).isoformat())
    assert timers.sweep() == 1
    heartbeat.beat()

    families = scrape(client)
    requests = families["gasflow_http_requests"]
    assert value(requests, "gasflow_http_requests_total", route="/api/v1/instances", status="201") == 2
    assert value(requests, "gasflow_http_requests_total", route="/api/v1/tasks/<task_id>/complete", status="200") == 1
    latency = families["gasflow_http_request_duration_seconds"]
    assert value(latency, "gasflow_http_request_duration_seconds_count", route="/api/v1/instances") == 2
    steps = families["gasflow_engine_steps"]
    assert value(steps, "gasflow_engine_steps_total", process="platform_sample", kind="started") == 1
    assert value(steps, "gasflow_engine_steps_total", process="platform_sample", kind="task_completed") == 1
    assert value(steps, "gasflow_engine_steps_total", process="metered_timer", kind="timer_fired") == 1
    assert value(families["gasflow_engine_step_duration_seconds"], "gasflow_engine_step_duration_seconds_count") >= 4
    assert value(families["gasflow_engine_step_failures"], "gasflow_engine_step_failures_total",
                 process="broken_start", kind="started") == 1  # fmt: skip
    assert value(families["gasflow_task_completions"], "gasflow_task_completions_total", process="platform_sample") == 1
    assert value(families["gasflow_timers_fired"], "gasflow_timers_fired_total", process="metered_timer") == 1
    lag = families["gasflow_timer_lag_seconds"]
    assert value(lag, "gasflow_timer_lag_seconds_count") == 1
    assert value(lag, "gasflow_timer_lag_seconds_sum") == pytest.approx(3600, abs=5)  # due at +1 h, fired at +2 h
    assert value(families["gasflow_tasks_open"], "gasflow_tasks_open", process="metered_timer") == 1  # after its timer
    assert "gasflow_tasks_overdue" in families and "gasflow_tasks_at_risk" in families
    assert value(families["gasflow_timers_due"], "gasflow_timers_due") == 0  # the sweep left nothing due
    assert value(families["gasflow_incidents_open"], "gasflow_incidents_open", process="broken_start") == 1
    assert value(families["gasflow_outbox_messages"], "gasflow_outbox_messages", status="failed") == 0
    for gauge in ("gasflow_outbox_backlog", "gasflow_outbox_failed", "gasflow_outbox_retrying"):
        assert value(families[gauge], gauge) == 0
    assert value(families["gasflow_db_pool_size"], "gasflow_db_pool_size") >= 1
    assert "gasflow_db_pool_checked_out" in families
    assert value(families["gasflow_scheduler_heartbeat_age_seconds"], "gasflow_scheduler_heartbeat_age_seconds",
                 scheduler=heartbeat.NAME) < 5  # fmt: skip
    assert value(families["gasflow_schedulers_alive"], "gasflow_schedulers_alive") == 1
    assert value(families["gasflow_metrics_scrape_errors"], "gasflow_metrics_scrape_errors") == 0


def test_open_at_risk_and_overdue_tasks_are_counted_per_process_and_unit(metered, client, people, at):
    """C15.1-style limits (tests/fixtures/sla_complaint.bpmn): the same open task is counted open, then at risk within
    a day of its limit, then overdue past it (the sweep is not run, so it stays open)."""
    definitions.deploy(SLA_BPMN.read_bytes(), SLA_BPMN.name)
    at(T0.isoformat())
    instance = instances.start("sla_complaint", {"received_at": T0.isoformat(), "branch": "利州区分公司", "case_no": "TS-1"},
                               people["kf_agent"].user)  # fmt: skip
    [task] = db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "ready")
    )
    unit = task.candidate_group
    counts = {}
    for label, moment in [
        ("fresh", T0),
        ("risky", task.due_at - timedelta(hours=2)),
        ("late", task.due_at + timedelta(hours=1)),
    ]:
        at(moment.isoformat())
        families = scrape(client)
        counts[label] = tuple(
            value(families[f"gasflow_tasks_{kind}"], f"gasflow_tasks_{kind}", process="sla_complaint", unit=unit)
            for kind in ("open", "at_risk", "overdue")
        )
    assert counts == {"fresh": (1, 0, 0), "risky": (1, 1, 0), "late": (1, 0, 1)}


def test_metrics_refuse_strangers_and_staff(metered, client, people):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=people["kf_agent"].headers).status_code == 403
    assert client.get("/metrics", headers=people["admin"].headers).status_code == 200  # an administrator may look
    assert "gasflow_http_requests_total" in client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text


def test_metrics_have_no_token_to_guess_when_none_is_set(app, client, people):
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers=people["admin"].headers).status_code == 200


def test_a_metrics_port_takes_metrics_off_the_app(metered, client):
    metered.config["GASFLOW"] = metered.config["GASFLOW"].with_overrides(metrics_port=9187)
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_a_metrics_port_serves_every_family_from_its_own_thread(metered):
    """The scrape comes on the port's thread, outside any request: the database gauges still read (their own app
    context)."""
    import socket
    import urllib.request

    from app.web import observability

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    metered.config["GASFLOW"] = metered.config["GASFLOW"].with_overrides(metrics_port=port)
    server = observability.serve_metrics_port(metered)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    families = {f.name: f.samples for f in text_string_to_metric_families(body)}
    assert value(families["gasflow_metrics_scrape_errors"], "gasflow_metrics_scrape_errors") == 0
    assert value(families["gasflow_timers_waiting"], "gasflow_timers_waiting") == 0 and "gasflow_tasks_open" in families


def test_after_commit_hooks_run_only_for_committed_transactions(app):
    ran: list[str] = []

    @writes
    def kept():
        after_commit(lambda: ran.append("kept"))

    @writes
    def undone():
        after_commit(lambda: ran.append("undone"))
        raise Invalid("rolled back")

    kept()
    with pytest.raises(Invalid):
        undone()
    assert ran == ["kept"]


def test_log_lines_are_json_with_the_request_id_also_in_the_case_events(client, sample, people, log_lines):
    headers = {**people["kf_agent"].headers, "X-Request-ID": "req-0001-abcdef"}
    response = client.post("/api/v1/instances", json={"process": "platform_sample", "data": {}}, headers=headers)
    assert response.headers["X-Request-ID"] == "req-0001-abcdef"
    [line] = [entry for entry in log_lines() if entry["logger"] == "gasflow.http"]
    assert line["request_id"] == "req-0001-abcdef" and line["level"] == "info"
    assert line["route"] == "/api/v1/instances" and line["status"] == 201 and line["user"] == "kf_agent"
    assert event_payloads(response.json["id"], "started")[0]["request_id"] == "req-0001-abcdef"
    fresh = client.get("/healthz")  # no id given: one is made
    assert len(fresh.headers["X-Request-ID"]) == 16


def test_log_lines_mask_phone_numbers_and_names(client, people, log_lines):
    client.get("/api/v1/customers/13812345678", headers=people["kf_agent"].headers)  # a phone in a path
    logging.getLogger("gasflow.test").warning(
        "caller 13912345678 rang from 0839-3261234", extra={"customer_name": "王小明", "phone": "13700001111"}
    )
    text = "\n".join(json.dumps(entry, ensure_ascii=False) for entry in log_lines())
    for secret in ("13812345678", "13912345678", "3261234", "王小明", "13700001111"):
        assert secret not in text
    [warning] = [entry for entry in log_lines() if entry["logger"] == "gasflow.test"]
    assert warning["msg"] == "caller 139****5678 rang from 0839****234"
    assert warning["customer_name"] == "王**" and warning["phone"] == "*******1111"
    assert any("138****5678" in entry.get("path", "") for entry in log_lines())


def test_an_engine_failure_is_logged_at_error_with_case_and_element(client, people, log_lines):
    definitions.deploy(hostile.script_then_task("broken_start", "x = undefined_name + 1"), "broken.bpmn")
    response = client.post("/api/v1/instances", json={"process": "broken_start", "data": {}},
                           headers=people["owner"].headers)  # fmt: skip
    [line] = [entry for entry in log_lines() if entry["logger"] == "gasflow.engine"]
    assert line["level"] == "error" and line["case"] == response.json["id"] and line["element"] == "Script_x"
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_the_alert_rules_and_dashboard_name_only_metrics_that_exist(metered, client):
    """docs/ops/ refers to metrics by name; a typo there would be an alert that never fires."""
    import re
    from pathlib import Path

    ops = Path(__file__).resolve().parents[2] / "docs" / "ops"
    text = (ops / "prometheus-alerts.yml").read_text() + (ops / "grafana-dashboard.json").read_text()
    named = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in re.findall(r"gasflow_[a-z_]+", text)}
    assert len(named) > 15
    assert named - set(scrape(client)) == set()
