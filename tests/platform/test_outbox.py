"""The notification outbox (issue 16 §4, docs/outbox.md): one row per idempotency key, written in the caller's
transaction; delivered after commit; retried with backoff; never sent twice — also when the sender is killed between
the gateway's answer and recording it; every failure on the admins' outbox page. The Alibaba Cloud adapter is the
real SDK talking to a stand-in on 127.0.0.1 (tests/sms_standin.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock
from app.core.errors import Conflict, Forbidden
from app.core.tx import writes
from app.customers import masking
from app.extensions import db
from app.models import OutboxMessage
from app.platform import outbox, outbox_delivery, sms_gateways
from tests.conftest import ROOT
from tests.sms_standin import Server
from tests.web.test_pages import sign_in

GASFLOW = Path(sys.executable).parent / "gasflow"
START = "2026-03-02T09:00:00+08:00"
TEMPLATES = {"outage_planned": "SMS_100001", "test": "SMS_100002"}


def _message(n: int = 1, kind: str = "test", phone: str | None = None) -> outbox.Message:
    return outbox.Message(f"test:{n}", kind, phone or f"1390000{n:04d}", f"测试短信 {n}", {"n": str(n)}, f"LZ-{n:04d}")


@writes
def _enqueue(messages: list[outbox.Message]) -> int:
    return outbox.enqueue_many(messages)


def _rows() -> list[OutboxMessage]:
    db.session.commit()  # a fresh snapshot (other processes write)
    return list(
        db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True))
    )


def _aliyun(app, settings, endpoint: str) -> sms_gateways.AliyunSmsGateway:
    gateway = sms_gateways.AliyunSmsGateway(settings.with_overrides(**_aliyun_settings(endpoint)))
    app.extensions["gasflow_sms_gateway"] = gateway
    return gateway


def _aliyun_settings(endpoint: str) -> dict:
    return {"sms_gateway": "aliyun", "aliyun_sms_endpoint": endpoint, "aliyun_sms_protocol": "http",
            "aliyun_sms_access_key_id": "test-key-id", "aliyun_sms_access_key_secret": "test-key-secret",
            "sms_sign_name": "广元燃气", "sms_templates": TEMPLATES}  # fmt: skip


def test_enqueue_adds_one_row_per_idempotency_key(app, at):
    at(START)
    assert _enqueue([_message(1), _message(2), _message(1)]) == 2
    assert _enqueue([_message(2), _message(3)]) == 1  # a repeated step or request adds nothing for a known key
    rows = _rows()
    assert [r.idempotency_key for r in rows] == ["test:1", "test:2", "test:3"]
    assert {r.status for r in rows} == {"pending"} and rows[0].out_id == outbox.out_id("test:1")
    assert json.loads(rows[0].params_json) == {"n": "1"}


def test_enqueue_commits_or_vanishes_with_the_callers_transaction(app, at):
    at(START)

    @writes
    def step_that_fails():
        outbox.enqueue(_message(7))
        raise Conflict("the step's own write was refused")

    with pytest.raises(Conflict):
        step_that_fails()
    assert _rows() == []


def test_log_gateway_delivers_after_commit_once(app, settings, at):
    at(START)
    _enqueue([_message(1), _message(2)])
    report = outbox_delivery.deliver_all()
    assert report.sent == 2
    log = (settings.instance_dir / "outbox.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["out_id"] for line in log] == [outbox.out_id("test:1"), outbox.out_id("test:2")]
    assert {r.status for r in _rows()} == {"sent"}
    assert outbox_delivery.deliver_all().total() == 0  # nothing sent again
    assert len((settings.instance_dir / "outbox.log").read_text(encoding="utf-8").splitlines()) == 2


def test_delivery_is_a_scheduler_job(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from app import scheduler

    jobs = BackgroundScheduler(timezone="UTC")
    scheduler.register_jobs(jobs, app)
    assert "outbox_delivery" in {job.id for job in jobs.get_jobs()}


def test_aliyun_sdk_sends_with_settings_and_out_id(app, settings, at):
    at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1, "outage_planned")])
        assert outbox_delivery.deliver_all().sent == 1
        [taken] = gw.state.accepted
    assert taken["OutId"] == outbox.out_id("test:1") and taken["PhoneNumbers"] == "13900000001"
    assert taken["TemplateCode"] == "SMS_100001" and taken["SignName"] == "广元燃气"
    assert json.loads(taken["TemplateParam"]) == {"n": "1"}
    assert gw.state.credentials == ["test-key-id"]  # the key id from settings signs the request
    [row] = _rows()
    assert row.status == "sent" and row.gateway_id == taken["BizId"] and row.attempts == 1


def test_refused_by_the_gateway_retried_with_backoff_then_sent(app, settings, at):
    start = at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1)])
        gw.state.fail_next(2, status=400, code="Throttling.User")  # the gateway answered: not taken, try later
        assert outbox_delivery.deliver().retrying == 1
        [row] = _rows()
        assert row.status == "pending" and row.attempts == 1 and "Throttling.User" in row.last_error
        assert row.next_attempt_at == start + timedelta(seconds=30)
        assert outbox_delivery.deliver().total() == 0  # not before the backoff has passed
        at("2026-03-02T09:00:30+08:00")
        assert outbox_delivery.deliver().retrying == 1
        assert _rows()[0].next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled
        at("2026-03-02T09:01:30+08:00")
        assert outbox_delivery.deliver().sent == 1
        assert gw.state.requests == ["SendSms"] * 3 and gw.state.out_ids() == [outbox.out_id("test:1")]
    [row] = _rows()
    assert row.status == "sent" and row.attempts == 3


def test_5xx_is_looked_up_before_any_resend(app, settings, at):
    at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1)])
        gw.state.fail_next(1, status=503)  # did it arrive? the sender cannot know
        assert outbox_delivery.deliver().in_doubt == 1
        [row] = _rows()
        assert row.status == "sending" and "待核实" in row.last_error
        at("2026-03-02T09:00:31+08:00")  # the backoff passed: look it up — absent — then send it again
        report = outbox_delivery.deliver_all()
        assert report.reconciled_absent == 1 and report.sent == 1
        assert gw.state.requests == ["SendSms", "QuerySendDetails", "SendSms"]
        assert gw.state.out_ids() == [outbox.out_id("test:1")]
    assert _rows()[0].status == "sent"


def test_permanent_rejection_fails_shows_on_the_page_and_an_admin_resends(app, settings, people, at):
    at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1), _message(2, kind="unknown_kind")])
        gw.state.fail_next(1, status=200, code="isv.MOBILE_NUMBER_ILLEGAL")
        assert outbox_delivery.deliver_all().failed == 2
        rows = _rows()
        assert [r.status for r in rows] == ["failed", "failed"]
        assert "MOBILE_NUMBER_ILLEGAL" in rows[0].last_error and "未配置短信模板" in rows[1].last_error
        admin = sign_in(app, "admin")
        page = admin.get("/admin/outbox").get_data(as_text=True)
        assert "MOBILE_NUMBER_ILLEGAL" in page and "未配置短信模板" in page and "重新发送" in page
        assert "13900000001" not in page and masking.mask("13900000001") in page  # a list shows masked numbers (S21.4)
        with pytest.raises(Forbidden):
            outbox.retry(rows[0].id, people["kf_agent"].user)
        assert admin.post(f"/admin/outbox/{rows[0].id}/retry").status_code == 303
        assert outbox_delivery.deliver_all().sent == 1
    assert [r.status for r in _rows()] == ["sent", "failed"]


def test_outbox_page_is_for_admins_only(app, people):
    assert sign_in(app, "kf_agent").get("/admin/outbox").status_code == 403


def test_only_a_failed_message_is_resent_by_hand(app, people, at):
    at(START)
    _enqueue([_message(1)])
    outbox_delivery._claim("a-sender", 10)  # might be at the gateway right now
    with pytest.raises(Conflict):
        outbox.retry(_rows()[0].id, people["admin"].user)


def test_gives_up_after_max_attempts(app, settings, at):
    at(START)
    app.config["GASFLOW"] = settings.with_overrides(outbox_max_attempts=2)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1)])
        gw.state.fail_next(5, status=200, code="isv.BUSINESS_LIMIT_CONTROL")
        outbox_delivery.deliver()
        at("2026-03-02T09:05:00+08:00")
        outbox_delivery.deliver()
    [row] = _rows()
    assert row.status == "failed" and row.attempts == 2 and "BUSINESS_LIMIT_CONTROL" in row.last_error


def test_a_claimed_message_whose_sender_died_before_sending_is_sent_once(app, settings, at):
    at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1)])
        outbox_delivery._claim("dead-sender", 10)  # claimed, then the sender died before calling the gateway
        assert outbox_delivery.deliver().total() == 0  # its lease still holds
        at("2026-03-02T09:02:01+08:00")
        report = outbox_delivery.deliver_all()
        assert report.reconciled_absent == 1 and report.sent == 1
        assert gw.state.out_ids() == [outbox.out_id("test:1")]


def test_unreadable_gateway_record_keeps_the_message_in_doubt(app, settings, at):
    at(START)
    with Server() as gw:
        _aliyun(app, settings, gw.endpoint)
        _enqueue([_message(1)])
        outbox_delivery._claim("dead-sender", 10)
        gw.state.query_failures = 1
        at("2026-03-02T09:02:01+08:00")
        assert outbox_delivery.deliver().in_doubt == 1  # cannot tell: neither sent nor resent
        assert gw.state.out_ids() == [] and _rows()[0].status == "sending"
        at("2026-03-02T09:03:00+08:00")
        assert outbox_delivery.deliver_all().sent == 1
        assert gw.state.out_ids() == [outbox.out_id("test:1")]


def _spawn_sender(settings, endpoint: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "GASFLOW_INSTANCE_DIR": str(settings.instance_dir),
           "GASFLOW_SECRET_KEY": "test-secret", "GASFLOW_TIME_TRAVEL": "1", "GASFLOW_SMS_GATEWAY": "aliyun",
           "GASFLOW_ALIYUN_SMS_ENDPOINT": endpoint, "GASFLOW_ALIYUN_SMS_PROTOCOL": "http",
           "GASFLOW_ALIYUN_SMS_ACCESS_KEY_ID": "test-key-id", "GASFLOW_ALIYUN_SMS_ACCESS_KEY_SECRET": "test-secret-2",
           "GASFLOW_SMS_SIGN_NAME": "广元燃气",
           "GASFLOW_SMS_TEMPLATES": ",".join(f"{k}={v}" for k, v in TEMPLATES.items())}  # fmt: skip
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(GASFLOW), "outbox", "deliver", "--once"], env=env, stdout=out, stderr=out, cwd=ROOT
        )


@pytest.mark.slow
def test_sender_killed_between_sending_and_recording_never_sends_twice(app, settings, at, tmp_path):
    """The gateway takes the message, the sender is SIGKILLed before it records the answer: the row stays "sending";
    once its lease runs out the next sender finds the message at the gateway by its OutId and records it as sent."""
    at(START)
    _enqueue([_message(1), _message(2)])
    db.session.remove()  # nothing held open while the child writes
    with Server() as gw:
        gw.state.hold = threading.Event()
        proc = _spawn_sender(settings, gw.endpoint, tmp_path / "sender.log")
        try:
            got = gw.state.received.wait(60)
            assert got, (tmp_path / "sender.log").read_text(errors="replace")
            os.kill(proc.pid, signal.SIGKILL)  # between the gateway's acceptance and the recording
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        gw.state.hold.set()
        assert gw.state.out_ids() == [outbox.out_id("test:1")]
        rows = _rows()
        assert [(r.status, r.attempts) for r in rows] == [("sending", 1), ("sending", 1)]  # both claimed, one sent
        _aliyun(app, settings, gw.endpoint)
        gw.state.hold = None
        assert outbox_delivery.deliver().total() == 0  # the dead sender's lease still holds: nobody touches them
        at("2026-03-02T09:05:00+08:00")  # past the 120 s lease
        report = outbox_delivery.deliver_all()
        assert report.reconciled_sent == 1 and report.reconciled_absent == 1 and report.sent == 1
        assert sorted(gw.state.out_ids()) == sorted([outbox.out_id("test:1"), outbox.out_id("test:2")])  # once each
    assert [r.status for r in _rows()] == ["sent", "sent"]
