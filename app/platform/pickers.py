"""Fields that name a unit, a user or a customer (issue 11): what a form's ``x-ui`` hint asks for, what the picker
offers, and the server-side check that a picked value exists (never free text).

A form author writes, on a JSON-Schema property (on an array of usernames: on the array or on its ``items``)::

    "x-ui": {"widget": "unit-picker", "unitKind": "branch"}          value: the unit's name
    "x-ui": {"widget": "user-picker", "unitFrom": "responsible_unit", "role": "head"}   value: a username
    "x-ui": {"widget": "customer-picker"}                              value: the account number (户号)
    "x-ui": {"widget": "place-picker"}     value: a district, street or estate of the archive ("利州区/嘉陵街道/滨江花园")

and ``"prefill": "<dotted path in the case data>"`` (or a list of paths, the first one set wins) on any field.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app.core.data_paths import value_at
from app.core.errors import Invalid
from app.customers import search as customer_search
from app.extensions import db
from app.models import ROLES, Customer, Unit, User, UserRole
from app.org.units import UNIT_KINDS

WIDGETS = {"unit-picker": "unit", "user-picker": "user", "customer-picker": "customer", "place-picker": "place"}
PLACE_SEPARATOR = "/"  # district/street/estate, as the archive splits an address (S24.5: an outage's area)
OPTION_LIMIT = 20


@dataclass(frozen=True)
class Picker:
    kind: str  # unit, user, customer
    multiple: bool = False
    unit_kind: str | None = None  # unit-picker: only units of this kind
    role: str | None = None  # user-picker: only users holding this role
    unit_from: str | None = None  # user-picker: a field of the form or a case-data path holding a unit name


def _ui(prop: dict) -> dict:
    hint = prop.get("x-ui") if isinstance(prop, dict) else None
    return hint if isinstance(hint, dict) else {}


def picker_of(prop: dict) -> Picker | None:
    """The picker a property asks for, or None for an ordinary field."""
    multiple = prop.get("type") == "array"
    hint = _ui(prop) if _ui(prop).get("widget") in WIDGETS else _ui(prop.get("items", {})) if multiple else {}
    kind = WIDGETS.get(hint.get("widget"))
    if kind is None:
        return None
    return Picker(kind, multiple, hint.get("unitKind"), hint.get("role"), hint.get("unitFrom"))


def prefill_paths(prop: dict) -> list[str]:
    raw = prop.get("prefill")
    paths = raw if isinstance(raw, list) else [raw]
    return [p for p in paths if isinstance(p, str) and p]


def prefilled(schema: dict, values: dict, case: dict) -> dict:
    """``values`` with every empty field that names a ``prefill`` path filled from the case data."""
    result = dict(values)
    for name, prop in schema.get("properties", {}).items():
        if result.get(name) not in (None, "", []):
            continue
        for path in prefill_paths(prop):
            found = value_at(case, path)
            if found not in (None, "", []):
                result[name] = found
                break
    return result


# --- what the pickers offer -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def unit_options(q: str = "", unit_kind: str | None = None, limit: int = OPTION_LIMIT) -> list[Option]:
    stmt = select(Unit).order_by(Unit.kind, Unit.id)
    if unit_kind:
        stmt = stmt.where(Unit.kind == unit_kind)
    if q:
        stmt = stmt.where(or_(Unit.name.like(_like(q), escape="\\"), Unit.district.like(_like(q), escape="\\")))
    return [Option(u.name, u.name, UNIT_KINDS.get(u.kind, u.kind)) for u in db.session.scalars(stmt.limit(limit))]


def user_options(
    q: str = "", unit: str | None = None, role: str | None = None, limit: int = OPTION_LIMIT
) -> list[Option]:
    """Active users; with ``unit``, that unit's people first (only them until something is typed)."""
    stmt = select(User).join(Unit, User.unit_id == Unit.id).where(User.active.is_(True))
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if q:
        like = _like(q)
        stmt = stmt.where(or_(User.username.like(like, escape="\\"), User.display_name.like(like, escape="\\")))
    if unit and not q:
        stmt = stmt.where(Unit.name == unit)
    own_unit_first = (Unit.name != unit) if unit else Unit.id
    found = db.session.scalars(stmt.order_by(own_unit_first, Unit.id, User.username).limit(limit))
    return [Option(u.username, f"{u.display_name}（{u.username}）", u.unit.name) for u in found]


