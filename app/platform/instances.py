"""Running instances: start, complete a task, deliver a message, migrate; each is one transaction.

Every state change goes through steps.apply_step: an optimistic check on ``revision`` (a stale write is refused with
409 and nothing of it is applied), its projections, and its events, in one commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import Correlation, HumanTask, ProcessDefinition, ProcessInstance, User
from app.org import access
from app.org.groups import groups_of
from app.platform import definitions, forms, projections, task_rules
from app.platform.runtime import runtime
from app.platform.steps import (
    INSTANCES,
    NotWaiting,
    apply_step,
    as_recorded,
    read_live,
)


@writes
def start(process_key: str, data: dict, user: User | None, business_key: str | None = None) -> ProcessInstance:
    if not isinstance(data, dict):
        raise Invalid("data 必须是 JSON 对象 (data must be an object)")
    data = as_recorded(data)
    row = definitions.live(process_key)
    runtime().definition(row.id)  # parse (and cache) before the instance row exists: a broken diagram writes nothing
    now = clock.now()
    actor_id = user.id if user is not None else None
    business_key = business_key or (str(data["business_key"]) if data.get("business_key") else None)
    instance = ProcessInstance(
        definition_id=row.id,
        process_key=row.key,
        business_key=business_key,
        status="running",
        state_json="{}",
        revision=0,
        started_at=now,
        started_by_id=actor_id,
    )
    db.session.add(instance)
    db.session.flush()
    payload = {"process": row.key, "version": row.version, "data": data, "business_key": business_key}
    apply_step(
        instance, lambda d, _state, seed, now: runtime().engine.start(d, data, seed, now), "started", user, payload
    )
    return instance


def _check_may_work(task: HumanTask, user: User) -> None:
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise Forbidden("此任务已由他人认领，只有认领人可以办理 (task is assigned to someone else)")
    if task.assignee_id is None and task.candidate_group not in groups_of(user):
        raise Forbidden(f"您不在“{task.candidate_group}”组，不能办理此任务 (not a candidate for this task)")
    access.check_not_excluded(task, user)


@dataclass(frozen=True)
class Completion:
    """What a completion tells its caller, read before the commit (nothing needs loading again afterwards)."""

    instance_id: int
    status: str
    revision: int
    next_task_ids: list[str]


_TASK_FOR_COMPLETION = select(HumanTask.__table__).where(HumanTask.__table__.c.id == bindparam("task_id"))


@writes
def complete_task(task_id: str, data: dict, user: User, expected_revision: int | None = None) -> Completion:
    task = db.session.execute(_TASK_FOR_COMPLETION, {"task_id": task_id}).first()
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (unknown task)")
    if task.state != "ready":
        raise Conflict("任务已办结或已取消 (task already completed or cancelled)")
    _check_may_work(task, user)
    instance = read_live(task.instance_id)
    data = forms.validate(task.process_key, task.form_key, data, instance.definition_id)  # its version's form
    if expected_revision is not None and expected_revision != instance.revision:
        raise Conflict("此流程已被他人更新，请刷新后重试 (stale revision)")
    if task_rules.has_rule(task.process_key, task.form_key):
        case = runtime().engine.task_data(runtime().definition(instance.definition_id), instance.state_json, task_id)
        data = task_rules.apply(task.process_key, task.form_key, data, case)
    data = as_recorded(data)
    result = apply_step(
        instance,
        lambda d, state, seed, now: runtime().engine.complete_task(d, state, seed, task_id, data, now),
        "task_completed",
        user,
        {"spec_name": task.spec_name, "data": data},
        task_id=task_id,
    )
    return Completion(instance.id, instance.status, instance.revision, [t.id for t in result.ready_tasks])


def instances_for(correlation: dict[str, str]) -> list[int]:
    ids: set[int] | None = None
    for key, value in correlation.items():
        found = set(
            db.session.scalars(
                select(Correlation.instance_id).where(Correlation.key == key, Correlation.value == str(value))
            )
        )
        ids = found if ids is None else ids & found
    return sorted(ids or [])


@writes
def deliver_to_waiting(name: str, correlation: dict, payload: dict, user: User | None) -> list[int]:
    """Route a message to the running instances whose correlation keys all match; returns those that caught it
    (empty when none was waiting)."""
    if not name or not isinstance(correlation, dict) or not correlation:
        raise Invalid("消息需要 name 和至少一个 correlation 键 (name and correlation are required)")
    if not isinstance(payload, dict):
        raise Invalid("payload 必须是 JSON 对象 (payload must be an object)")
    payload = as_recorded(payload)
    caught = []
    for instance_id in instances_for(correlation):
        instance = read_live(instance_id)
        if instance.status != "running":
            continue
        try:
            apply_step(
                instance,
                lambda d, state, seed, now: runtime().engine.deliver_message(d, state, seed, name, payload, now),
                "message_received",
                user,
                {"name": name, "correlation": correlation, "payload": payload},
            )
        except NotWaiting:
            continue
        caught.append(instance.id)
    return caught


def get(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id, populate_existing=True)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    return instance


def definition_row(instance: ProcessInstance) -> ProcessDefinition:
    return db.session.get(ProcessDefinition, instance.definition_id)


def case_data(instance: ProcessInstance) -> dict:
    """The data of the case as the last step left it (what the case page shows)."""
    return runtime().engine.case_data(runtime().definition(instance.definition_id), instance.state_json)


@writes
def migrate(instance_id: int, to_version: int, user: User) -> ProcessInstance:
    """Move a running instance to another deployed version of its process (process owners). The step is recorded as
    a "migrated" event, so replay switches versions at the same point."""
    access.require_role(user, "process_owner", "admin")
    instance = read_live(instance_id)
    if instance.status != "running":
        raise Conflict("只有运行中的流程实例可以迁移 (only running instances can be migrated)")
    current = db.session.get(ProcessDefinition, instance.definition_id)
    target = definitions.version(instance.process_key, to_version)
    if target.id == current.id:
        raise Conflict(f"实例已在第 {to_version} 版 (already on that version)")
    old, new = runtime().definition(current.id), runtime().definition(target.id)
    result = apply_step(
        instance,
        lambda _d, state, seed, now: runtime().engine.migrate(old, new, state, seed, now),
        "migrated",
        user,
        {"from_version": current.version, "to_version": target.version, "definition_id": target.id},
    )
    db.session.execute(update(INSTANCES).where(INSTANCES.c.id == instance.id).values(definition_id=target.id))
    projections.refresh_open_tasks(instance, result)
    return get(instance.id)
