"""Where a connection stands (S18.5): each step with its commitment, done / under way / waiting on the customer (the
clock stopped), and the public lookup by application number plus the phone's last four digits (issue 17 §5): right
digits or nothing, every lookup logged, at most LOOKUPS_PER_CLIENT per client in ten minutes and
FAILURES_PER_APPLICATION wrong tries per application in an hour."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import clock
from app.connection import commitments
from app.connection.commitments import PATHS
from app.core.tx import writes
from app.extensions import db
from app.models import CLASSES, ConnectionLookup, HumanTask, ProcessInstance, User
from app.platform import instances

PROCESS = "gas_connection"
LOOKUPS_PER_CLIENT = 20
FAILURES_PER_APPLICATION = 5
NUMBER = re.compile(r"^BZ\d{14}$")
CUSTOMER_TIME = {"Task_docs_plan": "等待客户补齐资料（不计入承诺时限）",
                 "Task_docs_contract": "等待客户补齐资料（不计入承诺时限）"}  # fmt: skip
STATUS = {"running": "办理中", "completed": "已办结", "incident": "办理中"}


@dataclass
class StepView:
    label: str
    state: str  # done, current, waiting (customer time), pending
    started_at: datetime | None = None
    finished_at: datetime | None = None
    commitment_days: int | None = None
    due_at: datetime | None = None
    overdue: bool = False


@dataclass
class Progress:
    application_no: str
    status: str
    customer_class: str
    path: str
    branch: str
    manager_name: str | None
    work_phone: str | None
    gas_on_at: datetime | None
    steps: list[StepView] = field(default_factory=list)
    waiting: list[StepView] = field(default_factory=list)


def _tasks(instance_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at, HumanTask.id)
        )
    )


def of_instance(instance: ProcessInstance) -> Progress:
    case = instances.case_data(instance)
    path = case.get("path") or "standard"
    table = commitments.table()
    tasks = _tasks(instance.id)
    now = clock.now()
    steps = []
    for step in commitments.STEPS:
        rows = [t for t in tasks if t.spec_name == step.task]
        if not rows:
            if step.key == "external" and case.get("needs_external") is False:
                continue
            steps.append(StepView(step.label, "pending", commitment_days=table[step.key][path]))
            continue
        first, last = rows[0], rows[-1]
        state = "current" if last.state == "ready" else "done"
        due = last.due_at
        overdue = bool(due and ((last.completed_at or now) > due))
        steps.append(StepView(step.label, state, first.created_at, last.completed_at if state == "done" else None,
                              table[step.key][path], due, overdue))  # fmt: skip
    waiting = [StepView(CUSTOMER_TIME[t.spec_name], "waiting" if t.state == "ready" else "done", t.created_at,
                        t.completed_at) for t in tasks if t.spec_name in CUSTOMER_TIME]  # fmt: skip
    gas_on = next((t for t in tasks if t.spec_name == "Task_gas_on"), None)
    done = instance.status == "completed" and case.get("archived_at")
    steps.append(StepView("上门通气（按预约时间）", "done" if done else "current" if gas_on else "pending",
                          gas_on.created_at if gas_on else None))  # fmt: skip
    manager = db.session.scalar(select(User).where(User.username == case["manager"])) if case.get("manager") else None
    return Progress(
        application_no=case.get("application_no") or instance.business_key or "",
        status="已通气" if done else ("不具备供气条件，已办结" if instance.status == "completed" else
                                       STATUS.get(instance.status, instance.status)),
        customer_class=f"{case.get('customer_class')} {CLASSES.get(case.get('customer_class'), '')}",
        path=PATHS.get(path, path),
        branch=case.get("branch", ""),
        manager_name=manager.display_name if manager else None,
        work_phone=case.get("work_phone"),
        gas_on_at=datetime.fromisoformat(case["gas_on_at"]) if case.get("gas_on_at") else None,
        steps=steps,
        waiting=waiting,
    )  # fmt: skip


@dataclass(frozen=True)
class Lookup:
    progress: Progress | None  # None: no application with those digits (the same answer for both cases)
    throttled: bool = False


@writes
def public_lookup(application_no: str, last4: str, client: str) -> Lookup:
    """Nothing without the right digits. Every lookup is logged, the refused ones too."""
    application_no = (application_no or "").strip().upper()[:32]
    last4 = (last4 or "").strip()
    client = (client or "unknown")[:64]
    now = clock.now()
    recent = db.session.scalar(
        select(func.count()).select_from(ConnectionLookup)
        .where(ConnectionLookup.client == client, ConnectionLookup.at > now - timedelta(minutes=10))
    )  # fmt: skip
    failures = db.session.scalar(
        select(func.count()).select_from(ConnectionLookup)
        .where(ConnectionLookup.application_no == application_no, ConnectionLookup.found.is_(False),
               ConnectionLookup.at > now - timedelta(hours=1))
    )  # fmt: skip
    throttled = (recent or 0) >= LOOKUPS_PER_CLIENT or (failures or 0) >= FAILURES_PER_APPLICATION
    instance = None
    if not throttled and NUMBER.match(application_no) and re.fullmatch(r"\d{4}", last4):
        instance = db.session.scalar(
            select(ProcessInstance).where(ProcessInstance.process_key == PROCESS,
                                          ProcessInstance.business_key == application_no)
        )  # fmt: skip
    found = instance is not None and str(instances.case_data(instance).get("phone", "")).endswith(last4)
    db.session.add(ConnectionLookup(at=now, client=client, application_no=application_no, found=found))
    if throttled:
        return Lookup(None, True)
    return Lookup(of_instance(instance) if found else None)
