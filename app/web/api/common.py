"""Request parsing and response shapes shared by the API routes."""

from __future__ import annotations

from datetime import datetime

from flask import request

from app import clock
from app.core.errors import BadRequest
from app.models import HumanTask, ProcessInstance
from app.platform import sla


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象 (the request body must be a JSON object)")
    return body


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_instant(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} 不是 ISO 时间 (not an ISO date-time): {value}") from None
    if moment.tzinfo is None:
        raise BadRequest(f"{name} 需要时区，例如 +08:00 (timezone offset required)")
    return moment


def task_json(task: HumanTask) -> dict:
    now = clock.now()
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process": task.process_key,
        "element": task.spec_name,
        "name": task.name,
        "lane": task.lane,
        "candidate_group": task.candidate_group,
        "assignee_id": task.assignee_id,
        "form_key": task.form_key,
        "state": task.state,
        "business_key": task.business_key,
        "subject": task.subject,
        "created_at": iso(task.created_at),
        "due_at": iso(task.due_at),
        # the day the rule names ("by the end of 2026-03-09"), beside the instant (issue 12, item 5)
        "due_date": sla.due_day(task.due_at)[0],
        "due_end_of_day": sla.due_day(task.due_at)[1],
        "due_provisional": task.due_provisional,
        "overdue": sla.is_overdue(task, now),
        "time_left_seconds": sla.seconds_left(task, now),  # working time where the SLA is in working days
        "breached_at": iso(task.breached_at),
        "sla_kind": task.sla_kind,
        "completed_at": iso(task.completed_at),
        "completed_by_id": task.completed_by_id,
    }


def instance_json(instance: ProcessInstance) -> dict:
    return {
        "id": instance.id,
        "process": instance.process_key,
        "definition_id": instance.definition_id,
        "business_key": instance.business_key,
        "status": instance.status,
        "revision": instance.revision,
        "started_at": iso(instance.started_at),
        "ended_at": iso(instance.ended_at),
        "error": instance.error,
    }
