"""The hotline board (issue 7 §6): customers whose supply is cut (停气) right now, so an agent can answer a caller —
which case cut it, the branch, since when, whether the payment arrived and by when supply must be back (S24.6: 6 hours
after the arrears are cleared; S24.7: after the rectification passes re-inspection). S24.8: every disconnection is
reported to the hotline; this board is where the hotline reads it.

Read only, built from the customer archive's supply status and the disconnection cases' open tasks and events (no
engine load). Phone numbers are always masked here (S21.4): a full number is for the one record opened on purpose,
where the view is logged, not for a list on a wall.

Planned outages (S24.2, S24.5) have no process yet; the page says so instead of showing anything made up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.core.errors import Forbidden
from app.customers import lookups, masking
from app.extensions import db
from app.models import Correlation, Customer, Event, HumanTask, ProcessInstance, User
from app.org.access import OVERSEERS
from app.platform import tasks
from app.supply import arrears, hazard

LIMIT = 500
CASE_KINDS = {arrears.PROCESS: "欠费停气", hazard.PROCESS: "隐患停气"}
DISCONNECT_TASKS = {"Task_disconnect", "Task_hazard_disconnect"}
NOTIFY_TASKS = {"Task_notify_csc", "Task_hazard_notify_csc"}
RESTORE_TASKS = {"Task_restore", "Task_hazard_restore"}


def require_board(user: User) -> None:
    """客服中心 answers the hotline; unit heads follow their branch's disconnections; auditors and admins oversee."""
    if OVERSEERS & user.roles or "head" in user.roles or user.unit.kind == "csc":
        return
    raise Forbidden(
        "停气看板只对客服中心和部门负责人开放 (the board is for the customer service center and unit heads)"
    )


@dataclass(frozen=True)
class Payment:
    amount: float
    paid_at: str  # as billing sent it (ISO); shown in Beijing time by the page


@dataclass
class Disconnection:
    account_no: str
    customer_name: str
    address: str
    phones: list[str]  # masked (S21.4)
    branch: str
    case_id: int | None = None
    case_no: str | None = None
    case_kind: str | None = None
    since: datetime | None = None  # the time the fitter recorded on site, else when the step was saved
    payments: list[Payment] = field(default_factory=list)
    settled: bool = False  # arrears paid in full: the restore task is open (S24.6)
    restore_due: datetime | None = None
    open_tasks: list[str] = field(default_factory=list)

    @property
    def is_arrears(self) -> bool:
        return self.case_kind == CASE_KINDS[arrears.PROCESS]

    @property
    def paid_total(self) -> float:
        return round(sum(p.amount for p in self.payments), 2)

    @property
    def last_paid_at(self) -> datetime | None:
        return max((_instant(p.paid_at) for p in self.payments), default=None)

    @property
    def restore_overdue(self) -> bool:
        return self.restore_due is not None and self.restore_due < clock.now()


@dataclass(frozen=True)
class Upcoming:
    """S24.8 (issue 12, item 12): a disconnection signed off and reported to CSC, the crew not yet done on site."""

    account_no: str
    customer_name: str
    address: str
    phones: list[str]  # masked (S21.4)
    branch: str
    case_id: int
    case_no: str | None
    case_kind: str
    informed_at: datetime | None
    planned_at: datetime | None


@dataclass(frozen=True)
class Board:
    disconnections: list[Disconnection]
    truncated: bool
    upcoming: list[Upcoming] = field(default_factory=list)


def _instant(value: str | None) -> datetime | None:
    try:
        return clock.ensure_aware(datetime.fromisoformat(value)) if value else None
    except ValueError:
        return None


def _matches(line: Disconnection, customer: Customer, query: str, phone: tuple[str, str] | None) -> bool:
    """Account number, customer name, case number, or a phone number — its last 4 digits or all of it (what a caller
    can tell; never any other suffix, issue 13 item 7)."""
    if query.upper() in line.account_no.upper() or query in line.customer_name or query in (line.case_no or ""):
        return True
    return phone is not None and any(lookups.phone_matches(p.phone, *phone) for p in customer.phones)


def _phone_query(user: User, query: str) -> tuple[str, str] | None:
    """A query of digits is a phone search: the 4-digit tail or a whole number, counted and logged like a view."""
    if not query.replace("-", "").replace(" ", "").isdigit() or len(query) < lookups.TAIL_DIGITS:
        return None
    term = lookups.phone_term(query)
    lookups.require_allowance(user)
    return term


def _disconnecting_cases(accounts: list[str]) -> dict[str, tuple[ProcessInstance, Event]]:
    """Per account, the latest disconnection case that completed its on-site disconnection task, with that event."""
    rows = db.session.execute(
        select(Correlation.value, ProcessInstance, Event)
        .join(ProcessInstance, ProcessInstance.id == Correlation.instance_id)
        .join(Event, Event.instance_id == ProcessInstance.id)
        .where(
            Correlation.key == "account_no",
            Correlation.value.in_(accounts),
            ProcessInstance.process_key.in_(list(CASE_KINDS)),
            Event.kind == "task_completed",
        )
        .order_by(Event.at, Event.id)
    )
    found: dict[str, tuple[ProcessInstance, Event]] = {}
    for account, instance, event in rows:
        if json.loads(event.payload_json).get("spec_name") in DISCONNECT_TASKS:
            found[account] = (instance, event)  # ordered by time: a later disconnection replaces an earlier one
    return found


