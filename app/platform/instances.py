"""Running instances: start, complete a task, deliver a message, migrate; each is one transaction.

Every state change goes through steps.apply_step: an optimistic check on ``revision`` (a stale write is refused with
409 and nothing of it is applied), its projections, and its events, in one commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.statements import Statement
from app.core.tx import writes
from app.extensions import db
from app.models import Correlation, HumanTask, ProcessDefinition, ProcessInstance, User
from app.org import access
from app.org.groups import groups_of
from app.platform import definitions, forms, incidents, projections, senders, task_rules, timers
from app.platform.runtime import runtime
from app.platform.steps import (
    INSTANCES,
    NotWaiting,
    apply_step,
    as_recorded,
    read_live,
    seed_of,
)


@writes
def start(process_key: str, data: dict, user: User | None, business_key: str | None = None,
          via_intake: bool = False) -> ProcessInstance:  # fmt: skip
    """Start a case of the newest version. ``user`` must be one the diagram's startableBy names (None: the system's
    own start, e.g. a scheduled job); ``via_intake``: called by the area's own intake contract (issue 13, item 4)."""
    if not isinstance(data, dict):
        raise Invalid("data 必须是 JSON 对象 (data must be an object)")
    data = as_recorded(data)
    row = definitions.live(process_key)
    # parse (and cache) before the instance row exists: a broken diagram writes nothing
    senders.require_may_start(row.key, runtime().definition(row.id), user, via_intake)
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
    """What a completion tells its caller, read before the commit (nothing needs loading again afterwards).
    ``incident``: the step failed in the diagram; the form data is kept on the incident and applied by its retry."""

    instance_id: int
    status: str
    revision: int
    next_task_ids: list[str]
    incident: incidents.IncidentView | None = None


_TASK_FOR_COMPLETION = Statement(select(HumanTask.__table__).where(HumanTask.__table__.c.id == bindparam("task_id")))


@writes
def complete_task(task_id: str, data: dict, user: User, expected_revision: int | None = None) -> Completion:
    task = _TASK_FOR_COMPLETION.first({"task_id": task_id})
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (unknown task)")
    if task.state != "ready":
        raise Conflict("任务已办结或已取消 (task already completed or cancelled)")
    _check_may_work(task, user)
    instance = read_live(task.instance_id)
    if instance.status == incidents.STATUS:
        raise Conflict(
            "此案件因流程故障已暂停，请联系流程负责人处理后再办理 (the case is stopped at an incident until it is retried)"
        )
    data = forms.validate(task.process_key, task.form_key, data, instance.definition_id)  # its version's form
    if expected_revision is not None and expected_revision != instance.revision:
        raise Conflict("此流程已被他人更新，请刷新后重试 (stale revision)")
    if task_rules.has_rule(task.process_key, task.form_key):
        here = runtime().engine.task_data(runtime().definition(instance.definition_id), instance.state_json, task_id)
        case = {**task_rules.recorded(instance.id), **here}  # this path's data first, other branches' records after
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
    if result is None:
        return Completion(instance.id, instance.status, instance.revision, [], incidents.open_of(instance.id)[-1])
    if result.fired_timers:  # a deadline already past when its task opened: the escalation is recorded all the same
        timers.record_escalations(instance.id, result.fired_timers)
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
def deliver_to_waiting(name: str, correlation: dict, payload: dict, user: User | None,
                       check_sender: bool = False) -> list[int]:  # fmt: skip
    """Route a message to the running instances whose correlation keys all match; returns those that caught it
    (empty when none was waiting). ``check_sender``: a message from outside, whose sender each case's diagram must
    name in the message's sentBy (issue 13, item 4); an area's own intake delivers as itself."""
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
        if check_sender:
            declared = runtime().definition(instance.definition_id).message_properties.get(name, {})
            senders.require_may_send(name, [declared.get(senders.SEND_PROPERTY)], user)
        try:
            apply_step(  # None: the step failed and the message is kept on the case's incident (issue 13, item 3)
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


_READ = Statement(select(INSTANCES).where(INSTANCES.c.id == bindparam("b_id")))


def read(instance_id: int):
    """The instance's columns as a row (attributes named as on ProcessInstance), for a view that only shows it."""
    row = _READ.first({"b_id": instance_id})
    if row is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    return row


def definition_row(instance: ProcessInstance) -> ProcessDefinition:
    return db.session.get(ProcessDefinition, instance.definition_id)


def has_started(instance: ProcessInstance) -> bool:
    """False for a case whose very first step failed (an incident holds its start data; no engine state yet)."""
    return instance.revision > 0


def case_data(instance: ProcessInstance) -> dict:
    """The data of the case as the last step left it (what the case page shows); the start data while its start waits
    for an incident's retry."""
    if not has_started(instance):
        pending = [i for i in incidents.open_rows(instance.id) if i.step_kind == "started"]
        return dict(incidents.step_payload(pending[0]).get("data", {})) if pending else {}
    definition = runtime().definition(instance.definition_id)
    return runtime().engine.case_data(definition, instance.state_json, seed_of(instance))


@writes
def migrate(instance_id: int, to_version: int, user: User) -> ProcessInstance:
    """Move a running instance to another deployed version of its process (process owners). The step is recorded as
    a "migrated" event, so replay switches versions at the same point."""
    access.require_role(user, "process_owner", "admin")
    instance = read_live(instance_id)
    if instance.status not in ("running", incidents.STATUS):
        raise Conflict("只有运行中的流程实例可以迁移 (only running instances can be migrated)")
    if instance.revision == 0:
        raise Conflict("此案件尚未开始（启动时出错），请直接重试其故障 (the case never started: retry its incident)")
    stopped = instance.status == incidents.STATUS
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
        incidents_on=False,  # a migration that fails is refused (422) and changes nothing
    )
    db.session.execute(update(INSTANCES).where(INSTANCES.c.id == instance.id).values(definition_id=target.id))
    projections.refresh_open_tasks(instance, result)
    if stopped:  # moved to a fixed version, still waiting for its incident's retry
        incidents.hold(instance.id, clock.now())
    return get(instance.id)
