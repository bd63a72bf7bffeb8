"""Walking a case through its diagram in tests: the open tasks by element id, doing one, reading its events."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import Event, HumanTask
from app.platform import instances, tasks


def open_tasks(instance_id: int) -> dict[str, HumanTask]:
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready"))
    return {t.spec_name: t for t in rows}


def work(instance_id: int, element: str, who, data: dict | None = None) -> None:
    """Claim (if nobody has) and complete the open task of ``element``; ``who`` is a User or a conftest Person."""
    user = getattr(who, "user", who)
    task = open_tasks(instance_id)[element]
    if task.assignee_id is None:
        tasks.claim(task.id, user)
    instances.complete_task(task.id, data or {}, user)


def event_payloads(instance_id: int, kind: str) -> list[dict]:
    rows = db.session.scalars(
        select(Event).where(Event.instance_id == instance_id, Event.kind == kind).order_by(Event.seq)
    )
    return [json.loads(e.payload_json) for e in rows]


def demo_world(at, moment: str):
    """The clock at ``moment``, the full demo directory, processes/ deployed and enough customers for the demo cases
    (app.demo.load_cases); returns the moment."""
    from app import demo
    from app.platform import definitions
    from app.settings import PROJECT_ROOT

    now = at(moment)
    demo.load_full_directory()  # first: a lane must reach people to be deployed
    list(definitions.deploy_paths([PROJECT_ROOT / "processes"]))
    demo.load_customers(160)
    return now