def _payments(instance_ids: list[int]) -> dict[int, list[Payment]]:
    found: dict[int, list[Payment]] = {}
    events = db.session.scalars(
        select(Event)
        .where(Event.instance_id.in_(instance_ids), Event.kind == "message_received")
        .order_by(Event.at, Event.id)
    )
    for event in events:
        message = json.loads(event.payload_json)
        if message.get("name") == arrears.PAYMENT_MESSAGE:
            body = message.get("payload", {})
            found.setdefault(event.instance_id, []).append(Payment(float(body.get("amount", 0)), body.get("paid_at")))
    return found


def _open_tasks(instance_ids: list[int]) -> dict[int, list[HumanTask]]:
    found: dict[int, list[HumanTask]] = {}
    rows = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == tasks.READY)
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    for task in rows:
        found.setdefault(task.instance_id, []).append(task)
    return found


def _fill_case(line: Disconnection, instance: ProcessInstance, event: Event, payments, open_tasks) -> None:
    data = json.loads(event.payload_json).get("data", {})
    line.case_id, line.case_no = instance.id, instance.business_key
    line.case_kind = CASE_KINDS[instance.process_key]
    line.since = _instant(data.get("disconnected_at")) or event.at
    line.payments = payments.get(instance.id, [])
    for task in open_tasks.get(instance.id, []):
        line.open_tasks.append(task.name)
        if task.spec_name in RESTORE_TASKS:
            line.restore_due = task.due_at
            line.settled = task.spec_name == "Task_restore"


def _urgency(line: Disconnection) -> tuple:
    """Supply due back first, soonest deadline on top; then the most recent disconnections (those customers call)."""
    if line.restore_due is not None:
        return (0, line.restore_due.timestamp())
    return (1, -line.since.timestamp() if line.since else 0.0)


def _notices(instance_ids: list[int]) -> dict[int, dict]:
    """Per case, the data of its latest S24.8 report to CSC (Task_notify_csc / Task_hazard_notify_csc)."""
    found: dict[int, dict] = {}
    events = db.session.scalars(
        select(Event)
        .where(Event.instance_id.in_(instance_ids), Event.kind == "task_completed")
        .order_by(Event.at, Event.id)
    )
    for event in events:
        payload = json.loads(event.payload_json)
        if payload.get("spec_name") in NOTIFY_TASKS:
            found[event.instance_id] = payload.get("data", {})
    return found


def upcoming_disconnections(query: str = "", phone: tuple[str, str] | None = None) -> list[Upcoming]:
    """S24.8: reported to CSC before the crew cuts supply — on the board from the moment of the report."""
    rows = db.session.execute(
        select(ProcessInstance, Customer)
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .join(Correlation, (Correlation.instance_id == ProcessInstance.id) & (Correlation.key == "account_no"))
        .join(Customer, Customer.account_no == Correlation.value)
        .where(HumanTask.spec_name.in_(DISCONNECT_TASKS), HumanTask.state == tasks.READY)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(LIMIT)
    ).all()
    notices = _notices([instance.id for instance, _ in rows]) if rows else {}
    found = []
    for instance, customer in rows:
        told = notices.get(instance.id, {})
        line = Upcoming(customer.account_no, customer.name, customer.address,
                        [masking.mask(p.phone) for p in customer.phones], customer.branch.name, instance.id,
                        instance.business_key, CASE_KINDS[instance.process_key],
                        _instant(told.get("csc_informed_at")), _instant(told.get("planned_cut_at")))  # fmt: skip
        if not query or _matches_upcoming(line, customer, query, phone):
            found.append(line)
    return found


def _matches_upcoming(line: Upcoming, customer: Customer, query: str, phone: tuple[str, str] | None) -> bool:
    if query.upper() in line.account_no.upper() or query in line.customer_name or query in (line.case_no or ""):
        return True
    return phone is not None and any(lookups.phone_matches(p.phone, *phone) for p in customer.phones)


def current_disconnections(user: User, query: str = "") -> Board:
    require_board(user)
    customers = list(
        db.session.scalars(
            select(Customer)
            .where(Customer.supply_status == "disconnected")
            .order_by(Customer.updated_at.desc(), Customer.id.desc())
            .limit(LIMIT + 1)
        )
    )
    truncated = len(customers) > LIMIT
    customers = customers[:LIMIT]
    cases = _disconnecting_cases([c.account_no for c in customers]) if customers else {}
    ids = [instance.id for instance, _ in cases.values()]
    payments, open_tasks = (_payments(ids), _open_tasks(ids)) if ids else ({}, {})
    lines = []
    query = query.strip()
    phone = _phone_query(user, query)
    for customer in customers:
        line = Disconnection(customer.account_no, customer.name, customer.address,
                             [masking.mask(p.phone) for p in customer.phones], customer.branch.name)  # fmt: skip
        if customer.account_no in cases:
            _fill_case(line, *cases[customer.account_no], payments, open_tasks)
        if not query or _matches(line, customer, query, phone):
            lines.append(line)
    if phone is not None:
        found = [c for c in customers if any(lookups.phone_matches(p.phone, *phone) for p in c.phones)]
        lookups.record_phone_search(user, *phone, found)
    lines.sort(key=_urgency)
    return Board(lines, truncated, upcoming_disconnections(query, phone))
