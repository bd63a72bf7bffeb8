"""Files attached to a case through a task form (issue 7 §4): kept with the case, size-limited.

The bytes go to <instance dir>/attachments/<case id>/<attachment id>; what was attached, by whom, its size and
sha256 go into the case's hash-chained history as an ``attachment_added`` event, so the list of a case's files and
their contents can be checked like the rest of the case (replay ignores the event: it changes no engine state).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app import clock
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import Event, User
from app.platform import history, instances
from app.platform.history import NewEvent

MAX_ATTACHMENT_BYTES = 5_000_000
KIND = "attachment_added"
_UNSAFE = re.compile(r"[^\w.\-() \u4e00-\u9fff]+")


def _folder(instance_id: int) -> Path:
    return Path(current_app.config["GASFLOW"].instance_dir) / "attachments" / str(instance_id)


def clean_name(filename: str) -> str:
    name = _UNSAFE.sub("_", Path(filename or "").name).strip(" .")
    return name[:120] or "附件"


@writes
def add(instance_id: int, user: User, field: str, filename: str, content_type: str, content: bytes) -> dict:
    """Store one file for the case; returns the reference a form field keeps."""
    instance = instances.get(instance_id)
    if not content:
        raise Invalid(f"附件“{clean_name(filename)}”是空文件 (empty file)")
    if len(content) > MAX_ATTACHMENT_BYTES:
        limit = MAX_ATTACHMENT_BYTES // 1_000_000
        raise Invalid(f"附件“{clean_name(filename)}”超过 {limit} MB，请压缩后再上传 (file too large)")
    reference = {
        "attachment_id": uuid.uuid4().hex,
        "name": clean_name(filename),
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content_type": (content_type or "application/octet-stream")[:100],
        "field": field,
    }
    folder = _folder(instance.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / reference["attachment_id"]).write_bytes(content)
    history.append(instance.id, [NewEvent(KIND, clock.now(), user.username, user.id, payload=reference)])
    return reference


def of_instance(instance_id: int) -> list[dict]:
    rows = db.session.scalars(
        select(Event.payload_json).where(Event.instance_id == instance_id, Event.kind == KIND).order_by(Event.seq)
    )
    return [json.loads(r) for r in rows]


def find(instance_id: int, attachment_id: str) -> tuple[dict, Path]:
    for reference in of_instance(instance_id):
        if reference["attachment_id"] == attachment_id:
            path = _folder(instance_id) / attachment_id
            if not path.is_file():
                raise NotFound("附件文件已不在服务器上，请联系管理员 (attachment file missing)")
            return reference, path
    raise NotFound("此案件没有这个附件 (unknown attachment)")
