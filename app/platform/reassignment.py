"""Heads and administrators move open tasks (issue 11): reassign any open task of their unit to a person or another
group, with a reason kept in the history; and see the tasks whose group has nobody in it any more (无人办理).

Whose tasks a head may move: those of their unit's groups (the unit, its 部门负责人 group, 分公司 for a branch's
head), those of cases their unit works (the case's 责任单位 or branch), and — for the head of 客服中心, which
oversees every complaint and disconnection (C4, S24.8) — every task that reaches nobody.
"""

from __future__ import annotations

from sqlalchemy import Select, false, select, update

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import CaseIndex, HumanTask, Unit, User
from app.org import access, staffing, users
from app.org.groups import BRANCH_LANE, HEAD_LANE, groups_of
from app.platform import tasks
from app.platform.history import NewEvent, append

MAX_REASON = 500


def _unit_groups(user: User) -> list[str]:
    unit = user.unit
    groups = [unit.name, f"{HEAD_LANE}@{unit.name}"]
    if unit.kind == "branch":
        groups.append(BRANCH_LANE)
    return groups


def _of_my_unit(user: User):
    """Open tasks a head may move: their unit's groups, or cases their unit works."""
    cases_of_unit = select(CaseIndex.instance_id).where(CaseIndex.unit == user.unit.name)
    return HumanTask.candidate_group.in_(_unit_groups(user)) | HumanTask.instance_id.in_(cases_of_unit)


def oversees(user: User) -> bool:
    return "admin" in user.roles or "head" in user.roles


def unstaffed(user: User) -> Select:
    """Open, unclaimed tasks whose candidate group has no active member now, within what ``user`` oversees."""
    stmt = select(HumanTask).where(
        HumanTask.state == tasks.READY,
        HumanTask.assignee_id.is_(None),
        HumanTask.candidate_group.not_in(sorted(staffing.staffed_groups())),
    )
    if "admin" in user.roles:
        return stmt
    if "head" not in user.roles:
        return stmt.where(false())
    if user.unit.kind == "csc":
        return stmt
    return stmt.where(_of_my_unit(user))


def may_reassign(task: HumanTask, user: User) -> bool:
    if task.state != "ready":
        return False
    if "admin" in user.roles:
        return True
    if "head" not in user.roles:
        return False
    if task.candidate_group in _unit_groups(user):
        return True
    if user.unit.kind == "csc" and task.candidate_group not in staffing.staffed_groups():
        return True
    unit_of_case = db.session.scalar(select(CaseIndex.unit).where(CaseIndex.instance_id == task.instance_id))
    return unit_of_case == user.unit.name


def _target_group(name: str) -> str:
    if db.session.scalar(select(Unit.id).where(Unit.name == name)) is None:
        raise Invalid(f"单位“{name}”不存在 (unknown unit)", errors=[{"field": "to_group", "message": "单位不存在"}])
    if name not in staffing.staffed_groups():
        message = f"单位“{name}”没有在职人员，改派过去仍无人办理"
        raise Invalid(f"{message} (that unit has nobody)", errors=[{"field": "to_group", "message": message}])
    return name


@writes
def reassign(
    task_id: str, user: User, reason: str, to_user: str | None = None, to_group: str | None = None
) -> HumanTask:
    """Move an open task to a person (it becomes theirs; the group follows them if they are not in it) or to another
    group (unclaimed there). A "reassigned" event records who, from where, to where and why."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            "请填写改派原因 (a reason is required)", errors=[{"field": "reason", "message": "请填写改派原因"}]
        )
    if len(reason) > MAX_REASON:
        message = f"改派原因最多 {MAX_REASON} 字"
        raise Invalid(f"{message} (reason too long)", errors=[{"field": "reason", "message": message}])
    if bool(to_user) == bool(to_group):
        message = "请选择改派给一个人或一个单位（二选一）"
        raise Invalid(f"{message} (to_user or to_group)", errors=[{"field": "to_user", "message": message}])
    task = db.session.get(HumanTask, task_id, populate_existing=True)
    if task is None or task.state != "ready":
        raise Conflict("任务已办结或已取消，无需改派 (task is no longer open)")
    if not may_reassign(task, user):
        raise Forbidden("只有本单位部门负责人或管理员可以改派此任务 (only the unit's head or an administrator)")
    group, assignee = task.candidate_group, None
    if to_user:
        target = users.get_by_username(to_user)
        if not target.active:
            message = f"{target.display_name} 已停用，不能接办"
            raise Invalid(f"{message} (inactive user)", errors=[{"field": "to_user", "message": message}])
        access.check_not_excluded(task, target)  # C13.2.5: never to the person complained about
        assignee = target.id
        if task.candidate_group not in groups_of(target):
            group = target.unit.name
    else:
        group = _target_group(to_group)
    before = {"group": task.candidate_group, "assignee_id": task.assignee_id}
    held = HumanTask.assignee_id.is_(None) if task.assignee_id is None else HumanTask.assignee_id == task.assignee_id
    handed_at = clock.now()
    moved = db.session.execute(  # the WHERE clause is the lock: a claim or completion meanwhile makes it 0 rows
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == "ready", held)
        .values(candidate_group=group, assignee_id=assignee, reached_at=handed_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("任务状态已变化，请刷新后重试 (task changed meanwhile)")
    task.candidate_group, task.assignee_id, task.reached_at = group, assignee, handed_at
    payload = {"from_group": before["group"], "from_assignee_id": before["assignee_id"], "to_group": group,
               "assignee_id": assignee, "to": to_user, "reason": reason}  # fmt: skip
    append(task.instance_id, [NewEvent("reassigned", clock.now(), user.username, user.id, task_id=task.id,
                                       payload=payload)])  # fmt: skip
    return task


def unstaffed_tasks(user: User, limit: int = 500) -> list[HumanTask]:
    """The 无人办理 tasks ``user`` oversees, oldest deadline first."""
    stmt = unstaffed(user).order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    return list(db.session.scalars(stmt.limit(limit)))
