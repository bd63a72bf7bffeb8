"""Outage pages (issue 16): the start page's S24.2 refusal with the earliest legal start offered, the hotline board
(S24.8), the public page and feed without personal data (S24.2), the S24.4 letter, the peak-hours setting."""

from __future__ import annotations

import json
import re

from app.platform import company_settings
from app.supply import outages
from tests.supply.test_outages import AREA, CUSTOMERS, _do, _emergency, _publication, _request
from tests.web.test_pages import sign_in


def test_S24_2_start_page_refuses_47_hours_ahead_keeps_the_input_and_offers_the_earliest_start(app, world):
    dispatcher = sign_in(app, "dd_staff")
    assert "计划停气" in dispatcher.get("/start").get_data(as_text=True)
    form = {"cause": "中压管道迁改", "kind": "stop", "areas": AREA, "planned_start": "2026-03-04T08:30",
            "planned_end": "2026-03-04T16:00"}  # fmt: skip
    refused = dispatcher.post("/start/planned_outage", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "须提前 48 小时公告（S24.2）" in page and "(S24.2 schedule refused)" not in page
    assert re.search(r'<button type="button" class="suggest" data-suggest-for="f-planned_start" '
                     r'data-value="2026-03-04T13:30">采用 2026-03-04 13:30</button>', page)  # fmt: skip
    assert 'value="中压管道迁改"' in page and 'value="利州区/嘉陵街道/滨江花园"' in page  # nothing typed is lost
    started = dispatcher.post("/start/planned_outage", {**form, "planned_start": "2026-03-04T13:30"})
    assert started.status_code == 303
    agent = sign_in(app, "kf_agent")
    assert agent.post("/start/planned_outage", form).status_code in (403, 422)  # S24.1: not the hotline's to ask


def test_S24_2_api_refuses_with_json_problems_and_the_suggestion_then_opens(app, world):
    client = app.test_client()
    body = {"cause": "调压箱检修", "kind": "stop", "areas": AREA, "planned_start": "2026-03-04T08:00:00+08:00",
            "planned_end": "2026-03-04T12:00:00+08:00"}  # fmt: skip
    refused = client.post("/api/v1/outages/planned", json=body, headers=world["dd_staff"].headers)
    assert refused.status_code == 422
    [problem] = refused.get_json()["errors"]
    assert problem["field"] == "planned_start" and problem["suggest"]["value"] == "2026-03-04T13:30"
    body["planned_start"] = "2026-03-04T13:30:00+08:00"
    body["planned_end"] = "2026-03-04T17:00:00+08:00"
    assert client.post("/api/v1/outages/planned", json=body, headers=world["kf_agent"].headers).status_code == 403
    opened = client.post("/api/v1/outages/planned", json=body, headers=world["dd_staff"].headers)
    assert opened.status_code == 201 and opened.get_json()["case_no"].startswith("TQ")
    generic = {"process": "planned_outage", "data": body}  # the generic start may not skip the checks
    assert client.post("/api/v1/instances", json=generic, headers=world["dd_staff"].headers).status_code == 403
    emergency = {"cause": "管道泄漏", "kind": "stop", "areas": AREA, "started_at": "2026-03-02T09:00:00+08:00",
                 "expected_restore": "2026-03-02T15:00:00+08:00", "major_incident": False}  # fmt: skip
    reported = client.post("/api/v1/outages/emergency", json=emergency, headers=world["kf_agent"].headers)
    assert reported.status_code == 201 and reported.get_json()["case_no"].startswith("JT")


def test_S24_8_board_lists_outages_at_once_public_page_and_feed_only_once_published(app, world, at):
    planned = _request(world)
    emergency = _emergency(world)
    board = sign_in(app, "kf_agent").get("/board").get_data(as_text=True)
    assert f'data-case="{planned.case_no}"' in board and f'data-case="{emergency.case_no}"' in board
    assert "待分公司同意" in board and "紧急停气，抢修中" in board and "居民散户（B2）3 户" in board
    public = app.test_client().get("/outages")  # nobody signed in
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and "max-age=60" in public.headers["Cache-Control"]
    assert "第三方施工挖断中压管道" in text and "中压管道迁改" not in text  # not yet published
    _do(planned.instance_id, "Task_branch_agree", world["lz_head"], {"agreed": True, "agree_opinion": "同意"})
    at("2026-03-02T11:30:00+08:00")
    _do(planned.instance_id, "Task_publish", world["lz_staff"], _publication())
    feed = app.test_client().get("/outages/feed.json")
    items = json.loads(feed.get_data(as_text=True))["items"]
    assert {i["_gasflow"]["kind"] for i in items} == {"计划停气", "紧急停气"}
    dumped = feed.get_data(as_text=True) + app.test_client().get("/outages").get_data(as_text=True)
    for account, *_rest, phones in CUSTOMERS:  # no personal data
        assert account not in dumped and not any(p in dumped for p in phones)
    assert "用户T00" not in dumped


def test_S24_4_emergency_case_links_the_printable_letter_to_the_housing_authority(app, world):
    case = _emergency(world)
    dispatcher = sign_in(app, "dd_staff")
    page = dispatcher.get(f"/cases/{case.instance_id}").get_data(as_text=True)
    assert f"/cases/{case.instance_id}/housing-notice" in page
    letter = dispatcher.get(f"/cases/{case.instance_id}/housing-notice").get_data(as_text=True)
    assert "广元市城乡规划和住房保障局" in letter and "突发停气" in letter and "第三方施工挖断中压管道" in letter
    assert "居民集体（B1）1 户" in letter


def test_S24_2_peak_hours_edited_on_the_settings_page_with_inline_errors(app, world):
    admin = sign_in(app, "admin")
    url = "/admin/settings/company/peak_hours"
    refused = admin.post(url, {"value": "7点到9点"})
    assert refused.status_code == 422 and "HH:MM-HH:MM" in refused.get_data(as_text=True)
    assert admin.post(url, {"value": "06:00-08:00, 17:30-19:30"}).status_code == 303
    assert company_settings.get("peak_hours") == "06:00-08:00, 17:30-19:30"
    assert [f"{a:%H:%M}" for a, _ in outages.peak_ranges()] == ["06:00", "17:30"]
