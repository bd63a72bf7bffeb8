"""The connection pages and API (S5, S10, S18.5, issue 17 §1 and §5): counter intake with the one-time notice, the
commitments table (admins edit), the online application verified by an SMS code through the outbox, the public
progress lookup (right digits or nothing; logged; rate-limited), the API contract. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.connection import application, commitments, progress
from app.extensions import db
from app.models import ConnectionLookup, OutboxMessage, ProcessInstance
from app.platform import instances
from tests.connection.helpers import ACCEPT, COUNTER, work
from tests.web.test_pages import Browser, sign_in

PUBLIC = {"customer_class": "B2", "customer_name": "刘淑芬", "phone": "13981230201", "branch": "利州区分公司",
          "street": "嘉陵街道", "estate": "滨江花园", "room": "3栋2单元501", "expected_use": "家庭炊事、热水器",
          "documents_brought": ["id_card", "deed"]}  # fmt: skip


def _public(app) -> Browser:
    browser = Browser(app.test_client())
    browser.get("/connection/apply")
    return browser


def _code_sent_to(phone: str) -> str:
    text = db.session.scalars(
        select(OutboxMessage.text).where(OutboxMessage.recipient == phone, OutboxMessage.kind == "connection_code")
        .order_by(OutboxMessage.id.desc())
    ).first()  # fmt: skip
    return re.search(r"验证码为 (\d{6})", text).group(1)


def test_S5_counter_page_tells_everything_once_and_keeps_what_was_typed(app, people, connection):
    staff = sign_in(app, "lz_staff")
    page = staff.get("/connection/counter").get_data(as_text=True)
    assert "一次性告知" in page and "房屋产权证明或租赁合同" in page and "编制供气方案" in page
    response = staff.post("/connection/counter", {"channel": "counter", "customer_class": "A1", "phone": "139812",
                                                  "street": "宝轮镇"})  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "宝轮镇" in body and "error-text" in body
    form = {**{k: v for k, v in COUNTER.items() if k != "documents_brought"}, "small_enterprise": "false",
            "expected_volume": "12000", "documents_brought": COUNTER["documents_brought"]}  # fmt: skip
    response = staff.post("/connection/counter", form)
    assert response.status_code == 303
    started = db.session.scalar(select(ProcessInstance).where(ProcessInstance.process_key == "gas_connection"))
    assert instances.case_data(started)["channel"] == "counter"


def test_generic_start_refused_the_area_intake_is_the_way_in(app, people, connection):
    import pytest

    from app.core.errors import Forbidden

    with pytest.raises(Forbidden):
        instances.start("gas_connection", {**COUNTER, "application_no": "X"}, people["lz_staff"].user)


def test_M7_1_proxy_by_a_customer_manager_needs_a_manager_of_that_branch(app, people, connection):
    import pytest

    from app.core.errors import Invalid

    result = application.apply({**COUNTER, "channel": "proxy"}, people["lz_mgr1"].user)  # the manager is the proxy
    case = instances.case_data(instances.get(result.instance_id))
    assert case["proxy_manager"] == "lz_mgr1" and case["suggested_manager"] == "lz_mgr1"
    with pytest.raises(Invalid) as err:
        application.apply({**COUNTER, "channel": "proxy"}, people["lz_staff"].user)
    assert err.value.extra["errors"][0]["field"] == "proxy_manager"
    with pytest.raises(Invalid):
        application.apply({**COUNTER, "channel": "proxy", "proxy_manager": "lz_staff"}, people["lz_staff"].user)


def test_M8_2_suggestion_goes_to_the_manager_with_fewer_cases_in_hand(app, people, connection):
    first = application.apply(COUNTER, people["lz_staff"].user).instance_id
    work(people, first, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    second = application.apply(COUNTER, people["lz_staff"].user).instance_id
    assert instances.case_data(instances.get(second))["suggested_manager"] == "lz_mgr2"


def test_online_application_needs_the_sms_code_from_the_outbox(app, people, connection, at):
    at("2026-03-02T09:00:00+08:00")
    public = _public(app)
    page = public.get("/connection/apply").get_data(as_text=True)
    assert "一次性告知" in page and "利州区分公司" in page
    response = public.post("/connection/apply/code", {**PUBLIC})
    assert response.status_code == 200 and "验证码已发送" in response.get_data(as_text=True)
    assert public.post("/connection/apply/code", {**PUBLIC}).status_code == 429  # one a minute
    code = _code_sent_to(PUBLIC["phone"])
    wrong = "000000" if code != "000000" else "111111"
    response = public.post("/connection/apply", {**PUBLIC, "code": wrong})
    assert response.status_code == 422 and "验证码不正确" in response.get_data(as_text=True)
    assert "滨江花园" in response.get_data(as_text=True)  # nothing typed is lost
    assert db.session.scalar(select(ProcessInstance.id)) is None
    response = public.post("/connection/apply", {**PUBLIC, "code": code})
    assert response.status_code == 200
    number = re.search(r"BZ\d{14}", response.get_data(as_text=True)).group(0)
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == number))
    assert instance.started_by_id == people["online_hall"].user.id  # started by the online hall's client
    assert instances.case_data(instance)["channel"] == "online"
    assert public.post("/connection/apply", {**PUBLIC, "code": code}).status_code == 422  # a code is used once
    received = db.session.scalars(select(OutboxMessage.text).where(OutboxMessage.kind == "connection_received")).all()
    assert any(number in text for text in received)


def test_wrong_codes_are_counted_and_five_wrong_tries_kill_the_code(app, people, connection, at):
    at("2026-03-02T09:00:00+08:00")
    public = _public(app)
    public.post("/connection/apply/code", {**PUBLIC})
    code = _code_sent_to(PUBLIC["phone"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert public.post("/connection/apply", {**PUBLIC, "code": wrong}).status_code == 422
    assert public.post("/connection/apply", {**PUBLIC, "code": code}).status_code == 422


def test_S18_5_public_progress_needs_the_right_digits_logs_every_lookup_and_is_rate_limited(app, people, connection):
    result = application.apply(COUNTER, people["lz_staff"].user)
    work(people, result.instance_id, "Task_assign_manager", "lz_head", {"manager": "lz_mgr1"})
    work(people, result.instance_id, "Task_accept", "lz_mgr1", ACCEPT)
    public = Browser(app.test_client())
    public.get("/connection/progress")
    wrong = public.post("/connection/progress", {"application_no": result.application_no, "last4": "0000"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 404 and "未找到" in body and "刘经理" not in body and "现场踏勘" not in body
    right = public.post("/connection/progress", {"application_no": result.application_no, "last4": "0417"})
    body = right.get_data(as_text=True)
    assert right.status_code == 200 and "刘经理" in body and "0839-3301234" in body and "现场踏勘" in body
    assert "13981230417" not in body and "宏达" not in body
    assert [r.found for r in db.session.scalars(select(ConnectionLookup).order_by(ConnectionLookup.id))] == [
        False,
        True,
    ]
    for _ in range(progress.FAILURES_PER_APPLICATION):
        public.post("/connection/progress", {"application_no": result.application_no, "last4": "1111"})
    throttled = public.post("/connection/progress", {"application_no": result.application_no, "last4": "0417"})
    assert throttled.status_code == 429 and "过于频繁" in throttled.get_data(as_text=True)


def test_S10_commitments_page_admin_edits_others_read(app, people, connection):
    staff = sign_in(app, "lz_staff")
    page = staff.get("/connection/commitments").get_data(as_text=True)
    assert "业务办理时限服务承诺" in page and 'type="number"' not in page
    assert staff.post("/connection/commitments", {"survey.fast": "4"}).status_code == 403
    admin = sign_in(app, "admin")
    form = {f"{s.key}.{p}": str(commitments.table()[s.key][p]) for s in commitments.STEPS for p in commitments.PATHS}
    response = admin.post("/connection/commitments", {**form, "survey.fast": "0"})
    assert response.status_code == 422 and "1-120" in response.get_data(as_text=True)
    assert admin.post("/connection/commitments", {**form, "survey.fast": "4"}).status_code == 303
    assert commitments.days("survey", "fast") == 4


def test_api_opens_an_application_and_reads_its_progress(client, people, connection):
    response = client.post("/api/v1/connections", json=COUNTER, headers=people["lz_staff"].headers)
    assert response.status_code == 201
    iid = response.get_json()["instance_id"]
    body = client.get(f"/api/v1/connections/{iid}/progress", headers=people["lz_staff"].headers).get_json()
    assert body["steps"][0]["label"] == "受理审核" and body["path"].startswith("客户经理一对一")
    bad = client.post("/api/v1/connections", json={**COUNTER, "branch": "客服中心"}, headers=people["lz_staff"].headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "branch"
    online = client.post(
        "/api/v1/connections", json={**COUNTER, "channel": "online"}, headers=people["lz_staff"].headers
    )
    assert online.status_code == 422


def test_public_lookups_are_limited_per_client(app, people, connection):
    public = Browser(app.test_client())
    public.get("/connection/progress")
    for n in range(progress.LOOKUPS_PER_CLIENT):
        response = public.post("/connection/progress", {"application_no": f"BZ20260302{n:06d}", "last4": "1234"})
        assert response.status_code == 404
    refused = public.post("/connection/progress", {"application_no": "BZ20260302999999", "last4": "1234"})
    assert refused.status_code == 429
    logged = db.session.scalars(select(ConnectionLookup)).all()
    assert len(logged) == progress.LOOKUPS_PER_CLIENT + 1 and not any(r.found for r in logged)


def test_counter_page_offers_no_online_channel(app, people, connection):
    page = sign_in(app, "lz_staff").get("/connection/counter").get_data(as_text=True)
    assert 'value="counter"' in page and 'value="proxy"' in page and 'value="online"' not in page


def test_cli_shows_commitments_and_progress(app, people, connection):
    from app.connection.cli import connection as group

    result = application.apply(COUNTER, people["lz_staff"].user)
    runner = app.test_cli_runner()
    shown = runner.invoke(group, ["commitments"])
    assert shown.exit_code == 0 and "现场踏勘\t1\t2\t3" in shown.output
    shown = runner.invoke(group, ["progress", result.application_no])
    assert shown.exit_code == 0 and "受理审核" in shown.output and "pending" in shown.output
    assert runner.invoke(group, ["progress", "BZ20260101000000"]).exit_code == 1
