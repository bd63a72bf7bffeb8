"""Recording and replaying script-function calls (issue 3 §2): replay must get the answers the live step got."""

from __future__ import annotations

import pytest

from app.platform import script_functions
from app.platform.script_functions import ReplayMismatch, recording, replaying


def test_calls_are_recorded_with_args_and_results_and_answered_from_the_record():
    functions = script_functions.script_functions()
    with recording() as log:
        live = functions["add_hours"]("2026-03-02T09:00:00+08:00", 6)  # S24.6: six hours
    assert log.payload() == {"calls": [{"fn": "add_hours", "args": ["2026-03-02T09:00:00+08:00", 6], "result": live}]}
    recorded = [{**log.calls[0], "result": "2099-01-01T00:00:00+00:00"}]
    with replaying(recorded):
        assert functions["add_hours"]("2026-03-02T09:00:00+08:00", 6) == "2099-01-01T00:00:00+00:00"


def test_replay_refuses_a_call_the_step_did_not_make_or_a_missing_one():
    functions = script_functions.script_functions()
    recorded = [{"fn": "add_hours", "args": ["2026-03-02T09:00:00+08:00", 6], "result": "x"}]
    with pytest.raises(ReplayMismatch), replaying(recorded):
        functions["add_hours"]("2026-03-02T09:00:00+08:00", 7)
    with pytest.raises(ReplayMismatch), replaying(recorded):
        pass  # the recorded call never came
    with pytest.raises(ReplayMismatch), replaying([]):
        functions["add_hours"]("2026-03-02T09:00:00+08:00", 6)


def test_outside_an_engine_step_nothing_is_recorded_and_no_call_is_left_in_the_payload():
    functions = script_functions.script_functions()
    with recording() as log:
        pass
    assert log.payload() == {}
    assert functions["add_hours"]("2026-03-02T09:00:00+08:00", -2) == "2026-03-02T07:00:00+08:00"  # S14.1


@pytest.mark.parametrize(("value", "iso"), [("2026-03-02", "2026-03-02T00:00:00+08:00"),
                                            ("2026-03-02T23:59:00+08:00", "2026-03-02T23:59:00+08:00")])  # fmt: skip
def test_a_bare_date_means_received_during_that_day_in_shanghai(value, iso):
    assert script_functions.receipt_instant(value).isoformat() == iso


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="时区"):
        script_functions.receipt_instant("2026-03-02T09:00:00")
