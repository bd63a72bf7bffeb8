"""Messages to cases (issue 2 §8): delivered to the instances whose correlation keys match; those no case was waiting
for (issue 6) are kept so nothing is lost (a payment for an
account with no open arrears case), listed for staff, and resolved — delivered again once a case waits for it, or
closed with a note saying how it was handled outside the system."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app import clock
from app.core.errors import Conflict, Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import UnmatchedMessage, User
from app.org.access import require_role
from app.platform import definitions, history, incidents, instances, senders

MAY_RESOLVE = ("staff", "admin")


@dataclass(frozen=True)
class UnmatchedView:
    id: int
    received_at: datetime
    name: str
    correlation: dict
    payload: dict
    account_no: str | None
    received_by: str
    resolved_at: datetime | None
    resolution: str | None
    resolution_note: str | None
    delivered_to: list[int]


def _view(row: UnmatchedMessage) -> UnmatchedView:
    return UnmatchedView(
        row.id, row.received_at, row.name, json.loads(row.correlation_json), json.loads(row.payload_json),
        row.account_no, row.received_by, row.resolved_at, row.resolution, row.resolution_note,
        [int(i) for i in row.delivered_to.split(",")] if row.delivered_to else [],
    )  # fmt: skip


@writes
def keep(name: str, correlation: dict, payload: dict, user: User | None) -> int:
    """Store a message no instance caught; returns its id. Its own transaction (the delivery itself was refused)."""
    account = correlation.get("account_no")
    row = UnmatchedMessage(
        received_at=clock.now(),
        name=str(name)[:128],
        correlation_json=history.canonical_payload(correlation),
        payload_json=history.canonical_payload(payload),
        account_no=str(account)[:32] if account not in (None, "") else None,
        received_by=user.username if user is not None else "system",
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def deliver_message(name: str, correlation: dict, payload: dict, user: User | None) -> list[int]:
    """Deliver, or answer 404 naming the keys: a message nobody waits for (e.g. a payment for an account with no
    open arrears case) is kept in the unmatched-messages list, in its own transaction, for staff to resolve."""
    if not isinstance(name, str) or not name:
        raise Invalid("消息需要 name (a message name is required)")
    # issue 13, item 4: e.g. payment_received only from system:billing
    senders.require_may_send(name, definitions.message_senders(name), user)
    caught = instances.deliver_to_waiting(name, correlation, payload, user, check_sender=True)
    if caught:
        return caught
    kept = keep(name, correlation, payload, user)
    keys = "、".join(f"{k}={v}" for k, v in correlation.items())
    raise NotFound(
        f"没有正在等待消息 {name} 的流程实例（{keys}），消息已存入未匹配消息 #{kept} 待处理 "
        f"(no instance is waiting for this message; kept as unmatched message {kept})",
        unmatched_id=kept,
    )


def incidents_of(instance_ids: list[int]) -> list[dict]:
    """Cases that took the message but stopped at an incident on it (the message waits there for the retry)."""
    return [view.as_json() for i in instance_ids for view in incidents.open_of(i)]


def list_messages(user: User, include_resolved: bool = False, account_no: str | None = None) -> list[UnmatchedView]:
    require_role(user, *MAY_RESOLVE)
    query = select(UnmatchedMessage).order_by(UnmatchedMessage.received_at.desc(), UnmatchedMessage.id.desc())
    if not include_resolved:
        query = query.where(UnmatchedMessage.resolved_at.is_(None))
    if account_no:
        query = query.where(UnmatchedMessage.account_no == account_no.strip().upper())
    return [_view(r) for r in db.session.scalars(query.limit(500))]


def open_count() -> int:
    query = select(func.count()).select_from(UnmatchedMessage).where(UnmatchedMessage.resolved_at.is_(None))
    return db.session.scalar(query) or 0


@writes
def resolve(message_id: int, user: User, note: str | None = None, redeliver: bool = False) -> UnmatchedView:
    """Redeliver (a case now waits for it: e.g. the arrears case was opened meanwhile) or close with a note."""
    require_role(user, *MAY_RESOLVE)
    row = db.session.get(UnmatchedMessage, message_id, populate_existing=True)
    if row is None:
        raise NotFound(f"未匹配消息 {message_id} 不存在 (unknown unmatched message)")
    if row.resolved_at is not None:
        raise Conflict(f"未匹配消息 {message_id} 已处理 (already resolved)")
    note = (note or "").strip()
    if redeliver:
        caught = instances.deliver_to_waiting(
            row.name, json.loads(row.correlation_json), json.loads(row.payload_json), user
        )
        if not caught:
            raise Conflict("仍没有正在等待此消息的案件，请核实户号或以说明结案 (still no case waits for it)")
        row.resolution, row.delivered_to = "redelivered", ",".join(map(str, caught))
    else:
        if not note:
            raise Invalid("结案须说明处理情况 (a note is required to close it)", errors=[{"field": "note",
                          "message": "处理说明：必填"}])  # fmt: skip
        row.resolution = "closed"
    row.resolution_note = note[:2000] or None
    row.resolved_at, row.resolved_by_id = clock.now(), user.id
    db.session.flush()
    return _view(row)
