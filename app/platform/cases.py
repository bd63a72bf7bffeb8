"""The case list and search (issue 11 §3; the auditors' search of issue 15 builds on it): every filter a person or an
auditor asks for, scoped to the cases the user may see, newest first, in pages.

Scope: auditors and administrators see every case; anyone else the cases they started, and those where one of their
groups, or they themselves, had a task (open or done) — never a case in which a task excludes them (C13.2.5: the
person complained about never sees the complaint). Search columns come from ``case_index`` (customer, phone tail,
account, unit; kept by projections at every step); breaches, migrations and reassignments from the history
(``event.kind`` is indexed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, exists, func, literal, or_, select, union

from app import clock
from app.core.errors import Invalid
from app.core.tx import writes
from app.customers.fields import reversed_digits
from app.extensions import db
from app.models import CaseIndex, Customer, CustomerPhone, Event, HumanTask, ProcessDefinition, ProcessInstance, User
from app.org.access import OVERSEERS
from app.org.groups import HEAD_LANE, groups_of
from app.platform import instances, projections
from app.platform.tasks import READY

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
STATUSES = {"running": "办理中", "completed": "已办结", "error": "出错"}
MINE = {"started": "我发起的", "worked": "我办理过的"}
# History events that mark a case as reassigned (a head moved a task) or breached (a limit passed; rule in payload).
REASSIGN_KINDS = ("reassigned", "delegated")
BREACH_KINDS = ("breach", "escalated")
_RULE = re.compile(r"^[A-Z]\d+(\.\d+)*$")


@dataclass(frozen=True)
class CaseQuery:
    """Every field optional; set fields are AND-ed."""

    number: str | None = None  # case number (business key, prefix) or the instance number
    customer: str | None = None  # customer / complainant name (prefix)
    phone_tail: str | None = None  # exactly the last 4 digits of the customer's phone
    account: str | None = None  # account number (户号, prefix)
    process: str | None = None  # process key
    version: int | None = None  # version of that process (with ``process``)
    status: str | None = None  # running, completed, error
    unit: str | None = None  # the unit working the case, or any unit that had a task in it
    started_from: datetime | None = None  # started at or after
    started_to: datetime | None = None  # started before
    overdue: bool = False  # an open task past its due time now
    breached: bool = False  # any limit breached (a "breach" or a timer "escalated" event)
    breached_rule: str | None = None  # a breach of this rule id (C14.1, S24.6 ...)
    migrated: bool = False  # moved to another diagram version
    reassigned: bool = False  # a task was reassigned or delegated
    mine: str | None = None  # "started" (cases I started) or "worked" (cases I had a task in)
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class CaseRow:
    instance_id: int
    case_no: str
    process_key: str
    process_name: str
    version: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str | None
    customer_name: str | None
    account_no: str | None
    unit: str | None
    open_tasks: list[str]  # names of the tasks open now
    overdue: bool
    next_due_at: datetime | None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    page_size: int


def check(query: CaseQuery) -> CaseQuery:
    """Normalised query, or Invalid naming the filter a person typed wrong."""
    tail = (query.phone_tail or "").strip()
    if tail and not re.fullmatch(r"\d{4}", tail):
        raise _bad("phone_tail", "电话尾号只能是 4 位数字（只查后 4 位）")
    if query.status and query.status not in STATUSES:
        raise _bad("status", f"状态只能是 {', '.join(STATUSES)}")
    if query.mine and query.mine not in MINE:
        raise _bad("mine", "mine 只能是 started（我发起的）或 worked（我办理过的）")
    rule = (query.breached_rule or "").strip().upper()
    if rule and not _RULE.fullmatch(rule):
        raise _bad("breached_rule", f"规则编号“{query.breached_rule}”格式不对，应如 C14.1、S24.6")
    if query.version is not None and not query.process:
        raise _bad("version", "按版本筛选时须同时选择流程")
    if query.started_from and query.started_to and query.started_from >= query.started_to:
        raise _bad("started_to", "结束时间须晚于开始时间")
    size = min(max(query.page_size, 1), MAX_PAGE_SIZE)
    return replace(query, phone_tail=tail or None, breached_rule=rule or None, page=max(query.page, 1), page_size=size)


def _bad(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _prefix(column, prefix: str):
    """An index range (the case_index columns are collated "C" on PostgreSQL, binary on SQLite)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (column >= prefix) & (column < upper)


def _indexed(condition) -> Select:
    return select(CaseIndex.instance_id).where(condition)


