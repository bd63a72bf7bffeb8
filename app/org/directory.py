"""The organisation directory: units, staff, and conflict-of-interest declarations (C13.2.5).

C13.2.5: an investigator who is a relative, friend or close colleague of the person complained about, or who has an
interest of their own, steps aside — `conflicted(a, b)` is what the complaint process asks before assigning.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from app import clock
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import CONFLICT_KINDS, ROLES, ConflictDeclaration, Unit, User, UserRole

UNIT_KINDS = {"csc": "客服中心", "branch": "主营分公司", "department": "职能部门"}


class DirectoryLookup:
    """Resolves branch and manager references once per name (an import of 10,000 rows asks a few dozen times)."""

    def __init__(self) -> None:
        self._branches: dict[str, Unit | None] = {}
        self._users: dict[str, User | None] = {}

    def branch(self, ref: str) -> Unit | None:
        """A branch company by its name (苍溪县分公司) or its district (苍溪县)."""
        if ref not in self._branches:
            self._branches[ref] = db.session.scalar(
                select(Unit).where(Unit.kind == "branch", or_(Unit.name == ref, Unit.district == ref)).limit(1)
            )
        return self._branches[ref]

    def user(self, username: str) -> User | None:
        if username not in self._users:
            self._users[username] = db.session.scalar(select(User).where(User.username == username))
        return self._users[username]


def list_units() -> list[tuple[Unit, int]]:
    counts = dict(db.session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).all())
    units = db.session.scalars(select(Unit).order_by(Unit.kind, Unit.id))
    return [(unit, counts.get(unit.id, 0)) for unit in units]


def list_users(unit: str | None = None, role: str | None = None) -> list[User]:
    query = select(User).join(Unit, User.unit_id == Unit.id).order_by(Unit.id, User.username)
    if unit:
        query = query.where(Unit.name == unit)
    if role:
        if role not in ROLES:
            raise Invalid(f"未知角色 {role}；可选：{', '.join(ROLES)} (unknown role)")
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    return list(db.session.scalars(query))


def _user_id(user: User | int) -> int:
    return user if isinstance(user, int) else user.id


def _active_between(a: int, b: int):
    return and_(
        ConflictDeclaration.withdrawn_at.is_(None),
        or_(
            and_(ConflictDeclaration.user_id == a, ConflictDeclaration.other_user_id == b),
            and_(ConflictDeclaration.user_id == b, ConflictDeclaration.other_user_id == a),
        ),
    )


def conflicted(user_a: User | int, user_b: User | int) -> bool:
    """C13.2.5: True when either user has declared a conflict of interest with the other (and not withdrawn it)."""
    a, b = _user_id(user_a), _user_id(user_b)
    if a == b:
        return True  # nobody investigates a complaint about themselves
    return db.session.scalar(select(ConflictDeclaration.id).where(_active_between(a, b)).limit(1)) is not None


@writes
def declare_conflict(
    actor: User, other_username: str, kind: str, reason: str = "", on_behalf_of: str | None = None
) -> ConflictDeclaration:
    """A user declares their own conflict; an administrator may record one for someone else."""
    if kind not in CONFLICT_KINDS:
        choices = "、".join(f"{k} {v}" for k, v in CONFLICT_KINDS.items())
        raise Invalid(f"利益冲突类型“{kind}”无效，应为 {choices} 之一 (unknown conflict kind, C13.2.5)")
    if len(reason) > 200:
        raise Invalid("说明最多 200 字 (reason too long)")
    declarer = actor
    if on_behalf_of and on_behalf_of != actor.username:
        if "admin" not in actor.roles:
            raise Forbidden("只能申报本人的利益冲突 (you may only declare your own conflicts)")
        declarer = _existing_user(on_behalf_of)
    other = _existing_user(other_username)
    if other.id == declarer.id:
        raise Invalid("不能与本人申报利益冲突 (a conflict needs another person)")
    existing = db.session.scalar(select(ConflictDeclaration).where(_active_between(declarer.id, other.id)).limit(1))
    if existing is not None:
        return existing
    row = ConflictDeclaration(
        user_id=declarer.id,
        other_user_id=other.id,
        kind=kind,
        reason=reason.strip(),
        declared_at=clock.now(),
        declared_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


@writes
def withdraw_conflict(actor: User, declaration_id: int) -> ConflictDeclaration:
    row = db.session.get(ConflictDeclaration, declaration_id)
    if row is None:
        raise NotFound(f"利益冲突申报 {declaration_id} 不存在 (unknown declaration)")
    if actor.id != row.user_id and "admin" not in actor.roles:
        raise Forbidden("只能撤回本人的申报 (you may only withdraw your own declarations)")
    if row.withdrawn_at is None:
        row.withdrawn_at = clock.now()
    return row


def list_conflicts(viewer: User, include_withdrawn: bool = False) -> list[ConflictDeclaration]:
    """Everyone sees the declarations that involve them; auditors and administrators see all."""
    query = select(ConflictDeclaration).order_by(ConflictDeclaration.declared_at.desc(), ConflictDeclaration.id)
    if not {"auditor", "admin"} & viewer.roles:
        query = query.where(
            or_(ConflictDeclaration.user_id == viewer.id, ConflictDeclaration.other_user_id == viewer.id)
        )
    if not include_withdrawn:
        query = query.where(ConflictDeclaration.withdrawn_at.is_(None))
    return list(db.session.scalars(query))


def _existing_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在 (unknown user)")
    return user
