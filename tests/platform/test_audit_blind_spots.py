"""Issue 13 §8: what `verify` used to miss. Each test alters the database the way someone with database access would and
expects verification to name it; a whole deleted case and a rollback are the seals' part (tests/platform/test_seals.py).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app import clock
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance
from app.platform import audit, history, history_keys, instances, messages
from tests.walk import open_tasks, work


def _case(people, needs_visit: bool | None = True) -> int:
    """A sample case registered by the hotline agent (started, task_ready, claimed, task_completed, task_ready)."""
    instance = instances.start("platform_sample", {"branch": "利州区分公司"}, people["kf_agent"].user)
    if needs_visit is not None:
        work(instance.id, "Task_register", people["kf_agent"], {"needs_visit": needs_visit})
    return instance.id


def _alter(statement) -> None:
    db.session.execute(statement)
    db.session.commit()


def _verdict(instance_id: int) -> audit.Verdict:
    db.session.expire_all()
    [verdict] = audit.verify(instance_id)
    return verdict


def _events(instance_id: int) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))


def test_an_untouched_case_verifies_with_its_projections(app, sample, people):
    instance_id = _case(people)
    verdict = _verdict(instance_id)
    assert verdict.ok and verdict.findings == (), verdict
    assert all(e.mac and e.key_id == history_keys.keyring().current_id for e in _events(instance_id))


def test_instance_status_changed_is_named(app, sample, people):
    instance_id = _case(people)
    _alter(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(status="completed"))
    verdict = _verdict(instance_id)
    assert not verdict.ok and "status" in verdict.reason


def test_running_case_marked_completed_with_its_task_is_named(app, sample, people):
    instance_id = _case(people)
    [visit] = open_tasks(instance_id).values()
    now = clock.now()
    _alter(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(status="completed", ended_at=now))
    _alter(
        update(HumanTask)
        .where(HumanTask.id == visit.id)
        .values(state="completed", completed_at=now, completed_by_id=people["lz_staff"].user.id)
    )
    verdict = _verdict(instance_id)
    assert not verdict.ok
    text = " ".join(verdict.findings)
    assert "status" in text and "completed row without an event" in text and "replay has it open" in text


def test_completed_by_changed_is_named_at_its_completion_event(app, sample, people):
    instance_id = _case(people)
    [register] = [t for t in db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))
                  if t.state == "completed"]  # fmt: skip
    _alter(update(HumanTask).where(HumanTask.id == register.id).values(completed_by_id=people["kf_head"].user.id))
    verdict = _verdict(instance_id)
    completion = next(e for e in _events(instance_id) if e.kind == "task_completed")
    assert not verdict.ok and verdict.first_broken_seq == completion.seq
    assert "completed_by differs" in verdict.reason


def test_last_event_deleted_and_head_rewound_is_named(app, sample, people):
    instance_id = _case(people)
    events = _events(instance_id)
    last, before = events[-1], events[-2]
    assert last.kind == "task_ready"
    _alter(delete(Event).where(Event.id == last.id))
    _alter(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(event_seq=before.seq, event_hash=before.hash)
    )
    assert history.verify_chain(instance_id).ok  # the chain alone cannot see it: it ends cleanly one event earlier
    verdict = _verdict(instance_id)
    assert not verdict.ok and "has no task_ready event" in verdict.reason


def test_completed_event_deleted_and_head_rewound_is_named(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user, business_key="BK-BLIND")
    work(instance.id, "Task_register", people["kf_agent"], {"needs_visit": False})
    messages.deliver_message("payment_received", {"business_key": "BK-BLIND"}, {"amount": 1}, None)
    events = _events(instance.id)
    last, before = events[-1], events[-2]
    assert last.kind == "completed" and _verdict(instance.id).ok
    _alter(delete(Event).where(Event.id == last.id))
    _alter(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id)
        .values(event_seq=before.seq, event_hash=before.hash)
    )
    verdict = _verdict(instance.id)
    assert not verdict.ok and "status 'completed' disagrees" in verdict.reason


def test_actor_rewritten_and_chain_recomputed_with_plain_sha256_is_named(app, sample, people):
    instance_id = _case(people)
    events = _events(instance_id)
    target = next(e for e in events if e.kind == "task_completed")
    prev = target.prev_hash
    for ev in events[target.seq - 1 :]:  # a forger with database access: rewrite, then recompute every later hash
        actor = "kf_head" if ev.id == target.id else ev.actor
        digest = history.event_hash(
            prev, instance_id, ev.seq, ev.at, actor, ev.kind, ev.task_id, ev.payload_json, ev.state_digest
        )
        _alter(update(Event).where(Event.id == ev.id).values(actor=actor, prev_hash=prev, hash=digest))
        prev = digest
    _alter(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(event_hash=prev))
    verdict = _verdict(instance_id)
    assert not verdict.ok and verdict.first_broken_seq == target.seq
    assert "MAC does not match" in verdict.reason


def test_a_back_dated_start_is_named(app, sample, people):
    from datetime import timedelta

    instance_id = _case(people)
    _alter(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(started_at=clock.now() - timedelta(days=30))
    )
    verdict = _verdict(instance_id)
    assert not verdict.ok and verdict.first_broken_seq == 1 and "started_at differs" in verdict.reason
