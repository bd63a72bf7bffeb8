"""Whole-database seals (issue 15 §5; Certificate Transparency's signed tree heads): what a per-case chain cannot see.

A seal is the Merkle root (merkle.py) over the chain head (instance id, event count, last hash) of every case, chained
to the seal before it and signed with the history key (HMAC; history_keys.py). Each seal is also appended to the seal
log, a file beside the key and outside the database, and has a short code for a paper register and a file for a
notary. Checking the database against a seal finds:

- a case deleted since (its leaf has no case), a case's history cut short or rewritten (fewer events, other head);
- a case added afterwards: not in the seal, yet numbered or dated before it (a back-dated start);
- the whole database rolled back: the seal log (or the paper register) knows a seal the database no longer has.
Cases changed after the latest seal are the next seal's business, and each case's own keyed chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app import clock
from app.core.errors import NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import Event, ProcessInstance, Seal, SealLeaf
from app.platform import merkle
from app.platform.history import GENESIS
from app.platform.history_keys import keyring

LOG_NAME = "seal_log"
FORMAT = "gasflow-seal/1"


def leaf_bytes(instance_id: int, event_seq: int, head_hash: str) -> bytes:
    return f"{instance_id}\x1f{event_seq}\x1f{head_hash}".encode()


def seal_hash(
    seq: int, sealed_at: datetime, cases: int, events: int, max_instance_id: int, root: str, prev: str
) -> str:
    body = "\x1f".join(
        [FORMAT, str(seq), clock.ensure_aware(sealed_at).isoformat(), str(cases), str(events), str(max_instance_id),
         root, prev]
    )  # fmt: skip
    return hashlib.sha256(body.encode()).hexdigest()


def short_code(seq: int, digest: str) -> str:
    """For a paper register: the seal number and 64 bits of its hash, e.g. S12-7F3A-9C21-0B4E-55D2."""
    part = digest[:16].upper()
    return f"S{seq}-" + "-".join(part[i : i + 4] for i in range(0, 16, 4))


@dataclass
class SealRecord:
    """A seal as it travels: from the database, the seal log, a notary's file or an audit bundle."""

    seq: int
    sealed_at: str
    cases: int
    events: int
    max_instance_id: int
    root: str
    prev_hash: str
    hash: str
    key_id: str
    signature: str
    short_code: str
    reason: str = ""
    sealed_by: str = ""
    key_fingerprint: str = ""
    leaves: list[list] = field(default_factory=list)  # [instance_id, event_seq, head_hash], in position order

    @classmethod
    def of(cls, seal: Seal, leaves: list[SealLeaf] | None = None) -> SealRecord:
        ring = keyring()
        fp = ring.fingerprint(seal.key_id) if seal.key_id in ring.keys else ""
        return cls(
            seal.seq, clock.ensure_aware(seal.sealed_at).isoformat(), seal.cases, seal.events, seal.max_instance_id,
            seal.root, seal.prev_hash, seal.hash, seal.key_id, seal.signature, seal.short_code, seal.reason,
            seal.sealed_by, fp, [[x.instance_id, x.event_seq, x.head_hash] for x in (leaves or [])],
        )  # fmt: skip

    def as_dict(self, with_leaves: bool = True) -> dict:
        body = {"format": FORMAT, **asdict(self)}
        if not with_leaves:
            body.pop("leaves")
        return body

    def recomputed_hash(self) -> str:
        return seal_hash(
            self.seq, datetime.fromisoformat(self.sealed_at), self.cases, self.events, self.max_instance_id,
            self.root, self.prev_hash,
        )  # fmt: skip


def _heads() -> list[tuple[int, int, str]]:
    rows = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.event_seq, ProcessInstance.event_hash).order_by(ProcessInstance.id)
    )
    return [(r.id, r.event_seq, r.event_hash or GENESIS) for r in rows]


def latest() -> Seal | None:
    return db.session.scalar(select(Seal).order_by(Seal.seq.desc()).limit(1))


def by_seq(seq: int) -> Seal:
    seal = db.session.scalar(select(Seal).where(Seal.seq == seq))
    if seal is None:
        raise NotFound(f"封存 {seq} 不存在 (unknown seal)")
    return seal


def leaves_of(seal: Seal) -> list[SealLeaf]:
    return list(db.session.scalars(select(SealLeaf).where(SealLeaf.seal_id == seal.id).order_by(SealLeaf.position)))


@writes
def _seal(reason: str, actor: str) -> SealRecord:
    heads = _heads()
    previous = latest()
    seq = (previous.seq + 1) if previous else 1
    prev = previous.hash if previous else GENESIS
    now = clock.now()
    events = db.session.scalar(select(func.count()).select_from(Event)) or 0
    max_id = heads[-1][0] if heads else 0
    root = merkle.root([leaf_bytes(*head) for head in heads])
    digest = seal_hash(seq, now, len(heads), events, max_id, root, prev)
    ring = keyring()
    seal = Seal(
        seq=seq, sealed_at=now, cases=len(heads), events=events, max_instance_id=max_id, root=root, prev_hash=prev,
        hash=digest, key_id=ring.current_id, signature=ring.mac(f"seal\x1f{digest}"), short_code=short_code(seq, digest),
        reason=reason, sealed_by=actor,
    )  # fmt: skip
    db.session.add(seal)
    db.session.flush()
    db.session.execute(
        SealLeaf.__table__.insert(),
        [
            {"seal_id": seal.id, "position": i, "instance_id": h[0], "event_seq": h[1], "head_hash": h[2]}
            for i, h in enumerate(heads)
        ],
    )
    return SealRecord.of(seal)


def seal_now(reason: str = "on_demand", actor: str = "system") -> SealRecord:
    """Seal the database as it stands; the seal log outside it gets the seal once it is committed."""
    record = _seal(reason, actor)
    _append_log(record)
    return record


def daily() -> SealRecord | None:
    """The daily job: one seal per local day (several schedulers: the unique seal number lets only one through)."""
    today = datetime.combine(clock.to_local(clock.now()).date(), time(0), tzinfo=clock.SHANGHAI)
    last = latest()
    if last is not None and clock.ensure_aware(last.sealed_at) >= today and last.reason == "daily":
        return None
    return seal_now("daily", "scheduler")


# -- the seal log: outside the database, so a restored database cannot take its seals back -----------------------


def log_path() -> Path:
    return Path(current_app.config["GASFLOW"].instance_dir) / LOG_NAME


def _append_log(record: SealRecord) -> None:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record.as_dict(with_leaves=False), ensure_ascii=False) + "\n")


def logged() -> list[dict]:
    path = log_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def recent(limit: int = 10) -> list[Seal]:
    return list(db.session.scalars(select(Seal).order_by(Seal.seq.desc()).limit(limit)))


def notary_file(seq: int) -> dict:
    """The seal with every leaf, as handed to a notary (checked later against the database or a bundle)."""
    seal = by_seq(seq)
    return SealRecord.of(seal, leaves_of(seal)).as_dict()
