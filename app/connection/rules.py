"""Checks the connection forms cannot state in JSON Schema, run when the task is completed (task rules)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app import clock
from app.connection import managers
from app.core.errors import Invalid

CALL_OFF_HOURS = 2  # S14.1


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def check_manager(data: dict, case: dict) -> dict:
    """M4: the manager named is an active customer manager."""
    managers.require_manager(data["manager"])
    return data


def check_appointment(data: dict, case: dict) -> dict:
    """S7: the agreed gas-on time lies ahead."""
    if datetime.fromisoformat(data["gas_on_at"]) <= clock.now():
        raise _problem("gas_on_at", "约定通气时间须晚于现在")
    return data


def check_gas_on(data: dict, case: dict) -> dict:
    """S7 gas-on by appointment. Done: when and the meter reading. Rescheduled: S14.1 the customer is told at least
    2 hours before the agreed time; a later call-off is recorded as such (call_off_in_time false), not hidden."""
    if data["gas_on_outcome"] == "done":
        problems = [
            {"field": f, "message": "已通气时必填"} for f in ("gassed_at", "meter_reading") if data.get(f) is None
        ]
        if data.get("safety_briefing") is not True:
            problems.append({"field": "safety_briefing", "message": "通气时须进行安全用气告知"})
        if problems:
            raise Invalid("请填写通气结果 (gas-on details required)", errors=problems)
        return data
    problems = [{"field": f, "message": "改约时必填"} for f in ("called_off_at", "new_gas_on_at", "reschedule_reason")
                if not data.get(f)]  # fmt: skip
    if problems:
        raise Invalid("请填写改约信息 (reschedule details required)", errors=problems)
    if datetime.fromisoformat(data["new_gas_on_at"]) <= clock.now():
        raise _problem("new_gas_on_at", "新约定通气时间须晚于现在")
    agreed = datetime.fromisoformat(case["gas_on_at"])
    in_time = datetime.fromisoformat(data["called_off_at"]) <= agreed - timedelta(hours=CALL_OFF_HOURS)
    return {**data, "call_off_in_time": in_time, "previous_gas_on_at": case["gas_on_at"],
            "gas_on_at": data["new_gas_on_at"]}  # fmt: skip
