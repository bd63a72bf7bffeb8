"""Who may start a process and who may send a message to one (issue 13, item 4).

The diagram says it, not the platform:
- the process property ``startableBy`` and, on each ``bpmn:message``, the property ``sentBy``: a comma-separated list
  of a role (``staff``, ``head``, ``process_owner``, ``auditor``, ``admin``), ``unit:<unit name>`` (people of that
  unit), or ``system:<name>`` (the API client of that named system, e.g. ``system:billing``, a user of kind
  ``system`` with its own token and no roles). Every deployed process and message must name them (deploy refuses it
  otherwise).
- a business area may give a process its own intake contract (``registry.intake``, e.g. the complaint via
  POST /api/v1/complaints): such a process is then started only through it, never through the generic start.

Starts made by the system itself (a scheduled job, user None) are the platform's own and not checked here.
"""

from __future__ import annotations

from app import engine
from app.core.errors import Forbidden, Invalid
from app.core.registry import registry
from app.models import ROLES, User

START_PROPERTY = "startableBy"
SEND_PROPERTY = "sentBy"
SYSTEM = "system"


def entries(value: str | None) -> list[str]:
    return [e.strip() for e in (value or "").split(",") if e.strip()]


def entry_problems(value: str | None, what: str) -> list[str]:
    """Why a startableBy/sentBy value is not usable (empty list: it is)."""
    found = entries(value)
    if not found:
        return [f"须声明{what}（如 staff 或 system:billing）(names no one: declare who may)"]
    bad = [
        e for e in found
        if e not in ROLES and not (e.startswith(("system:", "unit:")) and len(e.split(":", 1)[1].strip()) > 0)
    ]  # fmt: skip
    return [f"无法识别 {', '.join(bad)}：应为角色、unit:单位名 或 system:系统名 (unknown entries)"] if bad else []


def allows(value: str | None, user: User) -> bool:
    kind = getattr(user, "kind", "person") or "person"
    for entry in entries(value):
        if entry.startswith("system:"):
            if kind == SYSTEM and user.username == entry.split(":", 1)[1].strip():
                return True
        elif kind == SYSTEM:
            continue  # a system's token never stands for a person, a role or a unit
        elif entry.startswith("unit:"):
            if user.unit.name == entry.split(":", 1)[1].strip():
                return True
        elif entry in user.roles:
            return True
    return False


def deploy_problems(properties: dict[str, str], messages: list[tuple[str, dict[str, str]]]) -> list[tuple[str, str]]:
    """(where, why) per missing or unusable startableBy / sentBy: where is "" for the process, else the message name."""
    problems = [
        ("", f"流程属性 {START_PROPERTY} {p}") for p in entry_problems(properties.get(START_PROPERTY), "谁可以发起")
    ]
    for name, props in messages:
        problems += [(name, f"消息 {name} 的属性 {SEND_PROPERTY} {p}") for p in entry_problems(props.get(SEND_PROPERTY),
                                                                                          "谁可以发送")]  # fmt: skip
    return problems


def require_may_start(process_key: str, definition: engine.Definition, user: User | None, via_intake: bool) -> None:
    if user is None:
        return  # the system's own start (a scheduled job)
    intake = registry().intakes.get(process_key)
    if intake is not None and not via_intake:
        raise Forbidden(
            f"“{definition.name}”只能通过其受理接口发起：{intake} (this process has its own intake: {intake})"
        )
    allowed = definition.properties.get(START_PROPERTY)
    if not allows(allowed, user):
        raise Forbidden(
            f"您无权发起“{definition.name}”，可发起者：{allowed or '无'} (not allowed to start this process; startableBy: "
            f"{allowed or 'nobody'})"
        )


def require_may_send(name: str, declared: list[str | None], user: User | None) -> None:
    """A message from outside (POST /api/v1/messages): its sender must be one the diagrams taking it name
    (``declared``: the sentBy of each deployed process that has a message of that name)."""
    if user is None:
        return
    if not declared:
        raise Invalid(f"没有流程接收消息 {name} (no deployed process takes a message of that name)")
    if not any(allows(value, user) for value in declared):
        raise Forbidden(
            f"您无权发送消息 {name}，可发送者：{'; '.join(v or '无' for v in declared)} "
            f"(not allowed to send this message; sentBy: {'; '.join(v or 'nobody' for v in declared)})"
        )
