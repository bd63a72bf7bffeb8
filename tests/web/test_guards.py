"""What every request and response passes through (issue 13, items 6, 9, 10): security headers, diagrams served as
sandboxed downloads, foreign executable content refused at deploy, bounded JSON, bounded ids, no NUL, any encoding
a diagram declares. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.platform import instances
from tests.engine import hostile
from tests.web.test_customers_api import CUSTOMER, _create
from tests.web.test_pages import sign_in

HTML_NS = 'xmlns:html="http://www.w3.org/1999/xhtml"'


def _deploy(client, person, doc: bytes, filename: str = "x.bpmn"):
    return client.post(f"/api/v1/definitions?filename={filename}", data=doc, headers=person.headers)


def _with_extension(doc: bytes, extension: str) -> bytes:
    return doc.replace(
        b'<bpmn:scriptTask id="Script_x" name="\xe5\x8d\xb1\xe9\x99\xa9\xe8\x84\x9a\xe6\x9c\xac">',
        b'<bpmn:scriptTask id="Script_x" name="x"><bpmn:extensionElements>' + extension.encode()
        + b"</bpmn:extensionElements>",
    ).replace(b"<bpmn:definitions ", f"<bpmn:definitions {HTML_NS} ".encode(), 1)  # fmt: skip


@pytest.mark.parametrize(
    "extension",
    [
        "<html:script>fetch('/api/v1/definitions').then(r=>r.text()).then(alert)</html:script>",
        '<html:img src="x" onerror="alert(1)"/>',
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
    ],
)
def test_item6_a_diagram_with_foreign_executable_content_is_refused_at_deploy(client, people, extension):
    doc = _with_extension(hostile.script_then_task("xss", "x = 1"), extension)
    refused = _deploy(client, people["owner"], doc)
    assert refused.status_code == 422, refused.get_json()
    problem = refused.get_json()["errors"][0]
    assert problem["line"] == 7 and problem["element_id"] == "Script_x" and "不允许" in problem["message"]


def test_item6_javascript_in_documentation_is_refused(client, people):
    doc = hostile.script_then_task("doc", "x = 1").replace(
        b'isExecutable="true">',
        b'isExecutable="true"><bpmn:documentation>[clic](javascript:alert(1))</bpmn:documentation>',
        1,
    )
    refused = _deploy(client, people["owner"], doc)
    assert refused.status_code == 422 and "javascript" in str(refused.get_json()["errors"])


def test_item6_diagrams_are_served_as_sandboxed_downloads(app, client, people):
    assert _deploy(client, people["owner"], hostile.script_then_task("plain", "x = 1")).status_code == 201
    case = instances.start("plain", {}, people["kf_agent"].user)
    for response in (
        client.get("/api/v1/definitions/plain/versions/1", headers=people["kf_agent"].headers),
        sign_in(app, "kf_agent").get(f"/cases/{case.id}/diagram.xml"),
    ):
        assert response.status_code == 200 and response.mimetype == "application/xml"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_item6_every_response_carries_the_security_headers(app, client, people):
    browser = sign_in(app, "kf_agent")
    responses = [
        client.get("/login"),
        browser.get("/inbox"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/tasks"),  # 401
        client.get("/no-such-page"),
        client.get("/healthz"),
        client.get("/static/gasflow/gasflow.css"),
    ]
    for response in responses:
        response.close()
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"], response.request.path
        assert "'unsafe-eval'" not in headers["Content-Security-Policy"] and "frame-ancestors 'none'" in headers[
            "Content-Security-Policy"]  # fmt: skip
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert "javascript:" not in responses[4].get_data(as_text=True)  # the error page's "back" link is a plain URL


def test_item9_json_nested_too_deep_is_refused_before_it_is_parsed(client, people):
    headers = {**people["kf_agent"].headers, "Content-Type": "application/json"}
    body = '{"process": "platform_sample", "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/instances", data=body, headers=headers)
    assert response.status_code == 400 and "64" in response.get_json()["detail"]
    nested: dict = {"leaf": 1}
    for _ in range(900):
        nested = {"n": nested}
    deep_start = client.post("/api/v1/instances", json={"process": "platform_sample", "data": nested}, headers=headers)
    assert deep_start.status_code == 400
    shallow = '{"process": "p", "data": {"text": "' + "[" * 5000 + '"}}'  # brackets inside a string are text
    assert client.post("/api/v1/instances", data=shallow, headers=headers).status_code != 400


def test_item9_start_data_nested_too_deep_is_refused_by_the_use_case(app, people, sample):
    from app.core.errors import Invalid

    nested: dict = {"leaf": 1}
    for _ in range(900):
        nested = {"n": nested}
    with pytest.raises(Invalid, match="64"):
        instances.start("platform_sample", {"deep": nested}, people["kf_agent"].user)


def test_item10_a_gbk_diagram_with_its_declaration_deploys(client, people):
    text = hostile.script_then_task("gbk_case", "x = 1").decode().replace('encoding="UTF-8"', 'encoding="GBK"')
    deployed = _deploy(client, people["owner"], text.encode("gbk"), "gbk.bpmn")
    assert deployed.status_code == 201, deployed.get_json()
    xml = client.get("/api/v1/definitions/gbk_case/versions/1", headers=people["owner"].headers).get_data(as_text=True)
    assert 'encoding="UTF-8"' in xml and "危险脚本" in xml
    assert (
        client.post("/api/v1/instances", json={"process": "gbk_case"}, headers=people["kf_agent"].headers).status_code
        == 201
    )
    lying = text.replace('key="gbk_case"', "").replace('encoding="GBK"', 'encoding="UTF-8"').encode("gbk")
    refused = _deploy(client, people["owner"], lying.replace(b"gbk_case", b"gbk_lying"), "lying.bpmn")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["line"] == 5


def test_item10_huge_ids_and_page_numbers_are_404_or_clamped(client, people):
    headers = people["admin"].headers
    for url in ("/api/v1/instances/31283560404", "/api/v1/customers/31283560404", f"/api/v1/instances/{2**64}",
                "/api/v1/incidents/9999999999999"):  # fmt: skip
        assert client.get(url, headers=headers).status_code == 404, url
    for url in (f"/api/v1/tasks?page={10**30}", f"/api/v1/customers?limit={10**30}&offset={10**30}&name=张",
                f"/api/v1/customers/unmasked-views?customer_id={2**40}&page={10**20}"):  # fmt: skip
        assert client.get(url, headers=people["auditor"].headers).status_code in (200, 400), url


def test_item10_nul_bytes_are_a_400(app, client, people):
    headers = people["kf_agent"].headers
    assert client.get("/api/v1/customers?q=%00abc", headers=headers).status_code == 400
    assert client.get("/api/v1/tasks/abc%00def", headers=headers).status_code in (400, 404)
    assert client.post("/api/v1/customers", json={**CUSTOMER, "name": "a\x00b"}, headers=headers).status_code == 400
    assert sign_in(app, "kf_agent").get("/inbox?q=%00").status_code == 400


def test_item10_the_last_code_point_is_just_text(client, people):
    odd = "\U0010ffff"
    created = _create(client, people["kf_agent"], {**CUSTOMER, "name": f"张{odd}", "estate": f"红{odd}路"})
    found = client.get("/api/v1/customers", query_string={"q": f"张{odd}"}, headers=people["kf_agent"].headers)
    assert found.status_code == 200 and [c["id"] for c in found.get_json()["customers"]] == [created["id"]]
    assert (
        client.get("/api/v1/customers", query_string={"q": odd}, headers=people["kf_agent"].headers).status_code == 200
    )
