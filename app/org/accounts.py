"""What an administrator does to people's accounts (issue 11): add, disable and enable, reset the password, change
roles and unit, issue and revoke the API token. Each change is one transaction that also writes an ``org_change`` row
(who, when, what); a refused change raises Invalid naming the form field (``field=``) so the page shows the message
beside it. Passwords and tokens are returned once to be shown once, and only their hashes are stored."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import clock
from app.core.errors import Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import ROLES, OrgChange, Unit, User, UserRole
from app.org import users

USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,31}$")
# No 0/O, 1/l/I: a password read aloud or copied from a screen should survive it.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12

ACTIONS = {
    "add": "新增用户",
    "disable": "停用",
    "enable": "启用",
    "password": "重置密码",
    "roles": "修改角色",
    "unit": "调整单位",
    "token": "签发 API 令牌",
    "revoke": "吊销 API 令牌",
}


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: str
    username: str
    action: str
    detail: str

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def _new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["GASFLOW"].password_hash_method)


def _record(actor: User, user: User, action: str, detail: str = "") -> None:
    db.session.add(OrgChange(at=clock.now(), actor_id=actor.id, actor=actor.username, user_id=user.id,
                             action=action, detail=detail[:500]))  # fmt: skip


def _person(username: str) -> User:
    user = users.get_by_username(username)
    if user.kind == "system":
        raise Invalid(f"{username} 是外部系统账户，请用命令行管理 (system clients are managed with the CLI)")
    return user


def _unit(name: str) -> Unit:
    name = (name or "").strip()
    if not name:
        raise Invalid("请选择所属单位：在框中输入单位名称，再从列表中点选 (unit required)", field="unit")
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    if unit is None or unit.name == users.SYSTEMS_UNIT:
        raise Invalid(f"没有名为“{name}”的单位，请从列表中点选 (unknown unit)", field="unit")
    return unit


def _roles(roles: list[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise Invalid(f"没有这些角色：{'、'.join(unknown)} (unknown roles)", field="roles")
    if not chosen:
        raise Invalid("请至少勾选一个角色；一般工作人员勾选“员工” (at least one role)", field="roles")
    return chosen


def _role_text(roles) -> str:
    return "、".join(label for role, label in ROLES.items() if role in roles) or "无"


@writes
def add(actor: User, username: str, display_name: str, unit_name: str, roles: list[str]) -> tuple[User, str]:
    """A new person with a generated first password (returned once, to hand over)."""
    username, display_name = (username or "").strip(), (display_name or "").strip()
    if not USERNAME.match(username):
        raise Invalid("用户名应为 2–32 位英文字母、数字或 _ . -，以字母开头，例如 lz_wang (bad username)",
                      field="username")  # fmt: skip
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"用户名 {username} 已被占用，请换一个 (username taken)", field="username")
    if not display_name or len(display_name) > 64:
        raise Invalid("请填写姓名（不超过 64 个字），例如 王建国 (display name required)", field="display_name")
    unit = _unit(unit_name)
    chosen = _roles(roles)
    password = _new_password()
    user = User(username=username, display_name=display_name, password_hash=_hash(password), unit=unit,
                created_at=clock.now(), role_rows=[UserRole(role=r) for r in chosen])  # fmt: skip
    db.session.add(user)
    db.session.flush()
    _record(actor, user, "add", f"{display_name}，{unit.name}，角色：{_role_text(chosen)}")
    return user, password


@writes
def set_active(actor: User, username: str, active: bool) -> User:
    user = _person(username)
    if not active and user.id == actor.id:
        raise Invalid("不能停用自己的账户：请另一位管理员操作 (you cannot disable yourself)", field="active")
    if user.active == active:
        return user
    user.active = active
    if not active:
        user.session_version += 1  # signed-in pages stop working at once (app/web/auth.py)
        users.forget_tokens()
    _record(actor, user, "enable" if active else "disable")
    return user


@writes
def reset_password(actor: User, username: str) -> str:
    """A new generated password (returned once); the person's open sessions end."""
    user = _person(username)
    password = _new_password()
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.session_version += 1
    _record(actor, user, "password")
    return password


@writes
def set_roles(actor: User, username: str, roles: list[str]) -> User:
    user = _person(username)
    chosen = _roles(roles)
    if user.id == actor.id and "admin" not in chosen:
        raise Invalid("不能取消自己的管理员角色：请另一位管理员操作 (you cannot remove your own admin role)",
                      field="roles")  # fmt: skip
    before = user.roles
    if set(chosen) == set(before):
        return user
    user.role_rows = [row for row in user.role_rows if row.role in chosen]
    user.role_rows.extend(UserRole(role=r) for r in chosen if r not in before)
    users.forget_tokens()
    _record(actor, user, "roles", f"{_role_text(before)} → {_role_text(chosen)}")
    return user


@writes
def set_unit(actor: User, username: str, unit_name: str) -> User:
    user = _person(username)
    unit = _unit(unit_name)
    if unit.id == user.unit_id:
        return user
    before = user.unit.name
    user.unit = unit
    users.forget_tokens()
    _record(actor, user, "unit", f"{before} → {unit.name}")
    return user


@writes
def issue_token(actor: User, username: str) -> str:
    """A new API token (returned once); the person's previous token stops working."""
    user = users.get_by_username(username)
    replaced = user.token_hash is not None
    token = users.issue_token(username)
    _record(actor, user, "token", "替换了原令牌" if replaced else "")
    return token


@writes
def revoke_token(actor: User, username: str) -> User:
    user = users.get_by_username(username)
    if user.token_hash is None:
        raise Invalid(f"{user.display_name} 没有可吊销的 API 令牌 (no token)", field="token")
    user.token_hash, user.token_created_at, user.token_last_used_at = None, None, None
    users.forget_tokens()
    _record(actor, user, "revoke")
    return user


def changes(username: str | None = None, limit: int = 50) -> list[Change]:
    """The latest changes, newest first; of one person when a username is given."""
    query = select(OrgChange, User.username).join(User, User.id == OrgChange.user_id)
    if username:
        query = query.where(User.username == username)
    rows = db.session.execute(query.order_by(OrgChange.at.desc(), OrgChange.id.desc()).limit(limit)).all()
    return [Change(c.at, c.actor, name, c.action, c.detail) for c, name in rows]


def token_holders() -> list[User]:
    """People and systems holding an API token, with when it was issued and last used."""
    query = select(User).where(User.token_hash.is_not(None)).order_by(User.token_created_at.desc(), User.username)
    return list(db.session.scalars(query))
