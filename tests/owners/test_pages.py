"""The owners' pages and API through the test client: who may enter, a save answers every problem, the form preview
uses the task page's renderer, the sandbox page, Chinese errors, and the change process hidden from the start list."""

from __future__ import annotations

import json

from app.owners import drafts
from tests.owners.xml_compare import semantic_difference
from tests.web.test_pages import sign_in


def test_staff_are_refused_and_owners_and_admins_see_the_process_list(change_process, client):
    staff = change_process["kf_agent"]
    assert client.get("/api/v1/owners/drafts/1", headers=staff.headers).status_code in (403, 404)
    draft = drafts.start_from_version("platform_sample", None, change_process["owner"].user)
    response = client.get(f"/api/v1/owners/drafts/{draft.id}", headers=staff.headers)
    assert response.status_code == 403 and "流程负责人" in response.json["detail"]
    admin = client.get(f"/api/v1/owners/drafts/{draft.id}", headers=change_process["admin"].headers)
    assert admin.status_code == 200 and admin.json["key"] == "platform_sample"


def test_saving_through_the_api_answers_every_problem_with_element_and_line(change_process, client):
    owner = change_process["owner"]
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    broken = draft.xml.replace('"PT2H"', "__import__('os')").replace('value="S22.4"', 'value="X9"')
    response = client.put(f"/api/v1/owners/drafts/{draft.id}/xml", data=broken.encode("utf-8"),
                          headers={**owner.headers, "Content-Type": "application/xml"})  # fmt: skip
    assert response.status_code == 200
    errors = [p for p in response.json["problems"] if p["severity"] == "error"]
    assert {(p["element_id"], bool(p["line"])) for p in errors} == {("Timer_visit_late", True)}
    assert len(errors) == 2 and all(p["message_zh"] and p["message_en"] and p["fix"] for p in errors)
    other = client.put(f"/api/v1/owners/drafts/{draft.id}/xml", data=draft.xml.encode("utf-8"),
                       headers={**change_process["owner2"].headers, "Content-Type": "application/xml"})  # fmt: skip
    assert other.status_code == 403 and other.json["error"] == "forbidden"
    empty = client.put(f"/api/v1/owners/drafts/{draft.id}/xml", data=b"",
                       headers={**owner.headers, "Content-Type": "application/xml"})  # fmt: skip
    assert empty.status_code == 422


def test_catalog_offers_forms_fields_units_bound_lanes_and_rules(change_process, client):
    draft = drafts.start_from_version("platform_sample", None, change_process["owner"].user)
    body = client.get(f"/api/v1/owners/drafts/{draft.id}/catalog", headers=change_process["owner"].headers).json
    assert {"register", "visit"} <= {f["key"] for f in body["forms"]}
    assert "needs_visit" in {f["name"] for f in body["fields"]}
    assert {"分公司", "责任单位", "部门负责人", "流程负责人"} <= {lane["name"] for lane in body["bound_lanes"]}
    assert "客服中心" in {u["name"] for u in body["units"]} and "C14.1" in {r["id"] for r in body["rules"]}


def test_form_preview_renders_like_the_task_page_and_reports_bad_json(change_process, app):
    client = sign_in(app, "owner")
    schema = {"type": "object", "properties": {"done": {"type": "boolean", "title": "已完成"}}}
    page = client.post("/owners/forms/preview", data={"schema": json.dumps(schema)})
    assert page.status_code == 200 and "已完成" in page.text and 'type="radio"' in page.text
    bad = client.post("/owners/forms/preview", data={"schema": "{"})
    assert "JSON 格式错误" in bad.text


def test_pages_answer_in_chinese_and_the_change_process_is_not_in_the_start_list(change_process, app):
    client = sign_in(app, "owner")
    index = client.get("/owners")
    assert index.status_code == 200 and "流程管理" in index.text and "platform_sample" in index.text
    assert 'href="/owners"><b>流程变更评审' in client.get("/start").text  # owners start a change from a draft
    assert "流程变更评审" not in sign_in(app, "kf_agent").get("/start").text
    refused = client.post("/start/process_change", data={})
    assert refused.status_code == 403 and "专用页面" in refused.text
    draft = drafts.start_from_version("platform_sample", None, change_process["owner"].user)
    for url in (
        f"/owners/drafts/{draft.id}",
        f"/owners/drafts/{draft.id}/review",
        "/owners/processes/platform_sample",
        "/owners/processes/platform_sample/migrate",
        f"/owners/drafts/{draft.id}/forms/visit",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="zh-CN"' in response.text
    sandbox = client.post(f"/owners/drafts/{draft.id}/sandbox", data={"action": "start", "data": "[1]"})
    assert "测试数据必须是 JSON 对象" in sandbox.text


def test_semantic_comparison_finds_a_lost_extension_and_ignores_prefixes():
    original = '<d xmlns="urn:a" xmlns:s="urn:s"><p id="P"><s:x name="formKey" value="f"/></p></d>'
    renamed = '<a:d xmlns:a="urn:a" xmlns:t="urn:s"><a:p id="P"><t:x value="f" name="formKey"/></a:p></a:d>'
    assert semantic_difference(original, renamed) == []
    assert semantic_difference(original, '<d xmlns="urn:a"><p id="P"/></d>') != []
