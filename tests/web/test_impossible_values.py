"""Impossible values are refused beside the field with a sentence that says what is expected, and what was typed
stays (issue 11, item 11): a restore meter reading below the disconnection reading (S19.1) or a restore before the
cut (arrears and hazard restore). Times in the future on the complaint forms: tests/complaints/test_times.py."""

from __future__ import annotations

from app.platform import timers
from tests.supply.test_pages import _both_disconnected, _pay, cases  # noqa: F401  (fixture)
from tests.walk import open_tasks
from tests.walk import work as _do
from tests.web.test_pages import claimed as _claimed
from tests.web.test_pages import field_error as _error


def test_S19_1_a_restore_reading_below_the_disconnection_reading_is_refused(app, cases, at):  # noqa: F811
    arrears_id, _ = _both_disconnected(cases, at)
    at("2026-03-11T09:00:00+08:00")
    _pay(300.5, "2026-03-11T08:00:00+08:00")
    task = open_tasks(arrears_id)["Task_restore"]
    staff = _claimed(app, "lz_staff", task)
    form = {"restored_at": "2026-03-10T09:00", "meter_reading_restored": "123.45", "safety_checked": "true"}
    refused = staff.post(f"/tasks/{task.id}", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert _error(page, "meter_reading_restored") == (
        "不能小于停气时的读数 1234.5 m³（停气期间表数不会减少），请核对表盘后重新填写"
    )
    assert _error(page, "restored_at") == "不能早于停气时间（03-10 10:00），请填写实际恢复供气的时间"
    assert 'value="123.45"' in page and "Task_restore" in open_tasks(arrears_id)
    done = staff.post(
        f"/tasks/{task.id}", {**form, "restored_at": "2026-03-11T08:50", "meter_reading_restored": "1234.5"}
    )
    assert done.status_code == 303 and "Task_restore" not in open_tasks(arrears_id)


def test_S19_1_the_hazard_restore_is_checked_the_same_way(app, cases, at):  # noqa: F811
    from app.core.errors import Invalid

    _, hazard_id = _both_disconnected(cases, at)
    at("2026-03-11T10:30:00+08:00")
    _do(hazard_id, "Task_verify", cases["lz_staff"],
        {"verified_at": "2026-03-11T10:00:00+08:00", "verified_rectified": True, "verify_findings": "合格"})  # fmt: skip
    timers.sweep()
    try:
        _do(hazard_id, "Task_hazard_restore", cases["lz_staff"],
            {"restored_at": "2026-03-11T10:20:00+08:00", "meter_reading_restored": 87.9})  # fmt: skip
    except Invalid as err:
        assert [e["field"] for e in err.extra["errors"]] == ["meter_reading_restored"]
    else:
        raise AssertionError("a restore reading below the cut's (88) was accepted")
    _do(hazard_id, "Task_hazard_restore", cases["lz_staff"],
        {"restored_at": "2026-03-11T10:20:00+08:00", "meter_reading_restored": 88.4})  # fmt: skip
    assert "Task_hazard_restore" not in open_tasks(hazard_id)
