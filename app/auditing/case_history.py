"""A case's history with substance (issue 15 §2): each event with who, when (Beijing time), what was entered (phones
and ID numbers masked per S21.4 unless the auditor asks to see them — then the view is logged against the case's
customer), the clock value the step ran at, the script-function calls it recorded (e.g. the deadline computed), the
state digest, and whether its keyed hash holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.core.data_paths import value_at
from app.core.errors import NotFound
from app.core.tx import writes
from app.customers import masking, records
from app.extensions import db
from app.models import Customer, ProcessDefinition, ProcessInstance, User
from app.platform import case_view, history, instances
from app.platform.history_keys import keyring

SENSITIVE = ("phone", "mobile", "id_number", "idcard", "id_card")
CUSTOMER_KEYS = ("account_no", "customer.account_no", "complainant.account_no")


def _sensitive(key: str) -> bool:
    return any(word in key.lower() for word in SENSITIVE)


def masked(value, key: str = ""):
    """Phones and ID numbers masked (138****5678) anywhere in a payload; everything else as recorded."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if isinstance(value, str | int) and not isinstance(value, bool) and _sensitive(key):
        return masking.mask(str(value))
    return value


@dataclass(frozen=True)
class Entry:
    seq: int
    kind: str
    label: str
    actor: str
    at: datetime
    task_id: str | None
    entered: dict | None
    calls: list[dict] = field(default_factory=list)
    other: dict = field(default_factory=dict)
    state_digest: str | None = None
    hash: str = ""
    key_id: str | None = None
    keyed_ok: bool = False


ENTERED = {"started": "data", "task_completed": "data", "message_received": "payload"}


def entries(instance: ProcessInstance, unmasked: bool) -> list[Entry]:
    events = history.events_of(instance.id)
    names = dict(
        db.session.execute(
            select(User.username, User.display_name).where(User.username.in_({e.actor for e in events}))
        ).all()
    )
    ring = keyring()
    result = []
    for ev in events:
        payload = json.loads(ev.payload_json)
        entered = payload.pop(ENTERED[ev.kind], None) if ev.kind in ENTERED else None
        calls = payload.pop("calls", [])
        show = (lambda v: v) if unmasked else masked
        result.append(
            Entry(
                ev.seq,
                ev.kind,
                case_view.EVENT_LABELS.get(ev.kind, ev.kind),
                "系统" if ev.actor in {"system", "scheduler"} else f"{names.get(ev.actor, ev.actor)}（{ev.actor}）",
                ev.at,
                ev.task_id,
                show(entered) if entered is not None else None,
                show(calls),
                show(payload),
                ev.state_digest,
                ev.hash,
                ev.key_id,
                ring.check(ev.hash, ev.key_id, ev.mac),
            )  # fmt: skip
        )
    return result


def customer_of(instance: ProcessInstance) -> Customer | None:
    data = instances.case_data(instance)
    for path in CUSTOMER_KEYS:
        account = value_at(data, path)
        if isinstance(account, str) and account:
            return db.session.scalar(select(Customer).where(Customer.account_no == account.strip().upper()))
    return None


@writes
def log_unmasked(viewer: User, instance_id: int) -> None:
    """S21.4: an auditor saw the case's data unmasked; logged against its customer (when the case names one)."""
    instance = db.session.get(ProcessInstance, instance_id)
    customer = customer_of(instance)
    records.log_view(viewer, customer, "case", f"案件 {instance.business_key or instance_id} 历史明文", instance_id)


def definition_xml(definition_id: int) -> str:
    """The exact diagram version an event ran on (the replay page draws each frame on its own version)."""
    row = db.session.get(ProcessDefinition, definition_id)
    if row is None:
        raise NotFound(f"流程定义 {definition_id} 不存在 (unknown definition)")
    return row.xml
