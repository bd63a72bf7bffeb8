"""Delivering the outbox (docs/outbox.md has the exact guarantee): claim with a lease, call the gateway outside any
transaction, record the answer only while still holding the lease; reconcile what a dead sender left "sending".

1. ``_claim`` (one transaction; SKIP LOCKED on PostgreSQL, the write lock on SQLite): due ``pending`` messages become
   ``sending`` with this sender's lease (owner, until) and one more attempt counted — *before* the gateway is called.
   Messages left ``sending`` whose lease ran out are claimed too, for reconciliation.
2. A due message goes to the gateway once; the answer is written back only if this sender still holds the lease:
   sent → ``sent``; refused for now (nothing was sent) → ``pending`` after a backoff; rejected for good, or refused
   ``outbox_max_attempts`` times → ``failed``; ambiguous (timeout, 5xx) → stays ``sending`` with its lease cut short,
   so the next pass looks it up instead of sending it again.
3. A message in doubt is never sent blindly: the gateway's own record is searched for its out_id. Found → ``sent``;
   absent → ``pending`` (sent again at once); the record cannot be read → it stays in doubt, looked up again later.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app import clock
from app.core.tx import writes
from app.extensions import db
from app.models import OutboxMessage
from app.platform import sms_gateways
from app.platform.sms_gateways import Outcome, Outgoing

log = logging.getLogger("gasflow.outbox")
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class Claim:
    message: Outgoing
    reconcile: bool  # True: a message in doubt, to look up; False: due, to send
    lease_until: datetime


@dataclass
class Report:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    in_doubt: int = 0
    reconciled_sent: int = 0
    reconciled_absent: int = 0

    def total(self) -> int:
        return self.sent + self.retrying + self.failed + self.in_doubt + self.reconciled_sent + self.reconciled_absent


def gateway() -> sms_gateways.Gateway:
    """One gateway per app (the SDK client keeps its connection pool)."""
    found = current_app.extensions.get("gasflow_sms_gateway")
    if found is None:
        found = sms_gateways.build(current_app.config["GASFLOW"])
        current_app.extensions["gasflow_sms_gateway"] = found
    return found


def _settings():
    return current_app.config["GASFLOW"]


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s … (settings.outbox_backoff_seconds doubling), at most an hour."""
    seconds = _settings().outbox_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _locked(query):
    if db.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(row.id, row.out_id, row.kind, row.recipient, row.text, json.loads(row.params_json or "{}"),
                    row.last_attempt_at or row.created_at)  # fmt: skip


@writes
def _claim(owner: str, limit: int) -> list[Claim]:
    now = clock.now()
    lease = now + timedelta(seconds=_settings().outbox_lease_seconds)
    doubtful = _locked(
        select(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .order_by(OutboxMessage.lease_until, OutboxMessage.id)
        .limit(limit)
    )
    claims = []
    for row in db.session.scalars(doubtful).all():
        row.lease_owner, row.lease_until, row.updated_at = owner, lease, now
        claims.append(Claim(_outgoing(row), True, lease))
    due = _locked(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(max(limit - len(claims), 0))
    )
    for row in db.session.scalars(due).all():
        row.status, row.lease_owner, row.lease_until, row.updated_at = "sending", owner, lease, now
        row.attempts += 1
        row.last_attempt_at = now
        claims.append(Claim(_outgoing(row), False, lease))
    return claims


@writes
def _record(message_id: int, owner: str, outcome: Outcome) -> str | None:
    """Write the gateway's answer while this sender still holds the lease; returns the new status (None: lease lost,
    nothing written — whoever holds it now decides)."""
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None or row.status != "sending" or row.lease_owner != owner:
        return None
    now = clock.now()
    values: dict = {"updated_at": now}
    if outcome.kind in ("sent", "found"):
        values |= {"status": "sent", "sent_at": now, "gateway_id": outcome.gateway_id or row.gateway_id,
                   "lease_owner": None, "lease_until": None}  # fmt: skip
    elif outcome.kind == "absent":  # the gateway never got it: send again now (this counted as an attempt)
        values |= {"status": "pending", "next_attempt_at": now, "lease_owner": None, "lease_until": None,
                   "last_error": f"核实：网关无此消息，重新发送 (not at the gateway: resending) {row.last_error or ''}"}  # fmt: skip
    elif outcome.kind == "rejected" or (outcome.kind == "refused" and row.attempts >= _settings().outbox_max_attempts):
        values |= {"status": "failed", "lease_owner": None, "lease_until": None, "last_error": outcome.error}
    elif outcome.kind == "refused":
        values |= {"status": "pending", "next_attempt_at": now + backoff(row.attempts), "lease_owner": None,
                   "lease_until": None, "last_error": outcome.error}  # fmt: skip
    else:  # ambiguous or unknown: stays in doubt; looked up (never resent blindly) once the backoff has passed
        values |= {"lease_until": now + backoff(row.attempts), "last_error": f"待核实 (in doubt): {outcome.error}"}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    return values.get("status", "sending")


def _still_held(claim: Claim) -> bool:
    """Nobody else may touch a message before its lease ends; a sender that was held up (a slow batch, a pause) past
    most of its lease does not call the gateway any more — the message goes to reconciliation instead."""
    margin = timedelta(seconds=_settings().outbox_lease_seconds / 4)
    return claim.lease_until - margin > clock.now()


def deliver(limit: int | None = None) -> Report:
    """One pass of the delivery job: reconcile what is in doubt, send what is due. Returns what happened."""
    owner = uuid.uuid4().hex
    report = Report()
    the_gateway = gateway()
    for claim in _claim(owner, limit or _settings().outbox_batch):
        if claim.reconcile:
            outcome = the_gateway.lookup(claim.message)
        elif _still_held(claim):
            outcome = the_gateway.send(claim.message)
        else:
            continue
        status = _record(claim.message.id, owner, outcome)
        _count(report, claim, outcome, status)
    if report.total():
        log.info("outbox: %s", report)
    return report


def _count(report: Report, claim: Claim, outcome: Outcome, status: str | None) -> None:
    if status is None:
        return
    if claim.reconcile and outcome.kind == "found":
        report.reconciled_sent += 1
    elif claim.reconcile and outcome.kind == "absent":
        report.reconciled_absent += 1
    elif status == "sent":
        report.sent += 1
    elif status == "failed":
        report.failed += 1
    elif status == "pending":
        report.retrying += 1
    else:
        report.in_doubt += 1
        log.warning("outbox message %s in doubt: %s", claim.message.id, outcome.error)


def deliver_all(max_passes: int = 1000) -> Report:
    """Passes until nothing due is left (CLI, tests). The scheduler runs ``deliver`` every few seconds instead."""
    total = Report()
    for _ in range(max_passes):
        report = deliver()
        for field in total.__dataclass_fields__:
            setattr(total, field, getattr(total, field) + getattr(report, field))
        if report.total() == 0:
            break
    return total