def customer_options(q: str, viewer: User | None = None, limit: int = OPTION_LIMIT) -> tuple[list[Option], str]:
    """Customers by phone (its last 4 digits or the whole number), account or name; masked as every list is (S21.4).
    (options, hint)"""
    if not q:
        return [], "输入电话后 4 位或完整号码、户号或姓名查找"
    try:
        found = customer_search.search(customer_search.CustomerQuery(q=q, limit=limit), viewer)
    except Invalid as err:
        return [], err.detail.split(" (")[0]
    options = [
        Option(c.account_no, f"{c.name}（{c.account_no}）", f"{'、'.join(c.phones)} · {c.address} · {c.branch['name']}")
        for c in found.records
    ]
    hint = "结果较多，请输入更多内容缩小范围" if found.has_more else "" if options else f"档案中没有找到“{q}”"
    return options, hint


def place_parts(value: str) -> list[str]:
    return [p.strip() for p in str(value).split(PLACE_SEPARATOR) if p.strip()][:3]


def place_options(q: str, limit: int = OPTION_LIMIT) -> list[Option]:
    """Districts, streets and estates of the customer archive whose name contains ``q``, widest first, each with how
    many customers it holds (what an outage's area is picked from, S24.5)."""
    columns = (Customer.district, Customer.street, Customer.estate)
    options: list[Option] = []
    for depth in (1, 2, 3):
        if len(options) >= limit:
            break
        keys = columns[:depth]
        stmt = select(*keys, func.count()).group_by(*keys).order_by(*keys).limit(limit - len(options))
        if q:
            stmt = stmt.where(columns[depth - 1].like(_like(q), escape="\\"))
        for row in db.session.execute(stmt):
            parts = [p for p in row[:depth] if p]
            if len(parts) == depth:
                kind = ("区县", "街道", "小区")[depth - 1]
                options.append(Option(PLACE_SEPARATOR.join(parts), " ".join(parts), f"{kind} · {row[-1]:,} 户"))
    return options


def labels(picker: Picker, values: list[str]) -> dict[str, str]:
    """How the picker shows values already chosen (a username as its person's name, an account with its holder)."""
    wanted = [v for v in values if isinstance(v, str) and v]
    if not wanted:
        return {}
    if picker.kind == "user":
        rows = db.session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
        return {username: f"{name}（{username}）" for username, name in rows}
    if picker.kind == "customer":
        rows = db.session.execute(select(Customer.account_no, Customer.name).where(Customer.account_no.in_(wanted)))
        return {account: f"{name}（{account}）" for account, name in rows}
    if picker.kind == "place":
        return {v: " ".join(place_parts(v)) for v in wanted}
    return {v: v for v in wanted}


# --- the server-side check -------------------------------------------------------------------------------------------


def _unit_problem(name: str, picker: Picker) -> str | None:
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        return f"单位“{name}”不存在，请从列表中选择"
    if picker.unit_kind and unit.kind != picker.unit_kind:
        return f"“{name}”不是{UNIT_KINDS.get(picker.unit_kind, picker.unit_kind)}，请从列表中选择"
    return None


def _user_problem(username: str, picker: Picker) -> str | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        return f"用户“{username}”不存在，请从列表中选择"
    if not user.active:
        return f"{user.display_name}（{username}）已停用，请选择在职人员"
    if picker.role and picker.role not in user.roles:
        return f"{user.display_name}不是{ROLES.get(picker.role, picker.role)}，请从列表中选择"
    return None


def _customer_problem(account: str, _picker: Picker) -> str | None:
    found = db.session.scalar(select(func.count()).select_from(Customer).where(Customer.account_no == account))
    return None if found else f"户号“{account}”不在客户档案中，请从档案中查找选择"


def _place_problem(value: str, _picker: Picker) -> str | None:
    parts = place_parts(value)
    columns = (Customer.district, Customer.street, Customer.estate)
    stmt = select(Customer.id).where(*(c == p for c, p in zip(columns, parts, strict=False))).limit(1)
    if parts and db.session.scalar(stmt) is not None:
        return None
    return f"“{' '.join(parts) or value}”不是客户档案中的区县、街道或小区，请从列表中选择"


_CHECKS = {"unit": _unit_problem, "user": _user_problem, "customer": _customer_problem, "place": _place_problem}


def problems(schema: dict, data: dict, prefix: str = "", skip: frozenset[str] = frozenset()) -> list[dict]:
    """Every picked value that names no unit / user / customer (nested objects included), as form problems.
    ``skip``: fields that already failed the schema (one message per field is enough)."""
    found: list[dict] = []
    if not isinstance(data, dict):
        return found
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        value = data.get(name)
        if path in skip or value in (None, "", []) or not isinstance(prop, dict):
            continue
        if prop.get("type") == "object":
            found += problems(prop, value, f"{path}.", skip)
            continue
        picker = picker_of(prop)
        if picker is None:
            continue
        picked = value if isinstance(value, list) else [value]
        for one in picked:
            problem = _CHECKS[picker.kind](str(one), picker) if isinstance(one, str) else None
            if problem:
                found.append({"field": path, "message": f"{prop.get('title', name)}：{problem}", "detail": problem})
                break
    return found