def _events(kinds: tuple[str, ...], payload_like: str | None = None) -> Select:
    """Instances with such an event (event.kind is indexed; a rule id is matched in the canonical payload JSON)."""
    stmt = select(Event.instance_id).where(Event.kind.in_(kinds))
    return stmt.where(Event.payload_json.like(payload_like)) if payload_like else stmt


def excluded_cases(user: User) -> Select:
    """C13.2.5: cases in which a task excludes this user (the person complained about); a partial index holds the
    few tasks that exclude anyone."""
    wrapped = literal(",") + HumanTask.excluded_usernames + literal(",")
    return select(HumanTask.instance_id).where(
        HumanTask.excluded_usernames.is_not(None), wrapped.like(f"%,{user.username},%")
    )


def visible(user: User) -> Select | None:
    """The ids of the cases ``user`` may see (for IN), or None when the user may see every case."""
    if OVERSEERS & user.roles:
        return None
    groups = sorted(groups_of(user))
    # One index per branch of the union (an OR over three columns would scan every task).
    return union(
        select(HumanTask.instance_id).where(HumanTask.candidate_group.in_(groups)),
        select(HumanTask.instance_id).where(HumanTask.state == READY, HumanTask.assignee_id == user.id),
        select(HumanTask.instance_id).where(HumanTask.completed_by_id == user.id),
        select(ProcessInstance.id).where(ProcessInstance.started_by_id == user.id),
    )


def _involved_here(user: User):
    """The same scope as ``visible``, asked of one case at a time: cheaper when a selective filter (a customer, a
    number) leaves a few candidate cases than building the set of every case the user's groups touched."""
    groups = sorted(groups_of(user))
    task = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        or_(
            HumanTask.candidate_group.in_(groups),
            (HumanTask.state == READY) & (HumanTask.assignee_id == user.id),
            HumanTask.completed_by_id == user.id,
        ),
    )
    return task | (ProcessInstance.started_by_id == user.id)


def _unit_filter(unit: str):
    had_task = select(HumanTask.instance_id).where(HumanTask.candidate_group.in_([unit, f"{HEAD_LANE}@{unit}"]))
    return ProcessInstance.id.in_(_indexed(CaseIndex.unit == unit)) | ProcessInstance.id.in_(had_task)


def _phone_filter(tail: str):
    """The tail on the case (a complainant's phone), or any phone of the customer whose account the case names."""
    reversed_tail = reversed_digits(tail)
    accounts = (
        select(Customer.account_no)
        .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        .where(_prefix(CustomerPhone.phone_reversed, reversed_tail))
    )
    on_case = _indexed(CaseIndex.phone_tail == tail)
    return ProcessInstance.id.in_(on_case) | ProcessInstance.id.in_(_indexed(CaseIndex.account_no.in_(accounts)))


