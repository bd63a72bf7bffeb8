"""Task deadlines from user-task extension properties (issue 3 §3).

- ``slaHours``: wall-clock hours (S24.6: restore supply within 6 hours);
- ``slaWorkingDays``: working days on the holiday calendar (C14.1: answer a complaint within 5 working days);
- ``slaFrom``: the data field holding the instant to count from (e.g. ``received_at``); default: task creation.
- ``dueField``: take the due time as computed by the diagram itself (an ISO value in task data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.services import workcalendar


@dataclass(frozen=True)
class Due:
    at: datetime | None
    provisional: bool = False
    kind: str | None = None


NO_DUE = Due(None)


def _instant(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def _lookup(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def due_for(properties: dict, data: dict, created_at: datetime) -> Due:
    if properties.get("dueField"):
        at = _instant(_lookup(data, properties["dueField"]))
        provisional = bool(_lookup(data, properties["dueField"] + "_provisional"))
        return Due(at, provisional, "working_days" if properties.get("slaWorkingDays") else "hours") if at else NO_DUE
    start = created_at
    if properties.get("slaFrom"):
        start = _instant(_lookup(data, properties["slaFrom"])) or created_at
    if properties.get("slaWorkingDays"):
        deadline = workcalendar.add_working_days(start, int(properties["slaWorkingDays"]))
        return Due(deadline.due, deadline.provisional, "working_days")
    if properties.get("slaHours"):
        return Due(start + timedelta(hours=float(properties["slaHours"])), False, "hours")
    return NO_DUE
