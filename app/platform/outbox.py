"""The notification outbox (issue 16 §4; docs/outbox.md): messages to people outside the system (SMS today), written
in the transaction of the step that decided them and delivered after commit (platform/outbox_delivery.py).

Writers call ``enqueue`` (one message) or ``enqueue_many`` (thousands, in batched multi-row INSERTs) inside their own
``@writes`` transaction — a use case, or a registry script function called from a diagram step (the function's
answer is recorded in the step's event, so replay does not enqueue again). Each message has an idempotency key: a
second enqueue with the same key adds nothing, so a step run twice, a retried request or a repeated script call never
sends a message twice. If the transaction rolls back, its messages were never there.

Admins see every failure and every message waiting on a verdict on the outbox page (web/pages/outbox.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.core.errors import Conflict, Invalid, NotFound
from app.core.tx import writes
from app.customers import masking
from app.extensions import db
from app.models import OUTBOX_STATUSES, OutboxMessage, User
from app.org.access import require_role

BATCH = 1000  # keys looked up per query (and rows per insert)
MAX_TEXT = 1000


@dataclass(frozen=True)
class Message:
    key: str  # idempotency key, unique among all messages ever enqueued
    kind: str  # selects the gateway template (settings.sms_templates)
    recipient: str  # a mobile number
    text: str  # the whole message as the recipient reads it
    params: dict | None = None  # the template's variables (Alibaba Cloud TemplateParam)
    account_no: str | None = None
    instance_id: int | None = None


def out_id(key: str) -> str:
    """What the gateway keeps with the message (OutId): short, stable, and the same for the same key."""
    return "gf" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:30]


def _row(message: Message, now: datetime, actor: str) -> dict:
    if not message.key or len(message.key) > 200:
        raise Invalid(f"消息幂等键须为 1-200 个字符 (idempotency key of 1-200 characters required): {message.key!r}")
    if not message.recipient:
        raise Invalid(f"消息 {message.key} 没有接收号码 (no recipient)")
    return {
        "idempotency_key": message.key,
        "out_id": out_id(message.key),
        "kind": message.kind,
        "channel": "sms",
        "recipient": message.recipient,
        "text": message.text[:MAX_TEXT],
        "params_json": json.dumps(message.params or {}, ensure_ascii=False, sort_keys=True),
        "account_no": message.account_no,
        "instance_id": message.instance_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
    }


def _insert_ignoring_duplicates():
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING, on SQLite and PostgreSQL alike."""
    dialect = db.session.get_bind().dialect.name
    table = OutboxMessage.__table__
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return insert(table).prefix_with("IGNORE")  # pragma: no cover  (MySQL-like)


def enqueue_many(messages: Iterable[Message], actor: str = "system") -> int:
    """Add the messages whose keys are new, in the caller's transaction; returns how many were added. Must run inside
    a writing transaction (a ``@writes`` use case or an engine step), so the messages commit or vanish with it.

    Keys already stored are left out before inserting (one indexed IN query per batch); the INSERT still says ON
    CONFLICT DO NOTHING, so a concurrent writer of the same key cannot make a second row (the count may then be one
    too high — it is a figure for the caller, the table is what counts)."""
    now = clock.now()
    batch: dict[str, Message] = {}
    added = 0
    for message in messages:
        batch.setdefault(message.key, message)  # the first message of a key wins, as it would across calls
        if len(batch) == BATCH:
            added += _insert_new(batch, now, actor)
            batch = {}
    return added + (_insert_new(batch, now, actor) if batch else 0)


def _insert_new(batch: dict[str, Message], now: datetime, actor: str) -> int:
    known = set(
        db.session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(batch)))
    )
    rows = [_row(message, now, actor) for key, message in batch.items() if key not in known]
    if rows:  # executemany: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"); no RETURNING, which is slow
        db.session.execute(_insert_ignoring_duplicates(), rows)
    return len(rows)


def enqueue(message: Message, actor: str = "system") -> bool:
    """One message; False when its key was already there (nothing added)."""
    return enqueue_many([message], actor) == 1


# ---- reading (the outbox page, case pages, tests) -------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxView:
    id: int
    key: str
    out_id: str
    kind: str
    recipient: str  # masked (S21.4): the page is a list, not one customer's record
    text: str
    account_no: str | None
    instance_id: int | None
    status: str
    status_label: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @property
    def in_doubt(self) -> bool:
        """Held by a sender that no longer answers (its lease ran out): the delivery job reconciles it."""
        return self.status == "sending" and self.lease_until is not None and self.lease_until < clock.now()


def _view(row: OutboxMessage) -> OutboxView:
    return OutboxView(
        row.id, row.idempotency_key, row.out_id, row.kind, masking.mask(row.recipient), row.text, row.account_no,
        row.instance_id, row.status, OUTBOX_STATUSES.get(row.status, row.status), row.attempts, row.next_attempt_at,
        row.lease_until, row.last_error, row.created_at, row.sent_at,
    )  # fmt: skip


def counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in OUTBOX_STATUSES}


def troubles(limit: int = 200) -> list[OutboxView]:
    """Everything an admin must see: failed messages, messages that failed at least once and wait for a retry, and
    messages held by a sender whose lease ran out. Newest first."""
    now = clock.now()
    query = (
        select(OutboxMessage)
        .where(
            (OutboxMessage.status == "failed")
            | ((OutboxMessage.status == "pending") & (OutboxMessage.last_error.is_not(None)))
            | ((OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now))
        )
        .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [_view(row) for row in db.session.scalars(query)]


def recent(limit: int = 50) -> list[OutboxView]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    return [_view(row) for row in db.session.scalars(query)]


def for_instance(instance_id: int) -> dict[str, int]:
    """Messages of one case by status (the case page shows how many SMS went out)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.instance_id == instance_id)
        .group_by(OutboxMessage.status)
    )
    return dict(rows.all())


def require_outbox_admin(user: User) -> None:
    require_role(user, "admin")


@writes
def retry(message_id: int, user: User) -> None:
    """An admin sends a failed message again (after fixing the number, the template or the account balance). Only a
    failed message: one that may have reached the gateway is never resent by hand (docs/outbox.md)."""
    require_outbox_admin(user)
    row = db.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"消息 {message_id} 不存在 (no such message)")
    if row.status != "failed":
        raise Conflict(f"只有发送失败的消息可以重发，此消息为“{OUTBOX_STATUSES[row.status]}” (only failed messages)")
    now = clock.now()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now,
                last_error=f"{row.last_error or ''}（{user.username} 于 {clock.to_local(now):%m-%d %H:%M} 重发）"[:2000])
    )  # fmt: skip
