"""The auditors' workplace through the test client (issue 15): auditor-only pages and API (403 for everyone else),
every auditor view in the access log, search by phone tail and export, history with substance and S21.4 masking,
verify naming the altered event, seal check naming a deleted case, replay frames."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AuditAccess, Correlation, CustomerView, Event, HumanTask, ProcessInstance, Timer
from app.platform import instances, seals
from tests.walk import work
from tests.web.test_pages import sign_in

PAGES = [
    "/audit", "/audit/cases/{id}", "/audit/cases/{id}/replay", "/audit/cases/{id}/replay/stream",
    "/audit/cases/{id}/bundle.zip", "/audit/verify", "/audit/seals/check", "/audit/customer-access",
    "/audit/access-log", "/audit/compliance", "/audit/definitions/1.xml",
]  # fmt: skip
API = [
    ("get", "/api/v1/audit/cases"), ("get", "/api/v1/audit/cases/{id}/history"),
    ("get", "/api/v1/audit/cases/{id}/replay"), ("post", "/api/v1/audit/cases/{id}/verify"),
    ("post", "/api/v1/audit/verify-all"), ("get", "/api/v1/audit/jobs/1"), ("post", "/api/v1/audit/seals"),
    ("get", "/api/v1/audit/seals/check"), ("get", "/api/v1/audit/seals/1"), ("get", "/api/v1/audit/cases/{id}/bundle"),
    ("get", "/api/v1/audit/bundle"), ("get", "/api/v1/audit/customer-access"), ("get", "/api/v1/audit/access-log"),
    ("get", "/api/v1/audit/compliance"),
]  # fmt: skip


def _case(people, name="张三", phone="13800001111", key="AUD-1") -> int:
    data = {"customer_name": name, "phone": phone, "branch": "利州区分公司"}
    instance = instances.start("platform_sample", data, people["kf_agent"].user, business_key=key)
    work(instance.id, "Task_register", people["kf_agent"], {"needs_visit": True, "note": "气味"})
    return instance.id


@pytest.mark.parametrize("who", ["kf_agent", "admin", "lz_head", "fg_leader"])
def test_everyone_but_auditors_gets_403_on_every_auditor_page_and_api(app, client, sample, people, who):
    case_id = _case(people)
    browser = sign_in(app, who)
    for url in PAGES:
        response = browser.get(url.format(id=case_id))
        assert response.status_code == 403, url
    for method, url in API:
        response = getattr(client, method)(url.format(id=case_id), headers=people[who].headers)
        assert response.status_code == 403 and response.json["error"] == "forbidden", url
    assert db.session.scalar(select(AuditAccess.id)) is None  # refused views are not "views"


def test_every_auditor_view_is_in_the_access_log(app, client, sample, people):
    case_id = _case(people)
    browser = sign_in(app, "auditor")
    for url in PAGES[:3] + PAGES[5:10]:
        assert browser.get(url.format(id=case_id)).status_code in (200, 404), url
    assert client.get(f"/api/v1/audit/cases/{case_id}/history", headers=people["auditor"].headers).status_code == 200
    rows = list(db.session.scalars(select(AuditAccess).order_by(AuditAccess.id)))
    assert [r.action for r in rows] == [
        "search", "case", "replay", "verify.page", "seal.check", "customer_access", "access_log", "compliance",
        "api.history",
    ]  # fmt: skip
    assert {r.username for r in rows} == {"auditor"} and rows[1].instance_id == case_id
    assert rows[-1].detail == f"/api/v1/audit/cases/{case_id}/history"


def test_search_by_phone_tail_and_filters_then_export(app, client, sample, people):
    wanted = _case(people)
    other = _case(people, "李四", "13900002222", "AUD-2")
    browser = sign_in(app, "auditor")
    page = browser.get("/audit?customer=1111").get_data(as_text=True)
    assert f'data-instance="{wanted}"' in page and f'data-instance="{other}"' not in page
    headers = people["auditor"].headers
    found = client.get("/api/v1/audit/cases?process=platform_sample&status=running&unit=利州区分公司", headers=headers)
    assert found.json["total"] == 2
    assert client.get("/api/v1/audit/cases?number=AUD-2", headers=headers).json["cases"][0]["instance_id"] == other
    assert client.get("/api/v1/audit/cases?reassigned=1", headers=headers).json["total"] == 0
    huge = client.get("/api/v1/audit/cases?number=99999999999999999999", headers=headers)  # beyond 2^63: no 500
    assert huge.status_code == 200 and huge.json["total"] == 0
    assert client.get("/api/v1/audit/cases?version=7", headers=headers).json["total"] == 0
    bad = client.get("/api/v1/audit/cases?since=yesterday", headers=headers)
    assert bad.status_code == 422 and "since" in bad.json["detail"]
    exported = client.get("/api/v1/audit/cases?customer=1111&format=csv", headers=headers)
    lines = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][0] == "案件ID" and [int(r[0]) for r in lines[1:]] == [wanted]
    book = load_workbook(io.BytesIO(client.get("/api/v1/audit/cases?format=xlsx&number=AUD", headers=headers).data))
    assert [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)] == [wanted, other]


def test_history_shows_substance_masked_until_asked_and_the_unmasked_view_is_logged(app, sample, people):
    case_id = _case(people)
    browser = sign_in(app, "auditor")
    page = browser.get(f"/audit/cases/{case_id}").get_data(as_text=True)
    assert "138****1111" in page and "13800001111" not in page
    assert "needs_visit" in page and "李坐席（kf_agent）" in page and "时钟值" in page
    assert db.session.scalar(select(CustomerView.id)) is None
    page = browser.get(f"/audit/cases/{case_id}?unmasked=1").get_data(as_text=True)
    assert "13800001111" in page
    [view] = db.session.scalars(select(CustomerView)).all()
    assert view.channel == "case" and view.instance_id == case_id


def test_verify_page_names_the_tampered_event(app, sample, people):
    case_id = _case(people)
    browser = sign_in(app, "auditor")
    ok = browser.post(f"/audit/cases/{case_id}/verify").get_data(as_text=True)
    assert 'data-ok="1"' in ok
    completion = db.session.scalar(select(Event).where(Event.instance_id == case_id, Event.kind == "task_completed"))
    db.session.execute(
        update(Event)
        .where(Event.id == completion.id)
        .values(payload_json=completion.payload_json.replace("气味", "无"))
    )
    db.session.commit()
    broken = browser.post(f"/audit/cases/{case_id}/verify").get_data(as_text=True)
    assert 'data-ok="0"' in broken and f'<strong id="first-broken">{completion.seq}</strong>' in broken


def test_verify_all_job_reports_every_broken_chain_and_a_deleted_case(app, client, sample, people):
    from app.auditing import verify_jobs

    ids = [_case(people, key=f"AUD-{i}") for i in range(3)]
    seals.seal_now()
    db.session.execute(update(Event).where(Event.instance_id == ids[0], Event.seq == 2).values(actor="kf_head"))
    for model in (Event, HumanTask, Timer, Correlation):
        db.session.execute(delete(model).where(model.instance_id == ids[2]))
    db.session.execute(delete(ProcessInstance).where(ProcessInstance.id == ids[2]))
    db.session.commit()
    job_id = verify_jobs.create(people["auditor"].user)
    verify_jobs.run(job_id)
    view = client.get(f"/api/v1/audit/jobs/{job_id}", headers=people["auditor"].headers).json
    assert view["status"] == "done" and view["total"] == 2 and view["done"] == 2 and view["percent"] == 100
    assert [(b["instance_id"], b["kind"], b["first_broken_seq"]) for b in view["broken"]] == [
        (ids[0], "case", 2),
        (ids[2], "deleted", None),
    ]
    page = sign_in(app, "auditor").get(f"/audit/jobs/{job_id}").get_data(as_text=True)
    assert "第 2 条" in page and "在封存后被删除" in page


def test_seal_check_page_reports_a_deleted_case(app, sample, people):
    ids = [_case(people, key=f"AUD-{i}") for i in range(2)]
    browser = sign_in(app, "auditor")
    assert browser.post("/audit/seals").status_code == 302
    assert 'id="seal-ok"' in browser.get("/audit/seals/check").get_data(as_text=True)
    for model in (Event, HumanTask, Timer, Correlation):
        db.session.execute(delete(model).where(model.instance_id == ids[1]))
    db.session.execute(delete(ProcessInstance).where(ProcessInstance.id == ids[1]))
    db.session.commit()
    page = browser.get("/audit/seals/check").get_data(as_text=True)
    assert f'data-kind="deleted" data-instance="{ids[1]}"' in page
    missing = browser.get("/audit/seals/check?code=S9-0000-0000-0000-0000")
    assert missing.status_code == 404 and "回退" in missing.get_data(as_text=True)
    notary = json.loads(browser.get("/audit/seals/1.json").data)
    assert notary["short_code"].startswith("S1-") and len(notary["leaves"]) == 2


def test_replay_frames_show_tokens_data_and_changes_at_each_event(app, client, sample, people):
    case_id = _case(people)
    frames = client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=people["auditor"].headers).json["frames"]
    assert [f["kind"] for f in frames] == ["started", "task_ready", "claimed", "task_completed", "task_ready"]
    third = frames[2]
    assert third["tokens"]["Task_register"] == "active" and third["data"]["phone"] == "138****1111"
    assert third["changed"] == {} and frames[0]["changed"]["customer_name"] == "added"
    completed = frames[3]
    assert completed["tokens"]["Task_visit"] == "active" and completed["tokens"]["Task_register"] == "done"
    assert completed["changed"]["needs_visit"] == "added" and all(f["verdict"] == "ok" for f in frames)
    stream = sign_in(app, "auditor").get(f"/audit/cases/{case_id}/replay/stream")
    body = stream.get_data(as_text=True)
    assert (
        stream.mimetype == "text/event-stream"
        and body.count("event: frame") == 5
        and body.endswith("event: end\ndata: {}\n\n")
    )


def test_compliance_lists_rules_where_tests_and_figures(app, client, sample, people):
    _case(people)
    rules = {
        r["rule"]: r for r in client.get("/api/v1/audit/compliance", headers=people["auditor"].headers).json["rules"]
    }
    assert rules["S22.4"]["enforced"] and rules["S22.4"]["elements"][0]["element"] == "Timer_visit_late"
    assert any("test_C14_1" in t for t in rules["C14.1"]["tests"])
    assert rules["S21.4"]["services"] and rules["S21.4"]["tests"]
    assert not rules["S27"]["enforced"] and rules["S27"]["month"] is None
    assert rules["S22.4"]["month"]["cases"] == 1
    page = sign_in(app, "auditor").get("/audit/compliance").get_data(as_text=True)
    assert 'id="pending"' in page and "S27" in page


def test_S21_4_customer_access_log_is_searchable_and_flags_unusual_volume(app, client, sample, people, at):
    from app import clock
    from app.auditing import customer_access

    at("2026-03-10T10:00:00+08:00")
    case_id = _case(people)
    agent = people["lz_staff"].user
    rows = [
        CustomerView(viewed_at=clock.now(), user_id=agent.id, account_no=f"LZ{i:05d}", channel="view", note="")
        for i in range(customer_access.UNUSUAL_PER_DAY)
    ]
    rows.append(CustomerView(viewed_at=clock.now(), user_id=people["kf_agent"].user.id, account_no="LZ00001",
                             channel="case", note="", instance_id=case_id))  # fmt: skip
    db.session.add_all(rows)
    db.session.commit()
    browser = sign_in(app, "auditor")
    page = browser.get("/audit/customer-access?since=2026-03-01").get_data(as_text=True)
    assert (
        'id="volume-flags"' in page and "孙师傅（lz_staff）" in page and f">{customer_access.UNUSUAL_PER_DAY}<" in page
    )
    found = client.get(f"/api/v1/audit/customer-access?instance_id={case_id}", headers=people["auditor"].headers).json
    assert found["total"] == 1 and found["views"][0]["username"] == "kf_agent"
    by_account = client.get("/api/v1/audit/customer-access?account_no=lz00001", headers=people["auditor"].headers)
    assert by_account.json["total"] == 2
    quiet = customer_access.unusual_volume(clock.now().date(), clock.now().date(), threshold=1000)
    assert quiet == []
