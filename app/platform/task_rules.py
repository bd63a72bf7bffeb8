"""Rules beyond a form's schema, by (process, form key), run when a task is completed. Business areas register them
(core.registry), e.g. complaints' C13.2.5 check of the investigators chosen on the 指派调查人员 form."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.core.registry import registry
from app.extensions import db
from app.models import Event


def has_rule(process_key: str, form_key: str | None) -> bool:
    return (process_key, form_key or "") in registry().task_rules


def recorded(instance_id: int) -> dict:
    """What the case's completed tasks recorded, later over earlier: a rule on one branch may need what a task on
    another recorded (the restore checks the disconnection's meter reading), which its own task data lacks."""
    merged: dict = {}
    rows = db.session.scalars(
        select(Event.payload_json).where(Event.instance_id == instance_id, Event.kind == "task_completed")
        .order_by(Event.seq)
    )  # fmt: skip
    for payload in rows:
        data = json.loads(payload).get("data")
        if isinstance(data, dict):
            merged.update(data)
    return merged


def apply(process_key: str, form_key: str | None, data: dict, case_data: dict) -> dict:
    rule = registry().task_rules.get((process_key, form_key or ""))
    return rule(data, case_data) if rule else data
