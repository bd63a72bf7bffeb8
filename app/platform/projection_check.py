"""Do the tables people read agree with the history (issue 13 §8)? The instance row and its inbox rows are projections
of the event log; an intact chain says nothing about them. Each fact a projection states must be evidenced by an
event, and each event's effect must be in the projections:

- the instance's status and end time ↔ the replayed state and the ``completed`` event; who started it and when ↔
  ``started``;
- every inbox row ↔ its ``task_ready`` event; the open rows ↔ the tasks the replayed state has ready;
- every completed row ↔ its ``task_completed`` event: same person (``completed_by_id``), same instant;
- who holds an open task ↔ the last claim / unclaim / delegation on it;
- the waiting timer rows ↔ the timers the replayed state waits on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from app import clock, engine
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Timer, User

STARTED_SLACK_SECONDS = 60.0


@dataclass(frozen=True)
class Finding:
    seq: int | None  # the event the disagreement is about, when there is one
    what: str


def _user_ids(usernames: set[str]) -> dict[str, int]:
    if not usernames:
        return {}
    return dict(db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())


def _same_instant(a, b, tolerance: float = 0.001) -> bool:
    if a is None or b is None:
        return a is b
    return abs((clock.ensure_aware(a) - clock.ensure_aware(b)).total_seconds()) < tolerance


def check(instance: ProcessInstance, events: list, final: engine.StepResult | None) -> list[Finding]:
    findings: list[Finding] = []
    findings += _instance_row(instance, events, final)
    findings += _task_rows(instance, events, final)
    findings += _timer_rows(instance, final)
    return findings


def _instance_row(instance, events, final) -> list[Finding]:
    found = []
    completed = [e for e in events if e.kind == "completed"]
    replayed_done = final is not None and final.completed
    if (instance.status == "completed") != replayed_done or bool(completed) != replayed_done:
        found.append(
            Finding(
                completed[-1].seq if completed else None,
                f"实例状态为“{instance.status}”，重放结果为{'已办结' if replayed_done else '未办结'}"
                f"{'，但没有办结事件' if replayed_done and not completed else ''}"
                f" (status {instance.status!r} disagrees with the replayed state)",
            )
        )
    elif completed and not _same_instant(instance.ended_at, completed[-1].at):
        found.append(Finding(completed[-1].seq, "办结时间与办结事件不符 (ended_at differs from the completed event)"))
    started = next((e for e in events if e.kind == "started"), None)
    if started is not None and started.actor_id != instance.started_by_id:
        found.append(Finding(started.seq, "发起人与发起事件不符 (started_by differs from the started event)"))
    # The row's start is read a moment before the step's pinned instant (instances.start): a minute's slack.
    if started is not None and not _same_instant(instance.started_at, started.at, STARTED_SLACK_SECONDS):
        found.append(Finding(started.seq, "发起时间与发起事件不符 (started_at differs from the started event)"))
    return found


def _task_rows(instance, events, final) -> list[Finding]:
    found = []
    rows = {t.id: t for t in db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id))}
    ready_events = {e.task_id: e for e in events if e.kind == "task_ready"}
    for task_id in sorted(set(rows) - set(ready_events)):
        found.append(
            Finding(None, f"任务“{rows[task_id].name}”没有生成事件 (inbox row {task_id} has no task_ready event)")
        )
    for task_id in sorted(set(ready_events) - set(rows)):
        found.append(Finding(ready_events[task_id].seq, f"任务行 {task_id} 缺失 (inbox row missing)"))
    completions = {e.task_id: e for e in events if e.kind == "task_completed"}
    for task_id, ev in completions.items():
        row = rows.get(task_id)
        if row is None:
            continue
        if row.state != "completed":
            found.append(Finding(ev.seq, f"任务“{row.name}”已办理，任务行却为 {row.state} (row state disagrees)"))
        elif row.completed_by_id != ev.actor_id:
            found.append(
                Finding(ev.seq, f"任务“{row.name}”的办理人与事件记录不符 (completed_by differs from the event)")
            )
        elif not _same_instant(row.completed_at, ev.at):
            found.append(Finding(ev.seq, f"任务“{row.name}”的办理时间与事件不符 (completed_at differs)"))
    for task_id, row in rows.items():
        if row.state == "completed" and task_id not in completions:
            found.append(Finding(None, f"任务“{row.name}”标为已办，但没有办理事件 (completed row without an event)"))
    if final is not None:
        expected = {t.id for t in final.ready_tasks}
        stored = {t for t, row in rows.items() if row.state == "ready"}
        for task_id in sorted(stored - expected):
            found.append(
                Finding(None, f"任务“{rows[task_id].name}”显示待办，重放中已不在 (open row not open in replay)")
            )
        for task_id in sorted(expected - stored):
            name = rows[task_id].name if task_id in rows else task_id
            found.append(Finding(None, f"重放中任务“{name}”待办，任务行却不是 (replay has it open, the row not)"))
    found += _holders(rows, events)
    return found


def _holders(rows: dict[str, HumanTask], events) -> list[Finding]:
    """Who holds each open task, from the events: task_ready's assignee, then each claim, unclaim, delegation and
    reassignment."""
    holder: dict[str, int | None] = {}
    last_seq: dict[str, int] = {}
    delegated_to = _user_ids({json.loads(e.payload_json).get("to", "") for e in events if e.kind == "delegated"})
    for e in events:
        if e.task_id is None:
            continue
        if e.kind == "task_ready":
            holder[e.task_id] = json.loads(e.payload_json).get("assignee_id")
        elif e.kind == "claimed":
            holder[e.task_id] = e.actor_id
        elif e.kind == "unclaimed":
            holder[e.task_id] = None
        elif e.kind == "delegated":
            holder[e.task_id] = delegated_to.get(json.loads(e.payload_json).get("to", ""))
        elif e.kind == "reassigned":  # a head or administrator moved it (issue 11); the payload names the holder
            holder[e.task_id] = json.loads(e.payload_json).get("assignee_id")
        else:
            continue
        last_seq[e.task_id] = e.seq
    return [
        Finding(
            last_seq.get(task_id), f"任务“{row.name}”的认领人与认领记录不符 (assignee differs from the claim events)"
        )
        for task_id, row in sorted(rows.items())
        if row.state == "ready" and task_id in holder and row.assignee_id != holder[task_id]
    ]


def _timer_rows(instance, final) -> list[Finding]:
    if final is None:
        return []
    stored = set(db.session.scalars(select(Timer.task_id).where(Timer.instance_id == instance.id)))
    expected = {t.task_id for t in final.timers}
    if stored == expected:
        return []
    return [
        Finding(
            None,
            f"定时器表与重放状态不符：多 {len(stored - expected)}，少 {len(expected - stored)} (timer rows differ)",
        )
    ]
