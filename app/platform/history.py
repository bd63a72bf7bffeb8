"""The hash-chained event log of each instance: append, verify (issue 2 §8), keyed (issue 13 §8).

Each event's hash covers the previous hash and the event's own fields in a canonical form, so editing, removing or
reordering any row breaks the chain from that row on. That sha256 chain anyone can recompute (an audit bundle is
checked on a machine without the key); so each event also carries an HMAC of its hash with a key kept outside the
database (history_keys.py) and the id of that key: a forger who rewrites a row and recomputes the sha256 chain cannot
make the MACs, and keys rotate without touching old events. The chain head (event_seq, event_hash) lives on the instance row:
a state change moves it in the same UPDATE that checks the revision (steps.save_step); other events bump it with
an UPDATE ... RETURNING, which also serialises concurrent appenders on that instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from app.core.logs import request_id
from app.core.statements import Statement
from app.core.tx import writes
from app.extensions import db
from app.models import Event, ProcessInstance
from app.platform.history_keys import Keyring, keyring

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
    """Rows for ``events`` appended after (last_seq, last_hash), each hashed over the one before and MACed."""
    prev, rows, ring = last_hash or GENESIS, [], keyring()
    key_id = ring.current_id
    caused_by = request_id.get()  # issue 18: the request that caused an event is found from it, and back
    for seq, ev in enumerate(events, start=last_seq + 1):
        payload = (
            {**ev.payload, "request_id": caused_by} if caused_by and "request_id" not in ev.payload else ev.payload
        )
        payload_json = canonical_payload(payload)
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
                "key_id": key_id,
                "mac": ring.mac(digest, key_id),
            }
        )
        prev = digest
    return rows


EVENT_ROW_KEYS = ("instance_id", "seq", "at", "actor_id", "actor", "kind", "task_id", "payload_json", "state_digest",
                  "prev_hash", "hash", "key_id", "mac")  # fmt: skip
_INSERT_EVENTS = Statement(insert(Event.__table__), keys=EVENT_ROW_KEYS)


def write(rows: list[dict]) -> None:
    """Rows made by chain() (every key of EVENT_ROW_KEYS)."""
    _INSERT_EVENTS.run_many(rows)


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
    unkeyed: int = 0  # events without a MAC (written before keys existed and not adopted yet)


def check_events(instance_id: int, events: list, ring: Keyring | None) -> ChainReport:
    """The chain of ``events`` (rows or dicts with the event's fields): sequence, sha256 links, and — with a keyring —
    each event's MAC. Without a keyring (a bundle checked without the key) only the sha256 chain is checked."""
    prev, unkeyed = GENESIS, 0
    for expected_seq, ev in enumerate(events, start=1):
        get = ev.get if isinstance(ev, dict) else lambda name, e=ev: getattr(e, name)
        seq = get("seq")
        if seq != expected_seq:
            return ChainReport(
                instance_id,
                False,
                len(events),
                expected_seq,
                f"第 {expected_seq} 条事件缺失 (event {expected_seq} is missing)",
            )
        if get("prev_hash") != prev:
            return ChainReport(
                instance_id,
                False,
                len(events),
                seq,
                "前一哈希与上一事件不符 (prev_hash does not match the event before)",
            )
        recomputed = event_hash(
            prev, instance_id, seq, get("at"), get("actor"), get("kind"), get("task_id"), get("payload_json"),
            get("state_digest"),
        )  # fmt: skip
        if recomputed != get("hash"):
            return ChainReport(
                instance_id, False, len(events), seq, "内容与记录的哈希不符 (contents do not match the recorded hash)"
            )
        if ring is not None:
            if not get("mac"):
                unkeyed += 1
            elif not ring.check(recomputed, get("key_id"), get("mac")):
                reason = (
                    f"密钥 {get('key_id')} 不在密钥环中 (unknown key id)"
                    if get("key_id") not in ring.keys
                    else "密钥签名不符：事件被改写后重算了哈希链 (MAC does not match: the chain was recomputed)"
                )
                return ChainReport(instance_id, False, len(events), seq, reason)
        prev = recomputed
    if unkeyed:
        return ChainReport(
            instance_id, False, len(events), None,
            f"{unkeyed} 条事件没有密钥签名，运行 gasflow audit adopt-legacy 确认 ({unkeyed} unkeyed events)",
            unkeyed,
        )  # fmt: skip
    return ChainReport(instance_id, True, len(events))


def verify_chain(instance_id: int) -> ChainReport:
    instance = db.session.get(ProcessInstance, instance_id)
    events = events_of(instance_id)
    report = check_events(instance_id, events, keyring())
    if report.first_broken_seq is not None:
        return report
    last = events[-1].hash if events else ""
    if instance is not None and (instance.event_seq != len(events) or (events and instance.event_hash != last)):
        return ChainReport(
            instance_id, False, len(events), len(events) + 1,
            "实例记录的链头与最后一条事件不符 (the chain head on the case does not match its last event)",
        )  # fmt: skip
    return report


@writes
def adopt_legacy() -> int:
    """Key the events written before keys existed (an operator's deliberate act after the upgrade, `gasflow setup` or
    `gasflow audit adopt-legacy`): their sha256 chains are checked first and left untouched; a broken chain is not
    adopted. Returns the number of events keyed."""
    ring = keyring()
    legacy = select(Event.instance_id).where(Event.mac.is_(None)).distinct()
    adopted = 0
    for instance_id in list(db.session.scalars(legacy)):
        events = events_of(instance_id)
        if check_events(instance_id, events, None).first_broken_seq is not None:
            continue
        for ev in events:
            if ev.mac is None:
                db.session.execute(
                    update(Event)
                    .where(Event.id == ev.id)
                    .values(key_id=ring.current_id, mac=ring.mac(ev.hash, ring.current_id))
                )
                adopted += 1
    return adopted
