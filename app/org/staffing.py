"""Which candidate groups have people (issue 11): a lane that resolves to nobody is refused at deploy, and a task whose
group has lost its people since is shown to heads and administrators as 无人办理 (unstaffed) so they can reassign it."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Unit, User, UserRole
from app.org.groups import BOUND_LANES, BRANCH_LANE, HEAD_LANE, OWNER_LANE


def staffed_groups() -> frozenset[str]:
    """Every candidate group at least one active user belongs to (the same groups as ``groups.groups_of``)."""
    active = select(User.id).where(User.active.is_(True))
    units = db.session.execute(
        select(Unit.name, Unit.kind).join(User, User.unit_id == Unit.id).where(User.id.in_(active)).distinct()
    ).all()
    groups = {name for name, _ in units}
    if any(kind == "branch" for _, kind in units):
        groups.add(BRANCH_LANE)
    head_units = db.session.scalars(
        select(Unit.name)
        .join(User, User.unit_id == Unit.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == "head")
        .distinct()
    ).all()
    if head_units:
        groups.add(HEAD_LANE)
        groups.update(f"{HEAD_LANE}@{name}" for name in head_units)
    owners = select(UserRole.id).join(User, User.id == UserRole.user_id)
    if db.session.scalar(owners.where(UserRole.role == "process_owner", User.active.is_(True)).limit(1)):
        groups.add(OWNER_LANE)
    return frozenset(groups)


def lane_problem(lane: str, staffed: frozenset[str] | None = None) -> tuple[str, str] | None:
    """Why tasks of this lane would reach nobody, with the fix — or None. Bound lanes (分公司, 责任单位, 部门负责人)
    name a unit only once a case runs; they are resolved then (an empty one shows as 无人办理)."""
    if lane in BOUND_LANES:
        return None
    staffed = staffed if staffed is not None else staffed_groups()
    if lane in staffed:
        return None
    if lane == OWNER_LANE:
        return "没有在职的流程负责人，此泳道的任务无人可办", "先为至少一名用户授予“流程负责人”角色，再部署"
    if db.session.scalar(select(Unit.id).where(Unit.name == lane)) is None:
        bound = "、".join(BOUND_LANES)
        return (f"泳道“{lane}”不是任何单位，此泳道的任务无人可办",
                f"把泳道名改为单位名称（见“用户与单位”），或用 {bound} 按案件确定单位")  # fmt: skip
    return f"单位“{lane}”没有在职人员，此泳道的任务无人可办", f"先在“用户与单位”中为“{lane}”添加人员，再部署"
