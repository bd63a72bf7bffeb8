"""Users, units, passwords and API tokens (issue 2 §7)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from threading import Lock
from time import monotonic

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app import clock
from app.core.errors import Invalid, NotFound, Unauthenticated
from app.core.tx import writes
from app.extensions import db
from app.models import ROLES, Unit, User, UserRole


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@writes
def ensure_unit(name: str, kind: str = "department", district: str | None = None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name, kind=kind, district=district)
        db.session.add(unit)
        db.session.flush()
    return unit


@writes
def add_user(
    username: str,
    password: str,
    unit_name: str,
    roles: list[str],
    display_name: str | None = None,
    superior: str | None = None,
) -> User:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise Invalid(f"未知角色 {sorted(unknown)}；可选：{', '.join(ROLES)}")
    if len(password) < 8:
        raise Invalid("密码至少 8 位 (password must have at least 8 characters)")
    unit = db.session.scalar(select(Unit).where(Unit.name == unit_name))
    if unit is None:
        raise NotFound(f"单位“{unit_name}”不存在 (unknown unit)")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"用户名 {username} 已存在 (username taken)")
    superior_id = None
    if superior:
        superior_id = db.session.scalar(select(User.id).where(User.username == superior))
        if superior_id is None:
            raise NotFound(f"上级 {superior} 不存在 (unknown superior)")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password, method=current_app.config["GASFLOW"].password_hash_method),
        unit=unit,
        superior_id=superior_id,
        created_at=clock.now(),
        role_rows=[UserRole(role=r) for r in sorted(set(roles) or {"staff"})],
    )
    db.session.add(user)
    db.session.flush()
    return user


SYSTEMS_UNIT = "外部系统"


@writes
def add_system(name: str, display_name: str) -> User:
    """Another system's API client (issue 13, item 4): a token, no password, no roles; diagrams name it as
    ``system:<name>`` where it may start a process or send a message (e.g. system:billing for payment_received)."""
    if db.session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Invalid(f"用户名 {name} 已存在 (username taken)")
    unit = ensure_unit(SYSTEMS_UNIT, "system")
    user = User(username=name, display_name=display_name, password_hash="!", unit=unit, kind="system",
                created_at=clock.now(), role_rows=[])  # fmt: skip
    db.session.add(user)
    db.session.flush()
    return user


@writes
def issue_token(username: str) -> str:
    """A new bearer token for the user; the old one stops working. Only its hash is stored."""
    user = get_by_username(username)
    token = secrets.token_urlsafe(32)
    user.token_hash = _token_hash(token)
    user.token_created_at, user.token_last_used_at = clock.now(), None
    forget_tokens()  # the old token must stop working now, not after the cache runs out
    return token


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    kind: str
    district: str | None


@dataclass(frozen=True)
class Principal:
    """Who is calling, as a plain value: what services need of a user (id, name, unit, roles) without lazy loads."""

    id: int
    username: str
    display_name: str
    unit: UnitRef
    roles: frozenset[str]
    superior_id: int | None
    active: bool = True
    kind: str = "person"

    @property
    def unit_id(self) -> int:
        return self.unit.id

    @classmethod
    def of(cls, user: User) -> Principal:
        unit = UnitRef(user.unit.id, user.unit.name, user.unit.kind, user.unit.district)
        return cls(user.id, user.username, user.display_name, unit, user.roles, user.superior_id, user.active,
                   user.kind or "person")  # fmt: skip


# Bearer tokens resolved in the last few seconds: API clients call in bursts, and a token check per request would be
# two queries. A revoked token or deactivated user is refused again within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 5.0
_token_cache: dict[str, tuple[float, Principal]] = {}
_token_lock = Lock()


def user_for_token(token: str) -> Principal:
    digest = _token_hash(token)
    now = monotonic()
    with _token_lock:
        hit = _token_cache.get(digest)
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    user = db.session.scalar(select(User).where(User.token_hash == digest))
    if user is None or not user.active:
        with _token_lock:
            _token_cache.pop(digest, None)
        raise Unauthenticated("令牌无效或已停用 (invalid or revoked token)")
    principal = Principal.of(user)
    last = user.token_last_used_at
    if last is None or clock.now() - clock.ensure_aware(last) >= TOKEN_USE_GRANULARITY:
        _note_token_use(user.id)
    with _token_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[digest] = (now, principal)
    return principal


# "Last used" on the admin page is kept to the minute: an API burst writes it once, not once per request.
TOKEN_USE_GRANULARITY = timedelta(minutes=1)


@writes
def _note_token_use(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(token_last_used_at=clock.now()))


def forget_tokens() -> None:
    with _token_lock:
        _token_cache.clear()


def get_by_username(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在 (unknown user)")
    return user


def get(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.unit_id, User.username)))
