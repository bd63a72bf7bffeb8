"""The JSON API over HTTP (Flask test client): auth, errors, definitions, instances, tasks, messages, replay."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import SAMPLE_BPMN


def _start(client, person, data=None, business_key=None):
    body = {"process": "platform_sample", "data": data or {}}
    if business_key:
        body["business_key"] = business_key
    response = client.post("/api/v1/instances", json=body, headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json


def test_healthz(client):
    """Liveness only (issue 18); readiness, with the database and script workers, is tests/platform/test_readiness.py."""
    assert client.get("/healthz").json == {"status": "ok"}


def test_every_endpoint_wants_a_user(client, people):
    for method, url in [("get", "/api/v1/tasks"), ("post", "/api/v1/instances"), ("get", "/api/v1/definitions")]:
        response = getattr(client, method)(url)
        assert response.status_code == 401 and response.json["error"] == "unauthenticated"
    bad = client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "令牌" in bad.json["detail"]


def test_deploy_over_http_and_malformed_bpmn_gets_422_with_line(client, people):
    owner, agent = people["owner"], people["kf_agent"]
    assert client.post("/api/v1/definitions", data=SAMPLE_BPMN.read_bytes(), headers=agent.headers).status_code == 403
    created = client.post("/api/v1/definitions", data=SAMPLE_BPMN.read_bytes(), headers=owner.headers)
    assert created.status_code == 201 and created.json["key"] == "platform_sample" and created.json["version"] == 1
    again = client.post("/api/v1/definitions", data=SAMPLE_BPMN.read_bytes(), headers=owner.headers)
    assert again.status_code == 200 and again.json["version"] == 1 and again.json["created"] is False
    broken = SAMPLE_BPMN.read_bytes().replace(b'<bpmn:endEvent id="End_done"', b'<bpmn:endEvent id="End_done" <', 1)
    response = client.post("/api/v1/definitions?filename=broken.bpmn", data=broken, headers=owner.headers)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    [problem] = response.json["errors"]
    assert problem["file"] == "broken.bpmn" and isinstance(problem["line"], int)
    xml = client.get("/api/v1/definitions/platform_sample/versions/1", headers=agent.headers)
    assert xml.status_code == 200 and b"platform_sample" in xml.data
    assert client.get("/api/v1/definitions/platform_sample/versions/9", headers=agent.headers).status_code == 404


def test_start_claim_complete_over_http(client, sample, people):
    agent = people["kf_agent"]
    started = _start(client, agent, {"customer_name": "张三", "account_no": "LZ-1"})
    [task] = started["open_tasks"]
    assert task["candidate_group"] == "客服中心" and task["subject"] == "张三 LZ-1"
    group = client.get("/api/v1/tasks?scope=group", headers=agent.headers).json
    assert [t["id"] for t in group["tasks"]] == [task["id"]]
    assert client.get("/api/v1/tasks?q=LZ-1&scope=group", headers=agent.headers).json["total"] == 1
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=agent.headers).json
    assert detail["form"]["properties"]["needs_visit"]["title"] == "需要上门"
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=agent.headers).status_code == 200
    assert client.get("/api/v1/tasks?scope=mine", headers=agent.headers).json["total"] == 1
    invalid = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"needs_visit": "yes"}}, headers=agent.headers
    )
    assert invalid.status_code == 422 and invalid.json["errors"][0]["field"] == "needs_visit"
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"needs_visit": False}}, headers=agent.headers
    )
    assert done.status_code == 200 and done.json["status"] == "running"
    again = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"needs_visit": False}}, headers=agent.headers
    )
    assert again.status_code == 409
    assert client.get("/api/v1/tasks?scope=done", headers=agent.headers).json["total"] == 1


def test_outsider_gets_403_on_claim_complete_and_case(client, sample, people):
    started = _start(client, people["kf_agent"])
    task_id = started["open_tasks"][0]["id"]
    outsider = people["cx_staff"]
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=outsider.headers).status_code == 403
    complete = client.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": {"needs_visit": False}}, headers=outsider.headers
    )
    assert complete.status_code == 403 and complete.json["error"] == "forbidden"
    assert client.get(f"/api/v1/instances/{started['id']}", headers=outsider.headers).status_code == 403
    assert client.get(f"/api/v1/instances/{started['id']}/events", headers=people["auditor"].headers).status_code == 200


def test_bad_input_is_a_clear_4xx_never_500(client, sample, people):
    h = people["kf_agent"].headers
    cases = [
        client.post("/api/v1/instances", data="not json", headers={**h, "Content-Type": "application/json"}),
        client.post("/api/v1/instances", json=[1, 2], headers=h),
        client.post("/api/v1/instances", json={"process": "nope"}, headers=h),
        client.post("/api/v1/instances", json={"process": "platform_sample", "data": "x"}, headers=h),
        client.get("/api/v1/tasks?scope=weird", headers=h),
        client.get("/api/v1/tasks?page=abc", headers=h),
        client.get("/api/v1/tasks?due_before=yesterday", headers=h),
        client.get("/api/v1/tasks/does-not-exist", headers=h),
        client.post("/api/v1/messages", json={"name": "x"}, headers=h),
        client.post("/api/v1/tasks/x/delegate", json={}, headers=h),
        client.get("/api/v1/instances/999999", headers=h),
        client.get("/api/v1/nothing-here", headers=h),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.status_code, response.data[:200])
        assert set(response.json) >= {"error", "detail"} and response.json["detail"]


def test_message_and_replay_over_http(client, sample, people):
    agent, auditor = people["kf_agent"], people["auditor"]
    started = _start(client, agent, business_key="BK-9")
    task_id = started["open_tasks"][0]["id"]
    client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"needs_visit": False}}, headers=agent.headers)
    nobody = client.post(
        "/api/v1/messages",
        json={"name": "payment_received", "correlation": {"business_key": "BK-0"}, "payload": {"amount": 1}},
        headers=agent.headers,
    )
    assert nobody.status_code == 404 and "BK-0" in nobody.json["detail"]
    sent = client.post(
        "/api/v1/messages",
        json={"name": "payment_received", "correlation": {"business_key": "BK-9"}, "payload": {"amount": 7}},
        headers=agent.headers,
    )
    assert sent.status_code == 200 and sent.json["delivered_to"] == [started["id"]]
    case = client.get(f"/api/v1/instances/{started['id']}", headers=agent.headers).json
    assert case["status"] == "completed" and case["data"]["paid_total"] == 7
    events = client.get(f"/api/v1/instances/{started['id']}/events", headers=agent.headers).json["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(events, events[1:], strict=False))
    assert client.post(f"/api/v1/instances/{started['id']}/replay", headers=agent.headers).status_code == 403
    replay = client.post(f"/api/v1/instances/{started['id']}/replay", headers=auditor.headers)
    assert replay.status_code == 200 and replay.json["ok"] is True


def test_two_concurrent_completions_one_wins_one_409(app, sample, people):
    """Two threads, each its own request and DB connection, complete the same task at once (issue 2, Must show)."""
    agent = people["kf_agent"]
    client = app.test_client()
    started = _start(client, agent)
    task_id = started["open_tasks"][0]["id"]
    barrier = threading.Barrier(2)
    results = []

    def worker():
        local = app.test_client()
        barrier.wait()
        response = local.post(
            f"/api/v1/tasks/{task_id}/complete", json={"data": {"needs_visit": False}}, headers=agent.headers
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [200, 409]
    events = client.get(f"/api/v1/instances/{started['id']}/events", headers=agent.headers).json["events"]
    assert [e["kind"] for e in events].count("task_completed") == 1
    case = client.get(f"/api/v1/instances/{started['id']}", headers=agent.headers).json
    assert case["revision"] == 2 and case["open_tasks"] == []


@pytest.mark.parametrize("rounds", [5])
def test_concurrent_claims_exactly_one_wins(app, sample, people, rounds):
    client = app.test_client()
    for _ in range(rounds):
        task_id = _start(client, people["kf_agent"])["open_tasks"][0]["id"]
        barrier = threading.Barrier(2)
        codes = []

        def claim(person, task_id=task_id, barrier=barrier, codes=codes):
            barrier.wait()
            codes.append(app.test_client().post(f"/api/v1/tasks/{task_id}/claim", headers=person.headers).status_code)

        threads = [threading.Thread(target=claim, args=(p,)) for p in (people["kf_agent"], people["owner"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(codes) == [200, 409]


def test_openapi_documents_every_route(app, client):
    documented = client.get("/api/v1/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        assert path in documented, f"{rule.rule} is not in /api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented[path], f"{method} {rule.rule} is not documented"
