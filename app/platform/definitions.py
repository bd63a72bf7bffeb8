"""Deploying BPMN: one stored version per content hash, numbered per process key (issue 2 §4)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select

from app import clock, engine
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import ProcessDefinition
from app.platform import forms, senders
from app.platform.runtime import runtime


def _check_forms(definition: engine.Definition, filename: str) -> list[engine.Problem]:
    problems = []
    for task in definition.user_tasks.values():
        form_key = task.properties.get("formKey")
        if form_key and not forms.form_path(definition.key, form_key).is_file():
            msg = f"表单文件 forms/{definition.key}/{form_key}.json 不存在 (formKey names a missing form)"
            problems.append(engine.Problem(msg, filename, task.line, task.spec_name))
    return problems


def validate(content: bytes, filename: str) -> engine.Definition:
    parsed = engine.parse_definition(content, filename)
    problems = _check_forms(parsed, filename) + senders.deploy_problems(parsed, filename)
    if problems:
        raise engine.BpmnInvalid(problems)
    return parsed


@writes
def deploy(content: bytes, filename: str, actor_id: int | None = None) -> tuple[ProcessDefinition, bool]:
    """Returns (definition, created). The same content deployed again is the same version (idempotent)."""
    parsed = validate(content, filename)
    content_hash = hashlib.sha256(content).hexdigest()
    existing = db.session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == parsed.key, ProcessDefinition.content_hash == content_hash
        )
    )
    if existing is not None:
        return existing, False
    latest = db.session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == parsed.key))
    row = ProcessDefinition(
        key=parsed.key,
        version=(latest or 0) + 1,
        name=parsed.name,
        content_hash=content_hash,
        xml=content.decode("utf-8"),
        deployed_at=clock.now(),
        deployed_by_id=actor_id,
    )
    db.session.add(row)
    db.session.flush()
    return row, True


def deploy_paths(paths: list[Path], actor_id: int | None = None) -> list[tuple[ProcessDefinition, bool]]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    return [deploy(f.read_bytes(), f.name, actor_id) for f in files]


def latest(key: str) -> ProcessDefinition:
    row = db.session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"流程 {key} 未部署 (no process with key {key})")
    return row


def version(key: str, number: int) -> ProcessDefinition:
    row = db.session.scalar(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == number)
    )
    if row is None:
        raise NotFound(f"流程 {key} 没有第 {number} 版 (no such version)")
    return row


def version_of(definition_id: int) -> int:
    return db.session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.id == definition_id))


def versions(key: str) -> list[ProcessDefinition]:
    return list(
        db.session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())
        )
    )


def message_senders(name: str) -> list[str | None]:
    """The sentBy of message ``name`` in each newest version that takes it (issue 13, item 4)."""
    found = []
    for row in list_latest():
        parsed = runtime().definition(row.id)
        if name in parsed.message_properties:
            found.append(parsed.message_properties[name].get(senders.SEND_PROPERTY))
    return found


def list_latest() -> list[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    query = select(ProcessDefinition).join(
        newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v)
    )
    return list(db.session.scalars(query.order_by(ProcessDefinition.key)))


def as_invalid(err: engine.BpmnInvalid) -> Invalid:
    return Invalid("BPMN 无效，请按行号修改 (BPMN refused)", errors=[p.as_dict() for p in err.problems])
