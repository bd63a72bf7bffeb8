"""Who may work a task: lanes name candidate groups; users belong to groups through their unit and roles.

A lane is named after a unit (客服中心, 纪检监审法务部 ...) or after a role bound to the case's branch:
- lane 分公司 -> the branch named in the case data (field ``branch``), else any branch company;
- lane 部门负责人 -> the department head of that branch (S24.6, C15.1 sign-offs), else any department head.
"""

from __future__ import annotations

from app.models import User

BRANCH_LANE = "分公司"
HEAD_LANE = "部门负责人"


def candidate_group(lane: str | None, case_data: dict) -> str | None:
    if not lane:
        return None
    branch = case_data.get("branch") if isinstance(case_data.get("branch"), str) else None
    if lane == BRANCH_LANE:
        return branch or BRANCH_LANE
    if lane == HEAD_LANE:
        return f"{HEAD_LANE}@{branch}" if branch else HEAD_LANE
    return lane


def groups_of(user: User) -> frozenset[str]:
    unit = user.unit
    groups = {unit.name}
    if unit.kind == "branch":
        groups.add(BRANCH_LANE)
    if "head" in user.roles:
        groups.update({HEAD_LANE, f"{HEAD_LANE}@{unit.name}"})
    return frozenset(groups)
