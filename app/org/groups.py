"""Who may work a task: lanes name candidate groups; users belong to groups through their unit and roles.

A lane is named after a unit (客服中心, 纪检监审法务部, 监督委员会 ...) or after a role bound to the case:
- lane 分公司 -> the branch named in the case data (field ``branch``), else any branch company;
- lane 责任单位 -> the unit named in ``responsible_unit`` (C5: the unit that investigates and handles a complaint),
  else the branch;
- lane 部门负责人 -> the department head of that unit (sign-offs: S24.6, S24.7, C15.1), else any department head;
- lane 流程负责人 -> every user with the role process_owner (the review of a process change, issue 14).
"""

from __future__ import annotations

from app.models import User

BRANCH_LANE = "分公司"
RESPONSIBLE_LANE = "责任单位"
HEAD_LANE = "部门负责人"
# The responsible leader's office (分管领导): reads the overview and the monthly complaint report (C14.2).
LEADER_UNIT = "分管领导"
OWNER_LANE = "流程负责人"
BOUND_LANES = (BRANCH_LANE, RESPONSIBLE_LANE, HEAD_LANE)


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def candidate_group(lane: str | None, case_data: dict) -> str | None:
    if not lane:
        return None
    branch = _text(case_data, "branch")
    responsible = _text(case_data, "responsible_unit") or branch
    if lane == BRANCH_LANE:
        return branch or BRANCH_LANE
    if lane == RESPONSIBLE_LANE:
        return responsible or RESPONSIBLE_LANE
    if lane == HEAD_LANE:
        return f"{HEAD_LANE}@{responsible}" if responsible else HEAD_LANE
    return lane


def groups_of(user: User) -> frozenset[str]:
    unit = user.unit
    groups = {unit.name}
    if unit.kind == "branch":
        groups.add(BRANCH_LANE)
    if "head" in user.roles:
        groups.update({HEAD_LANE, f"{HEAD_LANE}@{unit.name}"})
    if "process_owner" in user.roles:
        groups.add(OWNER_LANE)
    return frozenset(groups)
