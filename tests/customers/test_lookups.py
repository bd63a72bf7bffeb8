"""Phone searches cannot reverse the masking (issue 13, item 7; S21.4): the last 4 digits or the whole number, nothing
in between, each search logged, phone searches and full views limited per person."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import CustomerView
from tests.web.test_customers_api import CUSTOMER, _create

NUMBER = CUSTOMER["phones"][0]  # 13812345678, shown as 138****5678


def _search(client, person, **params):
    return client.get("/api/v1/customers", query_string=params, headers=person.headers)


def test_item7_a_masked_number_cannot_be_recovered_a_digit_at_a_time(client, people):
    """The old search took any suffix: …5678, …45678, …345678 recovered a number in 32 queries."""
    _create(client, people["kf_agent"])
    agent = people["lz_staff"]
    assert [c["phones"] for c in _search(client, agent, phone="5678").json["customers"]] == [["138****5678"]]
    for length in range(5, 11):  # the attacker's next digit, every guess: never a match
        for digit in "0123456789":
            guess = digit + NUMBER[-(length - 1) :]
            for params in ({"phone": guess}, {"q": guess}):
                response = _search(client, agent, **params)
                # refused, or (a guess that happens to be a whole landline number) looked up exactly: no one
                assert response.status_code == 422 or response.json["customers"] == [], guess
                if response.status_code == 422:
                    assert "后 4 位" in response.json["detail"]
    whole = _search(client, agent, phone=NUMBER).json["customers"]
    assert [c["account_no"] for c in whole] == [CUSTOMER["account_no"]] and whole[0]["phones"] == ["138****5678"]
    assert _search(client, agent, phone="13812345670").json["customers"] == []


def test_item7_every_phone_search_is_in_the_view_log(client, people):
    created = _create(client, people["kf_agent"])
    _search(client, people["lz_staff"], phone="5678")
    _search(client, people["lz_staff"], q="13900000000")
    rows = db.session.scalars(select(CustomerView).where(CustomerView.channel == "phone").order_by(CustomerView.id))
    logged = [(r.user_id, r.customer_id, r.note) for r in rows]
    assert logged == [
        (people["lz_staff"].user.id, created["id"], "电话查询 尾号 5678，1 户"),
        (people["lz_staff"].user.id, None, "电话查询 139****0000，0 户"),
    ]
    log = client.get("/api/v1/customers/unmasked-views", headers=people["auditor"].headers).json["views"]
    assert {"phone"} <= {v["channel"] for v in log}


def test_item7_phone_searches_and_full_views_are_limited_per_person(app, client, people):
    created = _create(client, people["kf_agent"])
    app.config["GASFLOW"] = app.config["GASFLOW"].with_overrides(lookups_per_hour=3)
    agent = people["cx_staff"]  # the customer's manager: sees full numbers, each view counted
    assert _search(client, agent, phone="5678").status_code == 200
    assert client.get(f"/api/v1/customers/{created['id']}", headers=agent.headers).status_code == 200
    assert _search(client, agent, phone=NUMBER).status_code == 200
    refused = _search(client, agent, phone="5678")
    assert refused.status_code == 429 and "3 次" in refused.json["detail"]
    assert client.get(f"/api/v1/customers/{created['id']}", headers=agent.headers).status_code == 429
    assert _search(client, agent, name="苍溪").status_code == 200  # a name search is not a phone lookup
    assert _search(client, people["lz_staff"], phone="5678").status_code == 200  # another person's allowance
