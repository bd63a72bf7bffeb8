"""The demo-case runner (app/platform/demo_cases.py): timelines of real use cases, run in time order with the
scheduler's sweep replayed at each timer's own moment, idempotent, and loud about a timeline that does not fit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app import clock
from app.calendar import table as workcalendar
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.org import users
from app.platform import audit, demo_cases, instances, script_functions
from app.platform.demo_cases import Demo, DemoCase, DemoError
from tests.walk import event_payloads

NOW = "2026-03-04T15:00:00+08:00"  # a Wednesday


def _sample_case(demo: Demo, key: str = "sample.late") -> DemoCase:
    def opener() -> int:
        data = {"customer_name": "张三", "branch": "利州区分公司"}
        return instances.start("platform_sample", data, users.get_by_username("kf_agent"), business_key=key).id

    return (
        DemoCase(key, "示例：上门超过 2 小时")
        .open(demo.hours_ago(5), opener)
        .work(demo.hours_ago(4.5), "Task_register", "kf_agent", {"needs_visit": True, "note": "燃气表附近有气味"})
    )


def test_timelines_run_with_timers_fired_at_their_own_moment_and_only_once(app, people, sample, at):
    now = at(NOW)
    demo = Demo(clock.now())
    seen = []
    [built] = demo_cases.load([_sample_case(demo)], before_work=lambda task, user: seen.append((task.spec_name, user)))
    assert built.key == "sample.late" and seen == [("Task_register", people["kf_agent"].user)]
    instance_id = demo_cases.loaded()["sample.late"]
    [fired] = event_payloads(instance_id, "timer_fired")
    due = now - timedelta(hours=4.5) + timedelta(hours=2)  # the visit's 2-hour timer, from the register step
    assert fired["clock"] == (due + timedelta(seconds=1)).astimezone(clock.UTC).isoformat()
    escalate = db.session.query(HumanTask).filter_by(instance_id=instance_id, spec_name="Task_escalate").one()
    assert clock.ensure_aware(escalate.created_at) == due + timedelta(seconds=1)
    assert demo_cases.load([_sample_case(demo)]) == []  # marked: never built twice
    assert db.session.query(ProcessInstance).count() == 1
    assert audit.replay(instance_id).ok and all(report.ok for report in audit.verify(instance_id))


def test_a_timeline_that_does_not_fit_its_diagram_fails_loudly_and_marks_nothing_it_did_not_open(
    app, people, sample, at
):
    at(NOW)
    demo = Demo(clock.now())
    wrong = _sample_case(demo, "sample.wrong").work(demo.hours_ago(4), "Task_escalate", "kf_head", {})
    with pytest.raises(DemoError, match=r"no open task Task_escalate \(open: Task_visit\)"):
        demo_cases.load([wrong])
    with pytest.raises(DemoError, match="earlier than the step before"):
        DemoCase("x", "x").open(demo.hours_ago(1), lambda: 0).work(demo.hours_ago(2), "Task_register", "kf_agent")
    future = DemoCase("sample.future", "x").open(demo.now + timedelta(minutes=5), lambda: 0)
    with pytest.raises(DemoError, match="lies in the future"):
        demo_cases.load([future])
    assert "sample.future" not in demo_cases.loaded()


@pytest.mark.parametrize("today", ["2026-03-04", "2026-02-22", "2026-10-08", "2026-05-09", "2026-12-31"])
def test_working_days_ago_lands_where_the_C14_1_count_ends_on_the_first_working_day_from_today(app, today):
    demo = Demo(datetime.fromisoformat(f"{today}T11:00:00+08:00"))
    first = date.fromisoformat(today)
    while not workcalendar.day_info(first)[0]:
        first += timedelta(days=1)
    for back in (1, 2, 4, 5, 7):
        received = demo.working_days_ago(back, "10:00")
        assert workcalendar.day_info(clock.to_local(received).date())[0]  # received on a working day
        due = datetime.fromisoformat(script_functions.add_working_days(received, back))
        assert (due - timedelta(seconds=1)).date() == first, (today, back)
