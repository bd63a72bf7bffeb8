"""The customer archive and the directory over HTTP: auth, errors as JSON, S21.4 masking and the auditors' log."""

from __future__ import annotations

CUSTOMER = {
    "account_no": "CX00000009",
    "name": "苍溪县敬老院",
    "customer_class": "A3",
    "district": "苍溪县",
    "street": "陵江镇",
    "estate": "红军路",
    "phones": ["13812345678"],
    "branch": "苍溪县分公司",
    "manager": "cx_staff",
}


def _create(client, person, body=None):
    response = client.post("/api/v1/customers", json=body or CUSTOMER, headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json


def test_customer_endpoints_want_a_user(client, people):
    for method, url in [("get", "/api/v1/customers"), ("post", "/api/v1/customers"), ("get", "/api/v1/customers/1"),
                        ("get", "/api/v1/directory/units"), ("post", "/api/v1/directory/conflicts")]:  # fmt: skip
        response = getattr(client, method)(url)
        assert response.status_code == 401 and response.json["error"] == "unauthenticated"


def test_create_errors_are_json_in_chinese(client, people):
    agent = people["kf_agent"]
    bad = client.post("/api/v1/customers", json={**CUSTOMER, "phones": "110", "manager": ""}, headers=agent.headers)
    assert bad.status_code == 422 and bad.json["error"] == "invalid"
    assert any("电话号码“110”" in p for p in bad.json["problems"])
    assert any("必须指定客户经理" in p for p in bad.json["problems"])
    assert client.post("/api/v1/customers", data="x", headers=agent.headers).status_code == 400
    assert client.get("/api/v1/customers/999", headers=agent.headers).status_code == 404
    assert client.get("/api/v1/customers?phone=12", headers=agent.headers).status_code == 422
    _create(client, agent)
    again = client.post("/api/v1/customers", json=CUSTOMER, headers=agent.headers)
    assert again.status_code == 409 and "已存在" in again.json["detail"]
    other_branch = client.post(
        "/api/v1/customers", json={**CUSTOMER, "account_no": "X0001"}, headers=people["lz_staff"].headers
    )
    assert other_branch.status_code == 403


def test_S21_4_lizhou_user_gets_masked_phone_manager_whole_auditor_sees_the_log(client, people):
    created = _create(client, people["kf_agent"])
    url = f"/api/v1/customers/{created['id']}"
    lizhou = client.get(url, headers=people["lz_staff"].headers).json
    assert lizhou["masked"] and lizhou["phones"] == ["138****5678"]
    manager = client.get(url, headers=people["cx_staff"].headers).json
    assert not manager["masked"] and manager["phones"] == ["13812345678"]
    found = client.get("/api/v1/customers?q=5678", headers=people["cx_staff"].headers).json
    assert [c["phones"] for c in found["customers"]] == [["138****5678"]] and found["has_more"] is False
    assert client.get("/api/v1/customers/unmasked-views", headers=people["admin"].headers).status_code == 403
    log = client.get(f"/api/v1/customers/unmasked-views?customer_id={created['id']}", headers=people["auditor"].headers)
    assert log.status_code == 200
    views = [(v["user_id"], v["channel"]) for v in log.json["views"]]
    assert views == [(people["cx_staff"].user.id, "phone"), (people["cx_staff"].user.id, "view"),
                     (people["kf_agent"].user.id, "edit")]  # fmt: skip  # the phone search is logged too (issue 13)
    assert people["lz_staff"].user.id not in {v["user_id"] for v in log.json["views"]}
    since = client.get("/api/v1/customers/unmasked-views?since=2026-01-01", headers=people["auditor"].headers)
    assert since.status_code == 400 and "时区" in since.json["detail"]


def test_patch_with_revision_and_delete_by_admin(client, people):
    created = _create(client, people["kf_agent"])
    url = f"/api/v1/customers/{created['id']}"
    changed = client.patch(url, json={"supply_status": "报停", "revision": 1}, headers=people["cx_staff"].headers)
    assert (
        changed.status_code == 200 and changed.json["supply_status_label"] == "报停" and changed.json["revision"] == 2
    )
    stale = client.patch(url, json={"name": "x", "revision": 1}, headers=people["cx_staff"].headers)
    assert stale.status_code == 409
    assert client.patch(url, json={"name": "x"}, headers=people["lz_staff"].headers).status_code == 403
    assert client.delete(url, headers=people["kf_agent"].headers).status_code == 403
    assert client.delete(url, headers=people["admin"].headers).status_code == 204
    assert client.get(url, headers=people["admin"].headers).status_code == 404


def test_directory_lists_and_C13_2_5_declarations(client, people):
    units = client.get("/api/v1/directory/units", headers=people["lz_staff"].headers).json["units"]
    assert {u["name"] for u in units if u["kind"] == "branch"} >= {"利州区分公司", "苍溪县分公司"}
    users = client.get("/api/v1/directory/users?unit=利州区分公司", headers=people["lz_staff"].headers).json["users"]
    by_name = {u["username"]: u for u in users}
    assert by_name["lz_staff"]["superior_id"] == by_name["lz_head"]["id"] and "head" in by_name["lz_head"]["roles"]
    assert "password_hash" not in by_name["lz_staff"] and "token_hash" not in by_name["lz_staff"]
    body = {"with": "lz_staff2", "kind": "relative", "reason": "夫妻"}
    declared = client.post("/api/v1/directory/conflicts", json=body, headers=people["lz_staff"].headers)
    assert declared.status_code == 201 and declared.json["kind_label"] == "亲属"
    bad = client.post("/api/v1/directory/conflicts", json={"with": "lz_staff2"}, headers=people["lz_staff"].headers)
    assert bad.status_code == 400
    mine = client.get("/api/v1/directory/conflicts", headers=people["lz_staff2"].headers).json["conflicts"]
    assert [c["id"] for c in mine] == [declared.json["id"]]
    withdraw = f"/api/v1/directory/conflicts/{declared.json['id']}/withdraw"
    assert client.post(withdraw, headers=people["cx_staff"].headers).status_code == 403
    assert client.post(withdraw, headers=people["lz_staff"].headers).json["withdrawn_at"] is not None