def _filtered(user: User, q: CaseQuery, now: datetime, counting: bool = False) -> Select:
    """The matching case ids. The scope is asked case by case (walking the newest cases first, a page stops early;
    a selective filter leaves few to ask) except to count an unfiltered list, where one set of the user's cases is
    cheaper than asking each of them."""
    stmt = select(ProcessInstance.id)
    scope = visible(user)
    if scope is not None:
        # Filters that leave a small indexed set: ask the scope of those cases only.
        narrow = (q.number, q.customer, q.phone_tail, q.account, q.unit, q.breached_rule, q.mine)
        selective = any(_text(v) for v in narrow) or q.overdue or q.breached or q.migrated or q.reassigned
        stmt = stmt.where(
            ProcessInstance.id.in_(scope) if counting and not selective else _involved_here(user),
            ProcessInstance.id.not_in(excluded_cases(user)),
        )
    if number := _text(q.number):
        matches = [
            ProcessInstance.business_key == number,
            ProcessInstance.business_key.like(_like_prefix(number), escape="\\"),
        ]
        if number.isdigit() and len(number) <= 9:
            matches.append(ProcessInstance.id == int(number))
        stmt = stmt.where(or_(*matches))
    if customer := _text(q.customer):
        stmt = stmt.where(ProcessInstance.id.in_(_indexed(_prefix(CaseIndex.customer_name, customer))))
    if q.phone_tail:
        stmt = stmt.where(_phone_filter(q.phone_tail))
    if account := _text(q.account):
        stmt = stmt.where(ProcessInstance.id.in_(_indexed(_prefix(CaseIndex.account_no, account.upper()))))
    if q.process:
        stmt = stmt.where(ProcessInstance.process_key == q.process)
    if q.version is not None:
        versions = select(ProcessDefinition.id).where(
            ProcessDefinition.key == q.process, ProcessDefinition.version == q.version
        )
        stmt = stmt.where(ProcessInstance.definition_id.in_(versions))
    if q.status:
        stmt = stmt.where(ProcessInstance.status == q.status)
    if unit := _text(q.unit):
        stmt = stmt.where(_unit_filter(unit))
    if q.started_from:
        stmt = stmt.where(ProcessInstance.started_at >= q.started_from)
    if q.started_to:
        stmt = stmt.where(ProcessInstance.started_at < q.started_to)
    if q.overdue:
        late = select(HumanTask.instance_id).where(HumanTask.state == READY, HumanTask.due_at < now)
        stmt = stmt.where(ProcessInstance.id.in_(late))
    if q.breached or q.breached_rule:
        rule = f'%"rule":"{q.breached_rule}"%' if q.breached_rule else None
        stmt = stmt.where(ProcessInstance.id.in_(_events(BREACH_KINDS, rule)))
    if q.migrated:
        stmt = stmt.where(ProcessInstance.id.in_(_events(("migrated",))))
    if q.reassigned:
        stmt = stmt.where(ProcessInstance.id.in_(_events(REASSIGN_KINDS)))
    if q.mine == "started":
        stmt = stmt.where(ProcessInstance.started_by_id == user.id)
    elif q.mine == "worked":
        worked = union(
            select(HumanTask.instance_id).where(HumanTask.completed_by_id == user.id),
            select(HumanTask.instance_id).where(HumanTask.state == READY, HumanTask.assignee_id == user.id),
        )
        stmt = stmt.where(ProcessInstance.id.in_(worked))
    return stmt


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(user: User, query: CaseQuery) -> CasePage:
    """One page of the cases ``user`` may see that match ``query``, newest first."""
    q = check(query)
    now = clock.now()
    scope = visible(user)
    if scope is not None and q == CaseQuery(page=q.page, page_size=q.page_size):
        # No filter: count the user's set itself (no pass over every case row).
        mine = scope.subquery()
        counted = select(mine.c[0]).where(mine.c[0].not_in(excluded_cases(user)))
    else:
        counted = _filtered(user, q, now, counting=True)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    page_ids = list(
        db.session.scalars(
            _filtered(user, q, now)
            .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
            .limit(q.page_size)
            .offset((q.page - 1) * q.page_size)
        )
    )
    return CasePage(_rows(page_ids, now), total, q.page, max(1, -(-total // q.page_size)), q.page_size)


def _rows(ids: list[int], now: datetime) -> list[CaseRow]:
    if not ids:
        return []
    found = db.session.execute(
        select(ProcessInstance, ProcessDefinition.name, ProcessDefinition.version, CaseIndex, User.display_name)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(CaseIndex, CaseIndex.instance_id == ProcessInstance.id)
        .outerjoin(User, User.id == ProcessInstance.started_by_id)
        .where(ProcessInstance.id.in_(ids))
    ).all()
    open_tasks: dict[int, list[HumanTask]] = {}
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.state == "ready").order_by(HumanTask.due_at)
    ):
        open_tasks.setdefault(task.instance_id, []).append(task)
    by_id = {}
    for instance, name, version, index, starter in found:
        tasks = open_tasks.get(instance.id, [])
        dues = [t.due_at for t in tasks if t.due_at is not None]
        by_id[instance.id] = CaseRow(
            instance_id=instance.id,
            case_no=instance.business_key or str(instance.id),
            process_key=instance.process_key,
            process_name=name,
            version=version,
            status=instance.status,
            started_at=instance.started_at,
            ended_at=instance.ended_at,
            started_by=starter,
            customer_name=index.customer_name if index else None,
            account_no=index.account_no if index else None,
            unit=index.unit if index else None,
            open_tasks=[t.name for t in tasks],
            overdue=any(clock.ensure_aware(d) < now for d in dues),
            next_due_at=min(dues) if dues else None,
        )
    return [by_id[i] for i in ids if i in by_id]


@writes
def index_missing(limit: int = 10_000) -> int:
    """Cases started before the case index existed get their row (``gasflow setup`` runs it; idempotent)."""
    missing = db.session.scalars(
        select(ProcessInstance)
        .outerjoin(CaseIndex, CaseIndex.instance_id == ProcessInstance.id)
        .where(CaseIndex.instance_id.is_(None))
        .limit(limit)
    ).all()
    for instance in missing:
        db.session.add(CaseIndex(instance_id=instance.id, **projections.index_values(instances.case_data(instance))))
    return len(missing)
