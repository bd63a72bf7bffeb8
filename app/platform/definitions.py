"""Deploying BPMN: one stored version per content (diagram + the forms it pins), numbered per process key (issue 2 §4),
and which version is live (issue 14 §9).

Live is the newest ``process_release`` of a key, not the highest version: publishing an older version again (a
rollback through the review case) makes it live. ``gasflow deploy``, ``make run`` and ``POST /api/v1/definitions``
make what they store live — except over a version published in the browser through review: a file on disk never
silently replaces that; it is stored as a version, reported as not live, and published with ``--publish`` (or the
review in the browser).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app import clock, engine
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import ProcessDefinition, ProcessRelease, User
from app.platform import diagram_checks, forms, senders
from app.platform.runtime import runtime


def form_keys(definition: engine.Definition) -> set[str]:
    keys = {t.properties["formKey"] for t in definition.user_tasks.values() if t.properties.get("formKey")}
    if definition.properties.get("startFormKey"):
        keys.add(definition.properties["startFormKey"])
    return keys


def validate(content: bytes, filename: str, pinned: dict[str, dict] | None = None) -> engine.Definition:
    """The definition, or BpmnInvalid with every error at once (issue 19): the engine's checks, forms, lanes that
    reach people, deadlines, senders — the same list the modeler's check shows."""
    findings, parsed = diagram_checks.review(content, pinned or {}, filename)
    problems = [engine.finding_problem(f, filename) for f in findings if f.severity == "error"]
    if problems or parsed is None:
        raise engine.BpmnInvalid(problems)
    return parsed


def _forms_snapshot(parsed: engine.Definition, edited: dict[str, dict] | None) -> dict[str, dict]:
    """The forms this version pins: those edited with it (a draft), the rest as they are on disk now."""
    edited = edited or {}
    return {
        key: edited[key] if key in edited else forms.load_file(parsed.key, key) for key in sorted(form_keys(parsed))
    }


@dataclass(frozen=True)
class Deployed:
    row: ProcessDefinition
    created: bool
    live: ProcessDefinition
    warning: str = ""

    def describe(self) -> str:
        """One line for `gasflow deploy` and `make run`: what was stored and exactly which version is live."""
        stored = f"{self.row.key} v{self.row.version} {'deployed' if self.created else 'unchanged'}"
        if self.live.id == self.row.id:
            return f"{stored}; live: v{self.live.version}"
        return f"{stored}; NOT live — live: v{self.live.version}. {self.warning}"


@writes
def store(
    content: bytes,
    filename: str,
    actor_id: int | None = None,
    source: str = "file",
    edited_forms: dict[str, dict] | None = None,
) -> tuple[ProcessDefinition, bool]:
    """The version for this diagram and its forms (a new one, or the one with the same content). Not made live."""
    parsed = validate(content, filename, edited_forms)
    pinned = _forms_snapshot(parsed, edited_forms)
    forms_text = json.dumps(pinned, ensure_ascii=False)  # keys in file order: the order fields are shown in
    content_hash = hashlib.sha256(content + b"\0" + forms_text.encode("utf-8")).hexdigest()
    existing = db.session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == parsed.key, ProcessDefinition.content_hash == content_hash
        )
    )
    if existing is not None:
        return existing, False
    latest_number = db.session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == parsed.key)
    )
    row = ProcessDefinition(
        key=parsed.key,
        version=(latest_number or 0) + 1,
        name=parsed.name,
        content_hash=content_hash,
        xml=engine.xml_text(content, filename),
        deployed_at=clock.now(),
        deployed_by_id=actor_id,
        forms_json=forms_text,
        source=source,
    )
    db.session.add(row)
    db.session.flush()
    return row, True


@writes
def deploy(
    content: bytes, filename: str, actor_id: int | None = None, via: str = "file", publish: bool = False
) -> tuple[ProcessDefinition, bool]:
    """Returns (definition, created). The same content deployed again is the same version (idempotent)."""
    outcome = deploy_file(content, filename, actor_id, via, publish)
    return outcome.row, outcome.created


@writes
def deploy_file(
    content: bytes, filename: str, actor_id: int | None = None, via: str = "file", publish: bool = False
) -> Deployed:
    row, created = store(content, filename, actor_id, source=via)
    current = live_release(row.key)
    if current is None or current.definition_id == row.id:
        if current is None:
            release(row, actor_id, via)
        return Deployed(row, created, row)
    live_row = db.session.get(ProcessDefinition, current.definition_id)
    reviewed = current.via == "review"
    if publish or (created and not reviewed):
        release(row, actor_id, via)
        return Deployed(row, created, row)
    how = (
        f"To make {filename} live: `gasflow deploy --publish {filename}`, or submit version {row.version} for review "
        f"in the browser (流程管理 → {row.key} → 版本)."
    )
    if reviewed:
        why = f"v{live_row.version} was published in the browser after review; the file does not replace it."
    else:
        why = f"v{live_row.version} (a newer upload) is live; this file is an older version."
    return Deployed(row, created, live_row, f"{why} {how}")


def release(
    row: ProcessDefinition,
    actor_id: int | None,
    via: str,
    change_instance_id: int | None = None,
    note: str | None = None,
) -> ProcessRelease:
    entry = ProcessRelease(
        key=row.key,
        definition_id=row.id,
        released_at=clock.now(),
        released_by_id=actor_id,
        via=via,
        change_instance_id=change_instance_id,
        note=note,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def deploy_paths(paths: list[Path], actor_id: int | None = None, publish: bool = False) -> list[Deployed]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    return [deploy_file(f.read_bytes(), f.name, actor_id, "file", publish) for f in files]


def live_release(key: str) -> ProcessRelease | None:
    return db.session.scalar(
        select(ProcessRelease).where(ProcessRelease.key == key).order_by(ProcessRelease.id.desc()).limit(1)
    )


def live(key: str) -> ProcessDefinition:
    """The version new cases of ``key`` start on."""
    current = live_release(key)
    if current is not None:
        return db.session.get(ProcessDefinition, current.definition_id)
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


def message_senders(name: str) -> list[str | None]:
    """The sentBy of message ``name`` in the live version of each process that takes it (issue 13, item 4)."""
    found = []
    for row in list_live():
        parsed = runtime().definition(row.id)
        if name in parsed.message_properties:
            found.append(parsed.message_properties[name].get(senders.SEND_PROPERTY))
    return found


def versions(key: str) -> list[ProcessDefinition]:
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    return list(db.session.scalars(query.order_by(ProcessDefinition.version.desc())))


def releases(key: str) -> list[ProcessRelease]:
    query = select(ProcessRelease).where(ProcessRelease.key == key)
    return list(db.session.scalars(query.order_by(ProcessRelease.id.desc())))


def list_live() -> list[ProcessDefinition]:
    keys = db.session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key))
    return [live(key) for key in keys]


def pinned_forms(row: ProcessDefinition) -> dict[str, dict]:
    return json.loads(row.forms_json) if row.forms_json else {}


def publisher_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user is not None else "系统"


def as_invalid(err: engine.BpmnInvalid) -> Invalid:
    """One 422 listing every problem: element id, name and type, line, message in Chinese and English, the fix."""
    count = len(err.problems)
    return Invalid(f"BPMN 有 {count} 处问题，请按行号修改 (BPMN refused: {count} problems)",
                   errors=[p.as_dict() for p in err.problems])  # fmt: skip
