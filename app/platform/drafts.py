"""Saved drafts of task forms (issue 7 §4): what a user typed, kept per task and user until the task is done.

Drafts live in the app_setting key/value table under ``draft:<task id>:<user id>`` so no schema change is needed;
they are not validated (a draft may be half filled) and never reach the engine or the history.
"""

from __future__ import annotations

import json

from app import clock
from app.core.errors import Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting, User

MAX_DRAFT_BYTES = 200_000


def _key(task_id: str, user: User) -> str:
    return f"draft:{task_id}:{user.id}"


def load(task_id: str, user: User) -> dict | None:
    row = db.session.get(AppSetting, _key(task_id, user))
    return json.loads(row.value_json) if row is not None else None


@writes
def save(task_id: str, user: User, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, default=str)
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise Invalid("草稿太大，无法保存 (draft too large)")
    row = db.session.get(AppSetting, _key(task_id, user))
    if row is None:
        row = AppSetting(key=_key(task_id, user), value_json=text, updated_at=clock.now())
        db.session.add(row)
    row.value_json = text
    row.updated_at = clock.now()


@writes
def discard(task_id: str, user: User) -> None:
    row = db.session.get(AppSetting, _key(task_id, user))
    if row is not None:
        db.session.delete(row)
