"""S21.3 "用户档案信息等重要数据信息立即备份" (issue 12, item 15): an archive change through the API is backed up at once
— appended to the change log beside the backups when it commits — and the weekly snapshot ships the log."""

from __future__ import annotations

from app.customers import change_log
from app.platform import backup
from tests.web.test_customers_api import CUSTOMER, _create


def test_S21_3_archive_changes_are_backed_up_at_once_and_ship_with_the_snapshot(client, people):
    agent = people["kf_agent"]
    created = _create(client, agent)
    url = f"/api/v1/customers/{created['id']}"
    changed = client.patch(url, json={"name": "苍溪县陵江镇敬老院", "phones": ["13812340000"]}, headers=agent.headers)
    assert changed.status_code == 200, changed.json
    refused = client.patch(url, json={"customer_class": "Z9"}, headers=agent.headers)  # rolled back: not logged
    assert refused.status_code == 422
    log = change_log.entries()
    assert [(e["op"], e["revision"], e["actor"]) for e in log] == [("create", 1, "kf_agent"), ("update", 2, "kf_agent")]
    assert log[1]["record"]["name"] == "苍溪县陵江镇敬老院" and log[1]["record"]["phones"] == ["13812340000"]
    assert log[1]["record"]["account_no"] == CUSTOMER["account_no"]

    snapshot = backup.create_backup().path
    shipped = snapshot.with_name(snapshot.name + change_log.SUFFIX)
    assert [e["op"] for e in change_log.entries(shipped)] == ["create", "update"]  # the week's changes, kept
    assert change_log.entries() == []  # a new log after the snapshot
    assert client.delete(url, headers=people["admin"].headers).status_code in (200, 204)
    assert [(e["op"], e["customer_id"]) for e in change_log.entries()] == [("delete", created["id"])]
