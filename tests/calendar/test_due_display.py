"""Issue 12, item 5 (C14.1, Civil Code art. 203): a limit "by the end of 2026-03-09" is kept as the instant
2026-03-10T00:00+08:00, but every place a person or a client reads it names the day the rule names."""

from __future__ import annotations

from tests.complaints.conftest import complaint  # noqa: F401 - the complaint fixture
from tests.complaints.test_process import _intake
from tests.walk import open_tasks as _open
from tests.web.test_pages import sign_in


def test_C14_1_deadline_reads_as_the_day_it_ends_in_api_and_pages(complaint, app, client):  # noqa: F811
    iid = _intake(complaint["kf_agent"]).instance_id
    triage = _open(iid)["Task_triage"]
    body = client.get(f"/api/v1/tasks/{triage.id}", headers=complaint["kf_agent"].headers).get_json()
    assert body["due_at"] == "2026-03-09T16:00:00+00:00"  # the instant is kept
    assert body["due_date"] == "2026-03-09" and body["due_end_of_day"] is True
    agent = sign_in(app, "kf_agent")
    page = agent.get(f"/tasks/{triage.id}").get_data(as_text=True)
    assert "到期 2026年3月9日 24:00" in page and "03-10 00:00" not in page and "2026-03-10 00:00" not in page
    inbox = agent.get("/inbox?view=group").get_data(as_text=True)
    assert "03-09 当日终" in inbox and "03-10 00:00" not in inbox
    cases = agent.get("/cases").get_data(as_text=True)
    assert "03-09 当日终" in cases
