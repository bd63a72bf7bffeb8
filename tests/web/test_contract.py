"""Issue 13 item 13, what the API fuzzing (tests/fuzz) found, kept as plain regressions: a 405 names the allowed
methods, an id out of range is a 404 whatever the method, and a query parameter the document types is held to it."""

from __future__ import annotations


def test_item13_a_405_carries_the_allow_header(client, people):
    answer = client.open("/api/v1/tasks", method="TRACE", headers=people["admin"].headers)
    assert answer.status_code == 405 and answer.is_json
    assert set(answer.headers["Allow"].split(", ")) >= {"GET"}


def test_item13_an_id_out_of_range_is_a_404_for_every_method(client, people):
    headers = people["admin"].headers
    for url, methods in [("/api/v1/owners/drafts/481466075804/xml", ("GET", "PUT")),
                         ("/api/v1/customers/706140162660", ("GET", "PATCH", "DELETE"))]:  # fmt: skip
        for method in methods:
            answer = client.open(url, method=method, headers=headers, json={})
            assert answer.status_code == 404, (url, method)
            assert answer.json["error"] == "not_found"
    assert client.open("/api/v1/customers/1", method="PUT", headers=headers).status_code == 405  # a real 405 stays


def test_item13_a_typed_query_parameter_outside_the_document_is_a_400_naming_it(client, people):
    headers = people["admin"].headers
    for url, name in [
        ("/api/v1/tasks?overdue=null", "overdue"),  # used to be read as "not overdue"
        ("/api/v1/unmatched-messages?all=maybe", "all"),
        ("/api/v1/audit/cases?reassigned=null", "reassigned"),
        ("/api/v1/tasks?page=abc", "page"),
        ("/api/v1/tasks?due_before=2026-03-02", "due_before"),
        ("/api/v1/cases?version=x", "version"),
        ("/api/v1/tasks?overdue=1&overdue=0", "overdue"),  # given twice
        ("/api/v1/tasks?pag=2", "pag"),  # not a parameter of this operation: was silently ignored
        ("/api/v1/unmatched-messages?q%01=&all=0", "q\x01"),
    ]:
        answer = client.get(url, headers=people["auditor"].headers if "audit" in url else headers)
        assert answer.status_code == 400, url
        assert name in answer.json["detail"], answer.json


def test_item13_documented_values_still_pass(client, people):
    headers = people["admin"].headers
    for url in [
        "/api/v1/tasks?overdue=1&page=2",
        "/api/v1/tasks?overdue=true",
        "/api/v1/tasks?due_before=2026-03-02T09:00:00%2B08:00",
        "/api/v1/unmatched-messages?all=1",
    ]:
        assert client.get(url, headers=headers).status_code == 200, url
    since = "/api/v1/customers/unmasked-views?since=2026-01-01T00:00:00%2B08:00"
    assert client.get(since, headers=people["auditor"].headers).status_code == 200
