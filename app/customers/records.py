"""The customer archive (一户一档, S21): create, change, open and delete one customer; the unmasked-view log.

Who may change a record: 客服中心, administrators, and the customer's own branch company. Opening a record shows full
phone and ID numbers only to those S21.4 allows (app/services/masking.py) and every such view is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.tx import writes
from app.customers import change_log, lookups, masking
from app.customers.fields import manager_problem, parse_fields, reversed_digits
from app.extensions import db
from app.models import Customer, CustomerPhone, CustomerView, User
from app.org.access import require_role
from app.org.directory import DirectoryLookup


def _archive_office(user: User) -> bool:
    return "admin" in user.roles or user.unit.kind == "csc"


def _may_edit(user: User, branch_id: int) -> bool:
    return _archive_office(user) or user.unit_id == branch_id


def resolve_references(clean: dict, lookup: DirectoryLookup, problems: list[str]) -> dict:
    """branch/manager names -> ids, appending a problem for each unknown one. Returns the id columns found."""
    ids: dict = {}
    if "branch" in clean:
        ref = clean.pop("branch")
        unit = lookup.branch(ref) if ref else None
        if unit is None:
            problems.append(f"分公司“{ref or ''}”不存在，应为主营分公司名称或区县，如 苍溪县分公司 (unknown branch)")
        else:
            ids["branch_id"] = unit.id
    if "manager" in clean:
        ref = clean.pop("manager")
        manager = lookup.user(ref) if ref else None
        if ref and (manager is None or not manager.active):
            problems.append(f"客户经理“{ref}”不是在职用户 (unknown or inactive customer manager)")
        ids["manager_id"] = manager.id if manager is not None and manager.active else None
    return ids


def phone_rows(phones: list[str]) -> list[CustomerPhone]:
    return [CustomerPhone(position=i, phone=p, phone_reversed=reversed_digits(p)) for i, p in enumerate(phones)]


def _get(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"客户 {customer_id} 不存在 (unknown customer)")
    return customer


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise Invalid("；".join(problems), problems=problems)


def _account_taken(account_no: str, own_id: int | None = None) -> bool:
    found = db.session.scalar(select(Customer.id).where(Customer.account_no == account_no))
    return found is not None and found != own_id


def get(customer_id: int) -> Customer:
    """For other services (cases name their customer); readers outside services use open_record."""
    return _get(customer_id)


def by_account(account_no: str) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.account_no == account_no.strip().upper()))
    if customer is None:
        raise NotFound(f"户号 {account_no} 不存在 (unknown account number)")
    return customer


def present(customer: Customer, viewer: User, channel: str) -> masking.CustomerRecord:
    """The record as this reader may see it; an unmasked one is logged in the caller's transaction (S21.4)."""
    unmasked = masking.may_see_unmasked(viewer, customer)
    if unmasked:
        log_view(viewer, customer, channel)
    return masking.record(customer, unmasked=unmasked)


@writes
def create(data: dict, actor: User) -> masking.CustomerRecord:
    clean, problems = parse_fields(data)
    clean.setdefault("branch", None)
    ids = resolve_references(clean, DirectoryLookup(), problems)
    if problem := manager_problem(clean.get("customer_class"), ids.get("manager_id") is not None):
        problems.append(problem)
    _raise_if(problems)
    if not _may_edit(actor, ids["branch_id"]):
        raise Forbidden("只能为本分公司建档 (you may only add customers of your own branch)")
    if _account_taken(clean["account_no"]):
        raise Conflict(f"户号 {clean['account_no']} 已存在 (account number already in the archive)")
    now = clock.now()
    phones = clean.pop("phones")
    customer = Customer(**clean, **ids, created_at=now, updated_at=now, revision=1, phones=phone_rows(phones))
    db.session.add(customer)
    db.session.flush()
    change_log.note(db.session(), "create", customer, actor)  # S21.3: backed up at once
    return present(customer, actor, "edit")


@writes
def update(customer_id: int, data: dict, actor: User, revision: int | None = None) -> masking.CustomerRecord:
    customer = _get(customer_id)
    if not _may_edit(actor, customer.branch_id):
        raise Forbidden("只能修改本分公司的客户档案 (not a customer of your branch)")
    if revision is not None and revision != customer.revision:
        raise Conflict("档案已被他人修改，请刷新后重试 (stale revision)")
    clean, problems = parse_fields(data, partial=True)
    ids = resolve_references(clean, DirectoryLookup(), problems)
    customer_class = clean.get("customer_class", customer.customer_class)
    manager_id = ids.get("manager_id", customer.manager_id)
    if problem := manager_problem(customer_class, manager_id is not None):
        problems.append(problem)
    _raise_if(problems)
    if "branch_id" in ids and ids["branch_id"] != customer.branch_id and not _archive_office(actor):
        raise Forbidden("转移客户到其他分公司须由客服中心办理 (only 客服中心 moves a customer to another branch)")
    if "account_no" in clean and _account_taken(clean["account_no"], customer.id):
        raise Conflict(f"户号 {clean['account_no']} 已存在 (account number already in the archive)")
    if "phones" in clean:
        customer.phones = phone_rows(clean.pop("phones"))
    for key, value in {**clean, **ids}.items():
        setattr(customer, key, value)
    customer.revision += 1
    customer.updated_at = clock.now()
    db.session.flush()
    change_log.note(db.session(), "update", customer, actor)  # S21.3: backed up at once
    return present(customer, actor, "edit")


@writes
def delete(customer_id: int, actor: User) -> None:
    """Archives are kept (S21); removing one is an administrator's correction of a mistaken entry."""
    require_role(actor, "admin")
    customer = _get(customer_id)
    change_log.note(db.session(), "delete", customer, actor)  # S21.3: backed up at once
    db.session.delete(customer)


@writes
def open_record(customer_id: int, viewer: User) -> masking.CustomerRecord:
    """One customer for one reader; an unmasked view is logged in the same transaction (S21.4, M5.5) and counted
    against the reader's allowance of full views and phone searches (issue 13, item 7)."""
    customer = _get(customer_id)
    if masking.may_see_unmasked(viewer, customer):
        lookups.require_allowance(viewer)
    return present(customer, viewer, "view")


def log_view(
    viewer: User | None, customer: Customer | None, channel: str, note: str = "", instance_id: int | None = None
) -> None:
    db.session.add(
        CustomerView(
            viewed_at=clock.now(),
            user_id=viewer.id if viewer else None,
            customer_id=customer.id if customer else None,
            account_no=customer.account_no if customer else "",
            channel=channel,
            note=note,
            instance_id=instance_id,
        )
    )


@dataclass(frozen=True)
class ViewLogQuery:
    customer_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    page_size: int = 50


def view_log(auditor: User, query: ViewLogQuery) -> list[CustomerView]:
    """Auditors read who saw which full record when (S21.4)."""
    require_role(auditor, "auditor")
    stmt = select(CustomerView).order_by(CustomerView.viewed_at.desc(), CustomerView.id.desc())
    if query.customer_id is not None:
        stmt = stmt.where(CustomerView.customer_id == query.customer_id)
    if query.user_id is not None:
        stmt = stmt.where(CustomerView.user_id == query.user_id)
    if query.since is not None:
        stmt = stmt.where(CustomerView.viewed_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(CustomerView.viewed_at < query.until)
    stmt = stmt.limit(query.page_size).offset((query.page - 1) * query.page_size)
    return list(db.session.scalars(stmt))
