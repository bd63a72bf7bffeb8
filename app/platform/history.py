"""The hash-chained event log of each instance: append, verify (issue 2 §8).

Each event's hash covers the previous hash and the event's own fields in a canonical form, so editing, removing or
reordering any row breaks the chain from that row on. The chain head (event_seq, event_hash) lives on the instance row:
a state change moves it in the same UPDATE that checks the revision (steps.save_step); other events bump it with
an UPDATE ... RETURNING, which also serialises concurrent appenders on that instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import Event, ProcessInstance

GENESIS = "0" * 64

# Events that change the engine state; replay re-applies exactly these, in order.
STATE_EVENTS = {"started", "task_completed", "timer_fired", "message_received", "timers_recomputed", "migrated"}


@dataclass
class NewEvent:
    kind: str
    at: datetime
    actor: str
    actor_id: int | None = None
    task_id: str | None = None
    payload: dict = field(default_factory=dict)
    state_digest: str | None = None


def canonical_payload(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, instance_id: int, seq: int, at: datetime, actor: str, kind: str,
               task_id: str | None, payload_json: str, state_digest: str | None) -> str:  # fmt: skip
    body = "\x1f".join(
        [
            prev_hash,
            str(instance_id),
            str(seq),
            at.astimezone(UTC).isoformat(),
            actor,
            kind,
            task_id or "",
            payload_json,
            state_digest or "",
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain(instance_id: int, last_seq: int, last_hash: str, events: list[NewEvent]) -> list[dict]:
    """Rows for ``events`` appended after (last_seq, last_hash), each hashed over the one before."""
    prev, rows = last_hash or GENESIS, []
    for seq, ev in enumerate(events, start=last_seq + 1):
        payload_json = canonical_payload(ev.payload)
        digest = event_hash(prev, instance_id, seq, ev.at, ev.actor, ev.kind, ev.task_id, payload_json, ev.state_digest)
        rows.append(
            {
                "instance_id": instance_id,
                "seq": seq,
                "at": ev.at,
                "actor_id": ev.actor_id,
                "actor": ev.actor,
                "kind": ev.kind,
                "task_id": ev.task_id,
                "payload_json": payload_json,
                "state_digest": ev.state_digest,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows


def write(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(Event.__table__), rows)


def append(instance_id: int, events: list[NewEvent]) -> None:
    """Events that do not change the engine state (claims, breaches...): bump the chain head, then write the rows."""
    if not events:
        return
    head = db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(event_seq=ProcessInstance.event_seq + len(events))
        .returning(ProcessInstance.event_seq, ProcessInstance.event_hash)
        .execution_options(synchronize_session=False)
    ).one()
    rows = chain(instance_id, head.event_seq - len(events), head.event_hash, events)
    write(rows)
    db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(event_hash=rows[-1]["hash"])
        .execution_options(synchronize_session=False)
    )


def events_of(instance_id: int) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))


@dataclass(frozen=True)
class ChainReport:
    instance_id: int
    ok: bool
    events: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(instance_id: int) -> ChainReport:
    instance = db.session.get(ProcessInstance, instance_id)
    events = events_of(instance_id)
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            return ChainReport(instance_id, False, len(events), expected_seq, f"event {expected_seq} is missing")
        if ev.prev_hash != prev:
            return ChainReport(instance_id, False, len(events), ev.seq, "prev_hash does not match the event before")
        recomputed = event_hash(
            prev, instance_id, ev.seq, ev.at, ev.actor, ev.kind, ev.task_id, ev.payload_json, ev.state_digest
        )
        if recomputed != ev.hash:
            return ChainReport(instance_id, False, len(events), ev.seq, "contents do not match the recorded hash")
        prev = ev.hash
    if instance is not None and (instance.event_seq != len(events) or (events and instance.event_hash != prev)):
        return ChainReport(instance_id, False, len(events), len(events) + 1, "events after the last one were removed")
    return ChainReport(instance_id, True, len(events))
