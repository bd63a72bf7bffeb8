"""Moving running cases to a chosen version (issue 14 §7): a dry run per case through the engine's diff (the 409 rule:
refused when an element the case used is gone), then migrate one or all that can — each a recorded ``migrated``
event. Deadlines keep their due times (tasks and waiting timers) unless the owner asks to recompute them from the
new version, which adds ``deadline_recomputed`` / ``timers_recomputed`` events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.core.errors import Conflict, ServiceError
from app.core.tx import writes
from app.extensions import db
from app.models import HumanTask, ProcessDefinition, ProcessInstance, User
from app.owners.access import require_owner
from app.platform import definitions, instances, sla, timers
from app.platform.runtime import runtime

MAX_LISTED = 200


@dataclass(frozen=True)
class Candidate:
    instance_id: int
    business_key: str
    version: int
    open_tasks: list[str]
    blocker: str | None  # why it cannot move; None when it can

    @property
    def movable(self) -> bool:
        return self.blocker is None


def dry_run(key: str, to_version: int) -> list[Candidate]:
    target = definitions.version(key, to_version)
    new = runtime().definition(target.id)
    rows = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.definition_id,
               ProcessInstance.state_json, ProcessDefinition.version)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.process_key == key, ProcessInstance.status == "running",
               ProcessInstance.definition_id != target.id)
        .order_by(ProcessInstance.id)
        .limit(MAX_LISTED)
    ).all()  # fmt: skip
    result = []
    for row in rows:
        old = runtime().definition(row.definition_id)
        try:
            blocker = runtime().engine.migration_dry_run(old, new, row.state_json)
        except ServiceError as err:
            blocker = err.detail
        except Exception as err:  # an engine error loading a damaged state: say so, never 500 the page
            blocker = f"无法读取此案件的状态：{err}"
        names = list(db.session.scalars(select(HumanTask.name).where(HumanTask.instance_id == row.id,
                                                                     HumanTask.state == "ready")))  # fmt: skip
        result.append(Candidate(row.id, row.business_key or str(row.id), row.version, names, blocker))
    return result


@writes
def migrate_one(instance_id: int, to_version: int, user: User, recompute: bool = False) -> ProcessInstance:
    require_owner(user)
    instance = instances.migrate(instance_id, to_version, user)
    if recompute:
        sla.recompute_instance_tasks(instance.id)
        timers.recompute_instance_timers(instance.id)
    return instance


@dataclass(frozen=True)
class BulkResult:
    moved: list[int]
    refused: dict[int, str]


def migrate_all(key: str, to_version: int, user: User, recompute: bool = False) -> BulkResult:
    """Every case the dry run lets move, each in its own transaction (one refusal does not undo the others)."""
    require_owner(user)
    moved, refused = [], {}
    for candidate in dry_run(key, to_version):
        if not candidate.movable:
            refused[candidate.instance_id] = candidate.blocker or ""
            continue
        try:
            migrate_one(candidate.instance_id, to_version, user, recompute)
            moved.append(candidate.instance_id)
        except (Conflict, ServiceError) as err:
            refused[candidate.instance_id] = err.detail
    return BulkResult(moved, refused)
