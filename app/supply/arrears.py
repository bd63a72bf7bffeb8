"""Arrears cases from the billing side (issue 6 §1; S19.3, S24.6): the start contract, one open case per account.

Billing opens a case through POST /api/v1/arrears or ``gasflow arrears import FILE.csv`` with the data of
forms/arrears_disconnection/start.json (account_no, amount_owed, since). When the account already has an open case
the figures go to that case as an ``arrears_updated`` message — an engine step, so the amount on the notice and the
"paid in full" check use them and replay stays exact. If the open case no longer takes billing updates (paid in full,
supply being restored) the import is kept on its record as an event: nothing is lost, no second case is opened.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app import clock
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.customers import records as customers
from app.extensions import db
from app.models import Correlation, Customer, ProcessInstance, User
from app.platform import forms, history, instances, steps
from app.platform.history import NewEvent

PROCESS = "arrears_disconnection"
UPDATE_MESSAGE = "arrears_updated"
PAYMENT_MESSAGE = "payment_received"


@dataclass(frozen=True)
class ArrearsResult:
    instance_id: int
    case_no: str
    updated: bool  # True: the account's open case took the import, no new case
    applied: bool  # False: the open case no longer takes billing updates; the import is kept on its record


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def open_case_of(account_no: str) -> ProcessInstance | None:
    return db.session.scalar(
        select(ProcessInstance)
        .join(Correlation, Correlation.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.process_key == PROCESS,
            ProcessInstance.status == "running",
            Correlation.key == "account_no",
            Correlation.value == account_no,
        )
        .order_by(ProcessInstance.id.desc())
        .limit(1)
    )


def new_case_no(prefix: str) -> str:
    """QF (欠费) or YH (隐患) + the Beijing date + six random digits, unique among business keys."""
    day = clock.to_local(clock.now()).strftime("%Y%m%d")
    while True:
        candidate = f"{prefix}{day}{secrets.randbelow(1_000_000):06d}"
        if db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == candidate)) is None:
            return candidate


def _customer(account_no: str) -> Customer:
    try:
        customer = customers.by_account(account_no)
    except NotFound:
        raise _problem("account_no", f"户号 {account_no} 不存在") from None
    # One import per account at a time: a second one for the same account waits here (PostgreSQL; SQLite's write
    # lock already queues writers), so two imports never open two cases.
    db.session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    return customer


@writes
def open_or_update(payload: dict, user: User | None) -> ArrearsResult:
    forms.require_valid(PROCESS, "start", payload, "欠费数据")
    customer = _customer(payload["account_no"])
    figures = {"amount_owed": payload["amount_owed"], "since": payload["since"]}
    if payload.get("billing_ref"):
        figures["billing_ref"] = payload["billing_ref"]
    case = open_case_of(customer.account_no)
    if case is not None:
        caught = instances.deliver_to_waiting(UPDATE_MESSAGE, {"account_no": customer.account_no}, figures, user)
        if case.id not in caught:
            actor = steps.actor_of(user)
            history.append(case.id, [NewEvent("arrears_update_kept", clock.now(), *actor, payload=figures)])
        return ArrearsResult(case.id, case.business_key or "", True, case.id in caught)
    case_no = new_case_no("QF")
    data = {
        **figures,
        "case_no": case_no,
        "account_no": customer.account_no,
        "customer_name": customer.name,
        "address": customer.address,
        "branch": customer.branch.name,
    }
    instance = instances.start(PROCESS, data, user, business_key=case_no)
    return ArrearsResult(instance.id, case_no, False, True)


def from_start_page(payload: dict, user: User) -> tuple[int, str | None]:
    """The start page (发起：欠费催缴及停复气) opens arrears the way billing does; an account with an open case gets
    the new figures on that case, and the page says so."""
    result = open_or_update(payload, user)
    if not result.updated:
        return result.instance_id, None
    if result.applied:
        return (
            result.instance_id,
            f"户号 {payload['account_no']} 已有在办欠费案件 {result.case_no}，欠费已更新到该案件。",
        )
    return result.instance_id, (
        f"户号 {payload['account_no']} 的在办案件 {result.case_no} 已不再接收欠费更新，本次数据已记入该案件的办理记录。"
    )
