"""Times of what happened are never in the future on the complaint forms (issue 11, item 11): the answer and callback
times and the receipt time are refused beside the field with what time it is, and what was typed stays."""

from __future__ import annotations

from tests.complaints.test_process import TRIAGE, VALID, _intake, _investigate
from tests.walk import open_tasks
from tests.walk import work as _do
from tests.web.test_pages import claimed as _claimed
from tests.web.test_pages import field_error as _error


def test_C14_1_an_answer_time_in_the_future_is_refused_beside_the_field(app, complaint):
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    _do(iid, "Task_validity", complaint["kf_agent"], VALID)
    task = open_tasks(iid)["Task_answer"]
    staff = _claimed(app, "lz_staff", task)
    form = {"handling": "已上门处理", "answer_text": "已向客户致歉", "answered_at": "2026-03-03T10:00",
            "external_cause": "false"}  # fmt: skip
    refused = staff.post(f"/tasks/{task.id}", form)  # the clock reads 2026-03-02 09:30
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert _error(page, "answered_at") == "不能晚于现在（现在是 03-02 09:30），请填写实际发生的时间"
    assert 'value="2026-03-03T10:00"' in page and "已向客户致歉" in page  # nothing typed is lost
    assert "Task_answer" in open_tasks(iid)  # nothing saved
    done = staff.post(f"/tasks/{task.id}", {**form, "answered_at": "2026-03-02T09:20"})
    assert done.status_code == 303 and "Task_answer" not in open_tasks(iid)


def test_C11_a_receipt_time_in_the_future_says_what_time_it_is(app, complaint):
    from app.core.errors import Invalid

    try:
        _intake(complaint["kf_agent"], received_at="2026-03-03T09:00:00+08:00")
    except Invalid as err:
        [problem] = err.extra["errors"]
        assert problem["field"] == "received_at"
        assert problem["message"] == "受理时间：不能晚于现在（现在是 03-02 09:30），请填写实际发生的时间"
    else:
        raise AssertionError("a complaint received tomorrow was accepted")
