"""The calendar API (issue 3 §1-2, §5): C14.1 deadlines over HTTP, the admin's table edits, coverage warning, SLA view."""

from __future__ import annotations

from datetime import date

import pytest

from tests.platform.test_deadlines import SCHEDULE_2027, deploy_sla, start_complaint


def _due(client, person, start, days=5):
    response = client.get(f"/api/v1/calendar/add-working-days?start={start}&days={days}", headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


# (receipt, working days, due as 24:00 of the last working day in Asia/Shanghai, i.e. 00:00 of the next day)
C14_1_CASES = [
    # rules.md's checked values: National Day 2025 (Oct 1-8 off, Sat Oct 11 make-up) and Spring Festival 2026
    ("2025-09-30", 5, "2025-10-15T00:00:00+08:00"),
    ("2026-02-13", 5, "2026-02-28T00:00:00+08:00"),
    # receipt at 23:59 counts as that day: the next day is W1
    ("2025-09-30T23:59:00%2B08:00", 5, "2025-10-15T00:00:00+08:00"),
    # 23:59 UTC on Sep 29 is already Sep 30 in Shanghai
    ("2025-09-29T23:59:00Z", 5, "2025-10-15T00:00:00+08:00"),
    # receipt on a holiday (Oct 3, 2025): Oct 9 W1, 10 W2, Sat 11 make-up W3, 13 W4, 14 W5
    ("2025-10-03", 5, "2025-10-15T00:00:00+08:00"),
    # Labour Day 2025 (May 1-5 off; Sun Apr 27 make-up): from Apr 25, Sun 27 W1, 28 W2, 29 W3, 30 W4, May 6 W5
    ("2025-04-25", 5, "2025-05-07T00:00:00+08:00"),
    # Dragon Boat 2025 (May 31-Jun 2 off): from May 29, 30 W1, Jun 3 W2 ... Jun 6 W5
    ("2025-05-29", 5, "2025-06-07T00:00:00+08:00"),
    # Mid-Autumn + National Day 2026 (Sep 25 off; Oct 1-7 off; Sun Sep 20 and Sat Oct 10 make-up)
    ("2026-09-30", 5, "2026-10-14T00:00:00+08:00"),
]


@pytest.mark.parametrize(("start", "days", "due"), C14_1_CASES)
def test_c14_1_cases_through_the_api(client, people, start, days, due):
    body = _due(client, people["kf_agent"], start, days)
    assert body["due"] == due and body["provisional"] is False


def test_c14_1_unpublished_year_is_provisional_never_refused(client, people):
    # 2027 is not in the table: weekdays minus 1 Jan, 1-2 May, 1-3 Oct; flagged, not refused
    body = _due(client, people["kf_agent"], "2026-12-29")  # Dec 30, 31 (covered), Jan 4, 5, 6 (guessed)
    assert body == {**body, "due": "2027-01-07T00:00:00+08:00", "provisional": True}
    assert _due(client, people["kf_agent"], "2026-12-01")["provisional"] is False


@pytest.mark.parametrize(
    "query",
    ["", "start=2026-01-05", "start=2026-01-05&days=0", "start=2026-01-05&days=x", "start=yesterday&days=5",
     "start=2026-01-05T09:00:00&days=5", "start=2026-02-30&days=5"],
)  # fmt: skip
def test_bad_queries_are_400_with_a_chinese_message(client, people, query):
    response = client.get(f"/api/v1/calendar/add-working-days?{query}", headers=people["kf_agent"].headers)
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert "(" in response.json["detail"]  # Chinese first, English in parentheses


def test_only_admins_edit_the_table_and_edits_change_deadlines(client, people):
    url = "/api/v1/calendar/days/2026-03-03"
    denied = client.put(url, json={"workday": False, "name": "停气抢修日"}, headers=people["kf_head"].headers)
    assert denied.status_code == 403
    assert client.put(url, json={"workday": "no"}, headers=people["admin"].headers).status_code == 400
    assert (
        client.put(
            "/api/v1/calendar/days/2026-3-x", json={"workday": False}, headers=people["admin"].headers
        ).status_code
        == 400
    )
    before = _due(client, people["kf_agent"], "2026-03-02", 1)["due"]
    response = client.put(url, json={"workday": False, "name": "临时休息"}, headers=people["admin"].headers)
    assert response.status_code == 200 and response.json == {
        "date": "2026-03-03", "workday": False, "name": "临时休息", "source": "admin"
    }  # fmt: skip
    assert (before, _due(client, people["kf_agent"], "2026-03-02", 1)["due"]) == (
        "2026-03-04T00:00:00+08:00",
        "2026-03-05T00:00:00+08:00",
    )


def test_years_warn_from_1_december_while_next_year_is_missing(client, people, at):
    at("2026-11-30T12:00:00+08:00")
    body = client.get("/api/v1/calendar/years", headers=people["admin"].headers).json
    assert body["years"][0] == 2004 and body["years"][-1] == 2026 and body["warning"] is None
    at("2026-12-01T00:00:01+08:00")
    warning = client.get("/api/v1/calendar/years", headers=people["admin"].headers).json["warning"]
    assert "2027" in warning and "暂定" in warning
    imported = client.post(
        "/api/v1/calendar/import",
        data=SCHEDULE_2027.encode(),
        headers={**people["admin"].headers, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json["years"] == [2027]
    assert client.get("/api/v1/calendar/years", headers=people["admin"].headers).json["warning"] is None


def test_import_over_http_is_admin_only_and_all_or_nothing(client, people):
    csv = SCHEDULE_2027 + "2027-13-01,0,x\n"
    assert client.post("/api/v1/calendar/import", data=csv, headers=people["kf_agent"].headers).status_code == 403
    response = client.post("/api/v1/calendar/import", data=csv, headers=people["admin"].headers)
    assert response.status_code == 422 and response.json["errors"] == [
        "第 11 行：日期“2027-13-01”不存在，请核对月份和日子"
    ]
    assert 2027 not in client.get("/api/v1/calendar/years", headers=people["admin"].headers).json["years"]


def test_year_view_lists_every_day(client, people):
    body = client.get("/api/v1/calendar/days?year=2026", headers=people["kf_agent"].headers).json
    days = {d["date"]: d for d in body["days"]}
    assert body["covered"] is True and len(days) == 365
    assert days["2026-02-17"] == {
        "date": "2026-02-17",
        "workday": False,
        "name": "春节",
        "source": "chinese_calendar",
        "provisional": False,
    }
    assert days["2026-02-14"]["workday"] is True and days["2026-02-14"]["name"] == "调休上班"  # a make-up Saturday
    guessed = client.get("/api/v1/calendar/days?year=2027", headers=people["kf_agent"].headers).json
    assert guessed["covered"] is False
    off_weekdays = [d for d in guessed["days"] if not d["workday"] and date.fromisoformat(d["date"]).weekday() < 5]
    assert [(d["date"], d["name"]) for d in off_weekdays] == [
        ("2027-01-01", "元旦(推定)"),
        ("2027-10-01", "国庆节(推定)"),
    ]
    assert all(d["provisional"] for d in guessed["days"])
    assert client.get("/api/v1/calendar/days?year=abc", headers=people["kf_agent"].headers).status_code == 400


def test_task_json_shows_due_time_left_provisional_and_overdue(app, client, people, at):
    """C14.1 in the inbox: working time left, the provisional flag, overdue=1 and due_before filters."""
    deploy_sla()
    at("2027-02-01T09:00:00+08:00")
    instance = start_complaint(people["kf_agent"].user)
    lz = people["lz_staff"]
    [task] = client.get("/api/v1/tasks?scope=group", headers=lz.headers).json["tasks"]
    assert task["due_at"] == "2027-02-08T16:00:00+00:00" and task["due_provisional"] is True
    # Mon 09:00 -> end of Mon 8 Feb under the provisional rule: 15 h today + Tue-Fri + Mon = 15 h + 5 x 24 h
    assert task["time_left_seconds"] == pytest.approx(15 * 3600 + 5 * 86400, abs=2)
    assert task["overdue"] is False and task["sla_kind"] == "working_days"
    client.post("/api/v1/calendar/import", data=SCHEDULE_2027, headers=people["admin"].headers)
    task = client.get(f"/api/v1/tasks/{task['id']}", headers=lz.headers).json
    assert task["due_at"] == "2027-02-13T16:00:00+00:00" and task["due_provisional"] is False
    at("2027-02-14T08:00:00+08:00")
    overdue = client.get("/api/v1/tasks?scope=group&overdue=1", headers=lz.headers).json["tasks"]
    assert [t["id"] for t in overdue] == [task["id"]]
    assert overdue[0]["overdue"] is True and overdue[0]["time_left_seconds"] == pytest.approx(-8 * 3600, abs=2)
    for before, count in [("2027-02-14T00:00:00%2B08:00", 0), ("2027-02-14T00:00:01%2B08:00", 1)]:
        assert client.get(f"/api/v1/tasks?scope=group&due_before={before}", headers=lz.headers).json["total"] == count
    assert instance.id == task["instance_id"]
