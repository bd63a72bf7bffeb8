"""Check the database against a seal (seals.py): the seal itself (hash, signature, Merkle root over its leaves, chain
to the seal before), then every sealed case (still there, history not cut short or rewritten), the cases that claim
to be older than the seal but are not in it, and the seal log outside the database (a rolled-back database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_

from app import clock
from app.core.errors import NotFound
from app.extensions import db
from app.models import Event, ProcessInstance, Seal
from app.platform import merkle, seals
from app.platform.history import GENESIS
from app.platform.history_keys import Keyring, keyring
from app.platform.seals import SealRecord

CHUNK = 400


@dataclass(frozen=True)
class SealFinding:
    kind: str  # seal, deleted, cut_short, rewritten, added_after, rolled_back
    text: str
    instance_id: int | None = None


@dataclass
class SealVerdict:
    seal: SealRecord
    findings: list[SealFinding] = field(default_factory=list)
    cases_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "seal": self.seal.as_dict(with_leaves=False),
            "cases_checked": self.cases_checked,
            "findings": [{"kind": f.kind, "text": f.text, "instance_id": f.instance_id} for f in self.findings],
        }


def record_problems(record: SealRecord, ring: Keyring | None) -> list[SealFinding]:
    """Is the seal what it says: its hash over its fields, its signature (when the key is at hand), its root over its
    leaves (when it carries them)? Used on the database's seals, notary files and bundles alike."""
    found = []
    if record.recomputed_hash() != record.hash:
        found.append(SealFinding("seal", f"封存 {record.seq} 的内容与其哈希不符 (seal fields do not match its hash)"))
    if ring is not None and not ring.check(f"seal\x1f{record.hash}", record.key_id, record.signature):
        found.append(SealFinding("seal", f"封存 {record.seq} 的签名不符 (seal signature does not verify)"))
    if record.leaves:
        root = merkle.root([seals.leaf_bytes(*leaf) for leaf in record.leaves])
        if root != record.root or len(record.leaves) != record.cases:
            found.append(
                SealFinding("seal", f"封存 {record.seq} 的案件清单与根哈希不符 (leaves do not match the root)")
            )
    return found


def _chain_problems() -> list[SealFinding]:
    found, prev = [], GENESIS
    for seal in db.session.scalars(select(Seal).order_by(Seal.seq)):
        if seal.prev_hash != prev:
            found.append(SealFinding("seal", f"封存 {seal.seq} 与前一封存不相连 (seal chain broken at {seal.seq})"))
        prev = seal.hash
    return found


def _log_problems() -> list[SealFinding]:
    """The seal log outside the database: a seal it lists that the database lacks (or holds differently) means the
    database was rolled back or its seals rewritten."""
    found = []
    stored = {s.seq: s.hash for s in db.session.scalars(select(Seal))}
    for entry in seals.logged():
        have = stored.get(entry["seq"])
        if have is None:
            found.append(
                SealFinding(
                    "rolled_back",
                    f"封存日志中有封存 {entry['short_code']}（{entry['sealed_at'][:16]}），数据库中却没有：数据库被回退"
                    " (the database was rolled back past a seal)",
                )
            )
        elif have != entry["hash"]:
            found.append(SealFinding("rolled_back", f"封存 {entry['seq']} 与封存日志不符 (seal rewritten)"))
    return found


def _heads_at(leaves: list[list]) -> dict[tuple[int, int], str]:
    wanted = [(leaf[0], leaf[1]) for leaf in leaves if leaf[1] > 0]
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        rows = db.session.execute(
            select(Event.instance_id, Event.seq, Event.hash).where(tuple_(Event.instance_id, Event.seq).in_(part))
        )
        found.update({(r.instance_id, r.seq): r.hash for r in rows})
    return found


def _case_problems(record: SealRecord) -> list[SealFinding]:
    found = []
    cases = {
        r.id: r
        for r in db.session.execute(select(ProcessInstance.id, ProcessInstance.event_seq, ProcessInstance.started_at))
    }
    heads = _heads_at(record.leaves)
    sealed = set()
    for instance_id, event_seq, head in record.leaves:
        sealed.add(instance_id)
        case = cases.get(instance_id)
        if case is None:
            found.append(
                SealFinding("deleted", f"案件 {instance_id} 在封存后被删除 (case deleted since the seal)", instance_id)
            )
        elif case.event_seq < event_seq:
            found.append(
                SealFinding(
                    "cut_short",
                    f"案件 {instance_id} 封存时有 {event_seq} 条事件，现在只有 {case.event_seq} 条 (history cut short)",
                    instance_id,
                )
            )
        elif event_seq > 0 and heads.get((instance_id, event_seq)) != head:
            found.append(
                SealFinding(
                    "rewritten",
                    f"案件 {instance_id} 封存前的历史被改写 (history before the seal rewritten)",
                    instance_id,
                )
            )
    sealed_at = datetime.fromisoformat(record.sealed_at)
    for instance_id, case in sorted(cases.items()):
        if instance_id in sealed:
            continue
        if instance_id <= record.max_instance_id or clock.ensure_aware(case.started_at) <= sealed_at:
            found.append(
                SealFinding(
                    "added_after",
                    f"案件 {instance_id} 不在封存 {record.seq} 中，却编号或发起时间早于封存：事后补入"
                    " (case added after the seal with an earlier number or start)",
                    instance_id,
                )
            )
    return found


def against(record: SealRecord, with_log: bool = True) -> SealVerdict:
    verdict = SealVerdict(record, cases_checked=len(record.leaves))
    verdict.findings += record_problems(record, keyring())
    if with_log:
        verdict.findings += _chain_problems() + _log_problems()
    verdict.findings += _case_problems(record)
    return verdict


def against_latest() -> SealVerdict:
    """The database against its newest seal, and against the seal log (which sees a rollback past that seal)."""
    logged = seals.logged()
    newest = seals.latest()
    if newest is None:
        if not logged:
            raise NotFound("尚无封存，请先封存 (no seal yet)")
        last = logged[-1]
        record = SealRecord(**{k: v for k, v in last.items() if k != "format"})
        verdict = SealVerdict(record)
        verdict.findings += _log_problems()
        return verdict
    return against(SealRecord.of(newest, seals.leaves_of(newest)))


def against_code(code: str) -> SealVerdict:
    """The seal whose short code was written in the paper register."""
    wanted = code.strip().upper()
    seal = db.session.scalar(select(Seal).where(Seal.short_code == wanted))
    if seal is None:
        raise NotFound(
            f"数据库中没有封存码 {wanted}：数据库可能已被回退，或封存被删除 (no seal with this code: rolled back or removed)"
        )
    return against(SealRecord.of(seal, seals.leaves_of(seal)))
