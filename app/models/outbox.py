"""The notification outbox (platform/outbox.py): one row per message to send, written in the transaction of the case
step that decided it, delivered after commit by a gateway (docs/outbox.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# pending: waits for its next attempt; sending: a sender holds its lease (or died holding it: reconciled, see docs);
# sent: the gateway took it; failed: the gateway refused it for good or every attempt failed (shown to admins).
OUTBOX_STATUSES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The writer's own key (e.g. "outage:TQ-2026-0001:planned:LZ-0001"): a second enqueue with it adds nothing.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the gateway is given to recognise the message (Alibaba Cloud's OutId): derived from the key.
    out_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))  # selects the SMS template (settings.sms_templates)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    recipient: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)  # the message as the customer reads it (log gateway, outbox page)
    params_json: Mapped[str] = mapped_column(Text, default="{}")  # the template's variables
    account_no: Mapped[str | None] = mapped_column(String(32))
    instance_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    gateway_id: Mapped[str | None] = mapped_column(String(64))  # the gateway's receipt id (Alibaba Cloud's BizId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


Index("ix_outbox_due", OutboxMessage.status, OutboxMessage.next_attempt_at)
Index("ix_outbox_lease", OutboxMessage.status, OutboxMessage.lease_until)
Index("ix_outbox_instance", OutboxMessage.instance_id)
