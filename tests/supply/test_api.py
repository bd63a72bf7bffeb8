"""Issue 6 over HTTP: arrears intake (one open case per account), payments by account number, unmatched messages kept
and resolved, the printable 缴费及停气通知书 (S24.6) as page, JSON and PDF, the company setting, and the CSV import."""

from __future__ import annotations

import json

import pytest

from app.customers import records as customers
from app.platform import definitions, history, instances, tasks
from app.settings import PROJECT_ROOT
from app.supply import arrears, notices
from tests.web.test_pages import sign_in

ACCOUNT = "LZ-0001"
ARREARS = {"account_no": ACCOUNT, "amount_owed": 1234.5, "since": "2026-01-01"}


@pytest.fixture
def billing(app, people, at):
    at("2026-03-02T16:30:00+08:00")  # after the reminder (10:00) and the service (16:00) recorded below (x-past)
    for name in ("arrears_disconnection", "hazard_disconnection"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    customers.create(
        {"account_no": ACCOUNT, "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "estate": "滨江小区", "room": "1-2-301", "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return people


def _post(client, person, url, body):
    return client.post(url, json=body, headers=person.headers)


def _pay(client, person, amount, account=ACCOUNT):
    body = {"name": "payment_received", "correlation": {"account_no": account},
            "payload": {"amount": amount, "paid_at": "2026-03-02T10:00:00+08:00"}}  # fmt: skip
    return _post(client, person, "/api/v1/messages", body)


def test_arrears_intake_opens_one_case_per_account_and_checks_its_input(client, billing):
    assert client.post("/api/v1/arrears", json=ARREARS).status_code == 401
    first = _post(client, billing["kf_agent"], "/api/v1/arrears", ARREARS)
    assert first.status_code == 201 and first.json["case_no"].startswith("QF")
    again = _post(client, billing["kf_agent"], "/api/v1/arrears", {**ARREARS, "amount_owed": 1500})
    assert again.status_code == 200 and again.json["updated_open_case"] and again.json["applied"]
    assert again.json["instance_id"] == first.json["instance_id"]
    bad = _post(client, billing["kf_agent"], "/api/v1/arrears", {**ARREARS, "amount_owed": "lots", "since": "x"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"amount_owed", "since"}
    unknown = _post(client, billing["kf_agent"], "/api/v1/arrears", {**ARREARS, "account_no": "ZZ-9"})
    assert unknown.status_code == 422 and "ZZ-9" in unknown.json["detail"]


def test_payment_without_an_open_case_is_404_naming_the_account_and_kept_until_resolved(client, billing):
    response = _pay(client, billing["billing"], 88)
    assert response.status_code == 404 and ACCOUNT in response.json["detail"] and response.json["error"] == "not_found"
    kept_id = response.json["unmatched_id"]
    listed = client.get("/api/v1/unmatched-messages", headers=billing["lz_staff"].headers).json["messages"]
    assert [m["id"] for m in listed] == [kept_id] and listed[0]["payload"]["amount"] == 88
    url = f"/api/v1/unmatched-messages/{kept_id}/resolve"
    assert _post(client, billing["lz_staff"], url, {"redeliver": True}).status_code == 409  # still no case waits
    assert _post(client, billing["lz_staff"], url, {"note": "  "}).status_code == 422  # closing needs a note
    closed = _post(client, billing["lz_staff"], url, {"note": "重复缴费，已退款"})
    assert closed.status_code == 200 and closed.json["resolution"] == "closed"
    assert _post(client, billing["lz_staff"], url, {"note": "again"}).status_code == 409
    assert client.get("/api/v1/unmatched-messages", headers=billing["lz_staff"].headers).json["messages"] == []
    everything = client.get("/api/v1/unmatched-messages?all=1", headers=billing["lz_staff"].headers).json
    assert everything["messages"][0]["resolution_note"] == "重复缴费，已退款"
    page = sign_in(client.application, "kf_agent").get("/unmatched-messages?all=1")
    assert page.status_code == 200 and "重复缴费，已退款" in page.get_data(as_text=True)


def _to_notice(client, person, staff) -> int:
    iid = _post(client, person, "/api/v1/arrears", ARREARS).json["instance_id"]
    reminder = next(t for t in tasks.of_instance(iid) if t.state == "ready")
    tasks.claim(reminder.id, staff.user)
    instances.complete_task(reminder.id, {
        "reminder_method": "visit", "reminded_at": "2026-03-02T10:00:00+08:00", "reminder_result": "未在家",
        "reminder_slip_no": "CJ-9", "reminder_slip_delivered_at": "2026-03-02T10:05:00+08:00",
        "reminder_slip_delivered_to": "张三"}, staff.user)  # fmt: skip
    return iid


def test_S24_6_notice_as_json_pdf_and_printable_page_with_its_service(client, billing, monkeypatch):
    iid = _to_notice(client, billing["kf_agent"], billing["lz_staff"])
    notice = client.get(f"/api/v1/arrears/{iid}/notice", headers=billing["kf_agent"].headers)
    assert notice.status_code == 200
    body = notice.json
    assert body["amount"] == 1234.5 and body["account_no"] == ACCOUNT and body["customer_name"] == "张三"
    assert body["deadline_text"] == "2026年03月09日 24:00" and body["served"] is None
    assert any("1,234.50" in line for line in body["text"]) and any("962677" in line for line in body["text"])
    pdf = client.get(f"/api/v1/arrears/{iid}/notice?format=pdf", headers=billing["kf_agent"].headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(pdf.data) > 5000  # the CJK font is embedded
    task = next(t for t in tasks.of_instance(iid) if t.state == "ready")
    tasks.claim(task.id, billing["lz_staff"].user)
    instances.complete_task(task.id, {"served_how": "family", "served_at": "2026-03-02T16:00:00+08:00",
                                      "served_to": "李梅", "served_relation": "配偶"}, billing["lz_staff"].user)  # fmt: skip
    served = client.get(f"/api/v1/arrears/{iid}/notice", headers=billing["kf_agent"].headers).json["served"]
    assert served["how"] == "同住成年家属代收" and served["to"] == "李梅"
    browser = sign_in(client.application, "lz_staff")
    page = browser.get(f"/cases/{iid}/notice")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "缴费及停气通知书" in text and "1,234.50" in text and "李梅" in text
    assert browser.get(f"/cases/{iid}/notice.pdf").data.startswith(b"%PDF")
    outsider = client.get(f"/api/v1/arrears/{iid}/notice", headers=billing["cx_staff"].headers)
    assert outsider.status_code == 403  # another branch has no part in the case
    monkeypatch.setattr(notices, "FONT", PROJECT_ROOT / "no-such-font.ttc")
    missing = client.get(f"/api/v1/arrears/{iid}/notice?format=pdf", headers=billing["kf_agent"].headers)
    assert missing.status_code == 503 and "fonts-wqy-microhei" in missing.json["detail"]


def test_notice_before_the_reminder_is_done_is_404(client, billing):
    iid = _post(client, billing["kf_agent"], "/api/v1/arrears", ARREARS).json["instance_id"]
    response = client.get(f"/api/v1/arrears/{iid}/notice", headers=billing["kf_agent"].headers)
    assert response.status_code == 404 and "尚未出具" in response.json["detail"]


def test_S24_6_notice_deadline_setting_is_admin_only(client, billing):
    url = "/api/v1/company-settings/arrears_notice_days"
    assert client.put(url, json={"value": 10}, headers=billing["kf_agent"].headers).status_code == 403
    assert client.put(url, json={"value": 0}, headers=billing["admin"].headers).status_code == 422
    assert client.put(url, json={"value": 10}, headers=billing["admin"].headers).status_code == 200
    values = client.get("/api/v1/company-settings", headers=billing["kf_agent"].headers).json
    assert values["arrears_notice_days"]["value"] == 10
    assert (
        client.put("/api/v1/company-settings/nope", json={"value": 1}, headers=billing["admin"].headers).status_code
        == 404
    )
    iid = _to_notice(client, billing["kf_agent"], billing["lz_staff"])
    notice = client.get(f"/api/v1/arrears/{iid}/notice", headers=billing["kf_agent"].headers).json
    assert notice["days"] == 10 and notice["deadline_text"] == "2026年03月12日 24:00"


def test_full_payment_over_http_closes_the_case(client, billing):
    iid = _post(client, billing["kf_agent"], "/api/v1/arrears", ARREARS).json["instance_id"]
    assert _pay(client, billing["billing"], 1000).json == {"delivered_to": [iid]}
    assert client.get(f"/api/v1/instances/{iid}", headers=billing["kf_agent"].headers).json["status"] == "running"
    assert _pay(client, billing["billing"], 234.5).status_code == 200
    assert client.get(f"/api/v1/instances/{iid}", headers=billing["kf_agent"].headers).json["status"] == "completed"


def test_hazard_intake(client, billing):
    body = {"account_no": ACCOUNT, "hazard_description": "私接软管", "found_at": "2026-03-02T09:00:00+08:00"}
    created = _post(client, billing["lz_staff"], "/api/v1/hazards", body)
    assert created.status_code == 201 and created.json["case_no"].startswith("YH")
    assert _post(client, billing["lz_staff"], "/api/v1/hazards", {**body, "found_at": "soon"}).status_code == 422


def test_cli_import_opens_updates_and_reports_bad_lines(app, billing, tmp_path):
    from app.cli import main

    path = tmp_path / "arrears.csv"
    rows = ["account_no,amount_owed,since,billing_ref", f"{ACCOUNT},\"1,234.50\",2026-01-01,收费一科-1",
            "ZZ-404,10,2026-01-01,", f"{ACCOUNT},1300,2026-01-01,收费一科-2", f"{ACCOUNT},abc,2026-01-01,"]  # fmt: skip
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    result = app.test_cli_runner().invoke(main, args=["arrears", "import", str(path)])
    assert result.exit_code == 1
    assert "新立案 1，更新在办案件 1，拒绝 2" in result.output and "(gbk)" in result.output
    reported = [line.split(" ")[1] for line in result.output.splitlines() if line.startswith("第 ")]
    assert reported == ["3", "5"]
    case = arrears.open_case_of(ACCOUNT)
    [update] = [json.loads(e.payload_json) for e in history.events_of(case.id) if e.kind == "message_received"]
    assert update["payload"] == {"amount_owed": 1300.0, "billing_ref": "收费一科-2", "since": "2026-01-01"}
    assert instances.case_data(case)["amount_owed"] == 1300.0  # the update reached the open case
