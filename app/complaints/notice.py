"""C14.2: on the 1st of each month the scheduler compiles last month's valid complaints and starts
processes/complaint_monthly_report.bpmn, whose one task tells the responsible leader (lane 分管领导) it is ready.

Once per month, whatever runs it: the job is checked every minute by every scheduler process (so a scheduler that was
down on the 1st catches up when it comes back), and the month's marker row in app_setting (primary key
``complaint_monthly_report:YYYY-MM``) is inserted in the same transaction that starts the instance — of two
schedulers racing, the second one's insert fails on the key and its whole transaction, instance included, is rolled
back.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time

from app import clock
from app.complaints import report as complaint_report
from app.core.errors import Conflict, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting, ProcessInstance
from app.platform import definitions, instances

REPORT_PROCESS = "complaint_monthly_report"
MARKER = "complaint_monthly_report:"
COMPILE_AT = time(6, 0)  # on the 1st, Beijing time: the previous month is over and the day's work not yet begun

log = logging.getLogger("gasflow.complaint_report")


def due_month(now: datetime) -> str | None:
    """The month whose report is due at ``now``: last month, from the 1st's COMPILE_AT to the end of this month."""
    local = clock.to_local(now)
    if local.day == 1 and local.time() < COMPILE_AT:
        return None  # last month has only just ended: its report is made at COMPILE_AT
    return complaint_report.previous_month(now)


def report_path(month: str) -> str:
    return f"/reports/complaints/monthly?month={month}"


def noticed(month: str) -> dict | None:
    row = db.session.get(AppSetting, MARKER + month)
    return json.loads(row.value_json) if row is not None else None


def _notice_data(report: complaint_report.MonthlyReport) -> dict:
    return {
        "month": report.month,
        "report_path": report_path(report.month),
        "valid_count": report.valid,
        "on_time_rate": report.on_time_text,
        "escalation_count": report.escalated_cases(),
        "compiled_at": clock.to_local(report.compiled_at).strftime("%Y-%m-%d %H:%M"),
    }


@writes
def _record(month: str, report: complaint_report.MonthlyReport) -> ProcessInstance | None:
    if noticed(month) is not None:
        return None  # another scheduler made it first (SQLite: it held the write lock while we waited)
    marker = AppSetting(key=MARKER + month, value_json="{}", updated_at=clock.now())
    db.session.add(marker)
    db.session.flush()  # PostgreSQL: a concurrent insert of the same key waits here, then fails -> rolled back
    instance = instances.start(REPORT_PROCESS, _notice_data(report), None, business_key=f"YB{month.replace('-', '')}")
    marker.value_json = json.dumps({"instance_id": instance.id, "valid": report.valid}, ensure_ascii=False)
    return instance


def notify(month: str) -> ProcessInstance | None:
    """Compile ``month`` and start the leader's notice unless that month already has one; None if it had."""
    if noticed(month) is not None:
        return None
    report = complaint_report.compile_month(month)  # read outside the write transaction: no lock held while counting
    try:
        return _record(month, report)
    except Conflict:
        return None  # the marker's key was taken meanwhile: the month is done


def monthly_job() -> ProcessInstance | None:
    """What app.scheduler runs every minute: a no-op except on the first run after the 1st's COMPILE_AT."""
    month = due_month(clock.now())
    if month is None or noticed(month) is not None:
        return None
    try:
        definitions.live(REPORT_PROCESS)
    except NotFound:
        log.warning("%s is not deployed: the monthly complaint report waits (gasflow deploy)", REPORT_PROCESS)
        return None
    instance = notify(month)
    if instance is not None:
        log.info("complaint monthly report %s compiled, notice instance %s", instance.business_key, instance.id)
    return instance
