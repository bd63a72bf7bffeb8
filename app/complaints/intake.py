"""Complaint intake (C11, C12): the documented start contract, repeat merging and internal→external escalation (C8).

Other systems (the 12345 platform, the hotline) start cases through POST /api/v1/complaints with the data of
forms/complaint/intake.json; staff use the intake page, which calls the same function. A complaint about the same
matter from the same phone or account while one is open is merged into the open case as a recorded event — never
lost, never a second case (as 12345 merges repeats). A new external complaint (12345, mailboxes, media) on a matter
already complained about internally is flagged internal→external (C8) on the case it lands in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app import clock
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.customers import records as customers
from app.extensions import db
from app.models import Correlation, ProcessInstance, Unit, User
from app.platform import forms, history, instances
from app.platform.history import NewEvent

PROCESS = "complaint"
INTERNAL_CHANNELS = {"hotline", "counter", "letter", "visit"}
EXTERNAL_CHANNELS = {"12345", "mayor_mailbox", "secretary_mailbox", "media"}


@dataclass(frozen=True)
class Intake:
    instance_id: int
    case_no: str
    merged: bool  # True: added to an open case as a repeat, no new case
    internal_to_external: bool


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def _received_at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise _problem("received_at", "受理时间需带时区，例如 2026-03-02T09:30:00+08:00")
    now = clock.now()
    if moment > now + timedelta(minutes=5):
        shown = clock.to_local(now).strftime("%m-%d %H:%M")
        raise _problem("received_at", f"受理时间不能晚于现在（现在是 {shown}），请填写实际收到投诉的时间")
    return moment


def _check_about(about: dict) -> None:
    if about.get("user") and db.session.scalar(select(User.id).where(User.username == about["user"])) is None:
        raise _problem("about.user", f"被投诉员工 {about['user']} 不存在")
    if about.get("unit") and db.session.scalar(select(Unit.id).where(Unit.name == about["unit"])) is None:
        raise _problem("about.unit", f"被投诉单位 {about['unit']} 不存在")


def _case_no(received: datetime) -> str:
    day = clock.to_local(received).strftime("%Y%m%d")
    while True:
        candidate = f"TS{day}{secrets.randbelow(1_000_000):06d}"
        if db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == candidate)) is None:
            return candidate


def _same_matter(a: dict, b: dict) -> bool:
    return (a.get("matter") or "").strip() == (b.get("matter") or "").strip()


def earlier_cases(data: dict, running: bool | None) -> list[tuple[ProcessInstance, dict]]:
    """Complaint cases from the same phone or account about the same matter, newest first."""
    keys = []
    phone = (data.get("complainant") or {}).get("phone")
    if phone:
        keys.append((Correlation.key == "complainant.phone") & (Correlation.value == phone))
    if data.get("account_no"):
        keys.append((Correlation.key == "account_no") & (Correlation.value == data["account_no"]))
    if not keys:
        return []
    query = (
        select(ProcessInstance)
        .join(Correlation, Correlation.instance_id == ProcessInstance.id)
        .where(ProcessInstance.process_key == PROCESS, or_(*keys))
        .distinct()
        .order_by(ProcessInstance.id.desc())
    )
    if running is not None:
        query = query.where(ProcessInstance.status == ("running" if running else "completed"))
    found = []
    for instance in db.session.scalars(query):
        case = instances.case_data(instance)
        if _same_matter(case, data):
            found.append((instance, case))
    return found


@writes
def intake(payload: dict, user: User) -> Intake:
    forms.require_valid(PROCESS, "intake", payload, "投诉登记信息")
    data = dict(payload)
    received = _received_at(data["received_at"])
    _check_about(data["about"])
    if data.get("account_no"):
        try:
            customer = customers.by_account(data["account_no"])
        except NotFound:
            raise _problem("account_no", f"户号 {data['account_no']} 不存在") from None
        data["account_no"] = customer.account_no
        data.setdefault("branch", customer.branch.name)
    data.setdefault("resolved_on_call", False)
    external = data["channel"] in EXTERNAL_CHANNELS
    now = clock.now()
    open_cases = earlier_cases(data, running=True)
    if open_cases:
        instance, case = open_cases[0]
        escalates = external and case.get("channel") in INTERNAL_CHANNELS
        events = [NewEvent("repeat_merged", now, user.username, user.id, payload={"complaint": data})]
        if escalates:
            events.append(_escalation_event(now, user, case.get("case_no"), data))
        history.append(instance.id, events)
        return Intake(instance.id, case.get("case_no") or instance.business_key, True, escalates)
    earlier = earlier_cases(data, running=False) if external else []
    escalates = bool(earlier) and earlier[0][1].get("channel") in INTERNAL_CHANNELS
    data["case_no"] = _case_no(received)
    data["internal_to_external"] = escalates
    if escalates:
        data["escalated_from"] = earlier[0][1].get("case_no")
    instance = instances.start(PROCESS, data, user, business_key=data["case_no"], via_intake=True)
    if escalates:
        history.append(instance.id, [_escalation_event(now, user, data["escalated_from"], data)])
    return Intake(instance.id, data["case_no"], False, escalates)


def _escalation_event(now: datetime, user: User, earlier_case_no: str | None, data: dict) -> NewEvent:
    payload = {"kind": "internal_to_external", "rule": "C8", "earlier_case_no": earlier_case_no, "channel": data["channel"],
               "external_ref": data.get("external_ref")}  # fmt: skip
    return NewEvent("escalated", now, user.username, user.id, payload=payload)
