"""Connection applications (S5 一窗受理, M7.1 代办, online with an SMS-verified phone): the one start use case of
processes/gas_connection.bpmn. The counter page, POST /api/v1/connections and the public form all come here; the
public form starts the case as the system client ``online_hall`` (网上营业厅) once the phone's code is verified,
never as an anonymous user.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app import clock
from app.connection import codes, managers
from app.core.errors import Invalid, NotFound, Unavailable
from app.core.tx import writes
from app.customers import records as customers
from app.extensions import db
from app.models import ProcessInstance, Unit, User
from app.platform import forms, instances, outbox

PROCESS = "gas_connection"
ONLINE_CLIENT = "online_hall"
STAFF_CHANNELS = ("counter", "proxy")


@dataclass(frozen=True)
class Application:
    instance_id: int
    application_no: str


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{message} ({field})", errors=[{"field": field, "message": message}])


def new_application_no() -> str:
    """BZ (报装) + the Beijing date + six random digits, unique among business keys."""
    day = clock.to_local(clock.now()).strftime("%Y%m%d")
    while True:
        candidate = f"BZ{day}{secrets.randbelow(1_000_000):06d}"
        if db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == candidate)) is None:
            return candidate


def _branch(name: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.name == name, Unit.kind == "branch"))
    if unit is None:
        raise _problem("branch", f"“{name}”不是主营分公司，请从列表中选择")
    return unit


def _normalised(payload: dict) -> dict:
    data = {key: value for key, value in payload.items() if value not in ("", None)}
    data.setdefault("small_enterprise", False)
    data.setdefault("documents_brought", [])
    for key in ("proxy_manager", "account_no", "room"):
        data.setdefault(key, None if key != "room" else "")
    if data["small_enterprise"] and not data["customer_class"].startswith("A"):
        raise _problem("small_enterprise", "小型企业快速报装只适用于非居民（A 类）客户（S18.3）")
    if data.get("account_no"):
        try:
            data["account_no"] = customers.by_account(data["account_no"]).account_no
        except NotFound:
            raise _problem("account_no", f"户号 {data['account_no']} 不存在") from None
    return data


def _start(data: dict, user: User) -> Application:
    number = new_application_no()
    data = {**data, "application_no": number, "received_at": clock.now().isoformat()}
    instance = instances.start(PROCESS, data, user, business_key=number, via_intake=True)
    # S5: the customer gets the number that the public progress page asks for.
    outbox.enqueue(
        outbox.Message(
            key=f"connection:{number}:received", kind="connection_received", recipient=data["phone"],
            text=f"【广元燃气】您的用气报装申请已受理，申请编号 {number}。可凭申请编号和手机号后四位查询办理进度。",
            params={"application_no": number}, instance_id=instance.id,
        )
    )  # fmt: skip
    return Application(instance.id, number)


@writes
def apply(payload: dict, user: User) -> Application:
    """At the counter or by a customer manager on the customer's behalf (代办, M7.1)."""
    forms.require_valid(PROCESS, "start", payload, "报装申请")
    data = _normalised(payload)
    if data["channel"] not in STAFF_CHANNELS:
        raise _problem("channel", "网上申请须由客户在网上营业厅提交并经短信验证")
    _branch(data["branch"])
    if data["channel"] == "proxy":
        if not data.get("proxy_manager") and managers.ROLE in user.roles:
            data["proxy_manager"] = user.username
        if not data.get("proxy_manager"):
            raise _problem("proxy_manager", "代办须填写代办客户经理")
    if data.get("proxy_manager"):
        manager = managers.require_manager(data["proxy_manager"], "proxy_manager")
        if manager.unit.name != data["branch"]:
            raise _problem("proxy_manager", f"{manager.display_name}不是{data['branch']}的客户经理")
    return _start(data, user)


def apply_online(payload: dict, code: str, client: str) -> Application:
    """The public form: checked first, then the phone's SMS code (codes.check, its own transaction so a wrong try
    counts), then the case, opened by the online hall's system client."""
    data = {**payload, "channel": "online"}
    data.pop("proxy_manager", None)
    data.pop("account_no", None)
    forms.require_valid(PROCESS, "start", data, "报装申请")
    data = _normalised(data)
    _branch(data["branch"])
    if not codes.check(data["phone"], code):
        raise _problem("code", codes.WRONG)
    return _open_online(data)


@writes
def _open_online(data: dict) -> Application:
    hall = db.session.scalar(select(User).where(User.username == ONLINE_CLIENT, User.kind == "system"))
    if hall is None:
        raise Unavailable("网上申请暂不可用，请到营业厅办理 (the online_hall system client is not set up)")
    return _start(data, hall)


def from_start_page(payload: dict, user: User) -> tuple[int, None]:
    return apply(payload, user).instance_id, None


def branches() -> list[str]:
    """The branch companies an application may go to (the public form lists them; staff use the unit picker)."""
    return list(db.session.scalars(select(Unit.name).where(Unit.kind == "branch").order_by(Unit.id)))
