"""Process instances and their projections: inbox rows, timers, correlation keys (design.md, Persistence)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128))
    # running, completed, error
    status: Mapped[str] = mapped_column(String(16), default="running")
    # The engine's state without the spec (design.md): about half the round-trip cost of embedding it.
    state_json: Mapped[str] = mapped_column(Text)
    # Optimistic lock: a write that read a stale revision is refused (409), never applied.
    revision: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Head of the hash chain of this instance's events.
    event_seq: Mapped[int] = mapped_column(default=0)
    event_hash: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str | None] = mapped_column(Text)
    # Users who may never read this case (C13.2.5, S21.4: the person complained about), comma-separated usernames,
    # from the data fields the process property ``hiddenFrom`` names; kept up to date by every step (issue 13, item 5).
    hidden_from: Mapped[str | None] = mapped_column(String(256))


Index("ix_process_instance_key_status", ProcessInstance.process_key, ProcessInstance.status)
Index("ix_process_instance_business_key", ProcessInstance.business_key)


class HumanTask(db.Model):
    """One inbox row per user task the engine made ready; finished rows stay for 已办 and reports."""

    __tablename__ = "human_task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(128))
    spec_name: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(256))
    lane: Mapped[str | None] = mapped_column(String(64))
    candidate_group: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    form_key: Mapped[str | None] = mapped_column(String(128))
    # ready, completed, cancelled
    state: Mapped[str] = mapped_column(String(16), default="ready")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When someone else handed it on (delegated, reassigned): it "reached" its new holder then, not at created_at;
    # the inbox's 新 mark and the menu's unread count read coalesce(reached_at, created_at) (issue 11).
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_provisional: Mapped[bool] = mapped_column(default=False)
    # "working_days" or "hours": how time left is counted for this task's SLA.
    sla_kind: Mapped[str | None] = mapped_column(String(16))
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    business_key: Mapped[str | None] = mapped_column(String(128))
    # Users who may not work this task although in its group (C13: the person complained about), comma-separated.
    excluded_usernames: Mapped[str | None] = mapped_column(String(256))
    # What staff search the inbox by (customer name, phone, account), kept with the row so the inbox needs no join.
    subject: Mapped[str | None] = mapped_column(String(256))


_OPEN = text("state = 'ready'")
Index(
    "ix_human_task_open_group",
    HumanTask.candidate_group,
    HumanTask.due_at,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)
Index(
    "ix_human_task_open_assignee",
    HumanTask.assignee_id,
    HumanTask.due_at,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)
Index("ix_human_task_open_due", HumanTask.due_at, sqlite_where=_OPEN, postgresql_where=_OPEN)
Index("ix_human_task_done_by", HumanTask.completed_by_id, HumanTask.completed_at)
Index("ix_human_task_instance", HumanTask.instance_id)
Index("ix_human_task_completed_at", HumanTask.completed_at)  # the overview's on-time rate this month


class Timer(db.Model):
    """A waiting timer event; the scheduler sweeps rows whose due_at has passed."""

    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when firing failed (a script error on the path it started); the sweep leaves it for an operator.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Index("ix_timer_due_at", Timer.due_at)
Index("ix_timer_instance", Timer.instance_id)


class Correlation(db.Model):
    """Keys that route a message to an instance (business key, account number, complaint number...)."""

    __tablename__ = "correlation"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(256))


Index("ix_correlation_key_value", Correlation.key, Correlation.value)
Index("ix_correlation_instance", Correlation.instance_id)


def _search_key(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class CaseIndex(db.Model):
    """What the case list searches by (issue 11 §3), kept from the case data at every step (projections): the
    customer, the last four digits of the phone, the account, the unit working it. One row per instance."""

    __tablename__ = "case_index"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True)
    # Collated "C" on PostgreSQL, like the archive's search keys: a prefix search is an index range on both databases.
    customer_name: Mapped[str | None] = mapped_column(_search_key(64))
    phone_tail: Mapped[str | None] = mapped_column(String(4))
    account_no: Mapped[str | None] = mapped_column(_search_key(32))
    unit: Mapped[str | None] = mapped_column(String(64))


Index("ix_case_index_customer_name", CaseIndex.customer_name)
Index("ix_case_index_phone_tail", CaseIndex.phone_tail)
Index("ix_case_index_account_no", CaseIndex.account_no)
Index("ix_case_index_unit", CaseIndex.unit)
Index("ix_process_instance_started_at", ProcessInstance.started_at)
Index("ix_process_instance_started_by", ProcessInstance.started_by_id)  # "cases I started"
# Cases a group had a part in (open or finished tasks): the case list's scope for everyone but overseers.
Index("ix_human_task_group_instance", HumanTask.candidate_group, HumanTask.instance_id)
# The few tasks that exclude someone (C13.2.5), so the case list can leave those cases out without a scan.
_EXCLUDES = text("excluded_usernames IS NOT NULL")
Index(
    "ix_human_task_excludes",
    HumanTask.excluded_usernames,
    HumanTask.instance_id,
    sqlite_where=_EXCLUDES,
    postgresql_where=_EXCLUDES,
)
