"""Inbox queries and the claim / unclaim / delegate rules (issue 2 §7, issue 3 §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, literal, literal_column, or_, select, update

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.statements import Statement
from app.core.tx import writes
from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.org import access, users
from app.org.groups import groups_of
from app.platform.history import NewEvent, append

PAGE_SIZE = 50
SCOPES = ("mine", "group", "all", "done")


@dataclass(frozen=True)
class InboxQuery:
    scope: str = "mine"
    overdue: bool = False
    due_before: datetime | None = None
    process: str | None = None
    q: str | None = None
    page: int = 1
    page_size: int = PAGE_SIZE


def get(task_id: str) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (unknown task)")
    return task


def is_candidate(task: HumanTask, user: User) -> bool:
    return task.candidate_group in groups_of(user)


def require_not_about(task: HumanTask, user: User) -> None:
    """C13.2.5: refuse, saying why, a task of a case about this user (excluded from the task or hidden the case)."""
    access.check_not_excluded(task, user)
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is not None:
        access.require_not_hidden(user, instance)


def may_see(task: HumanTask, user: User) -> bool:
    if task.excluded_usernames and user.username in task.excluded_usernames.split(","):
        return False  # C13.2.5: a task of a case about this user
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is not None and access.hidden_from(user, instance):
        return False
    if task.assignee_id == user.id or task.completed_by_id == user.id or is_candidate(task, user):
        return True
    return bool({"auditor", "admin"} & user.roles)


# A literal, not a bound parameter: SQLite uses the partial indexes on human_task (WHERE state = 'ready') only when
# the query spells the same literal.
READY = literal_column("'ready'")


def _not_excluded(user: User):
    """C13.2.5: a task that excludes this user (the person complained about) is not in their group views."""
    wrapped = literal(",") + HumanTask.excluded_usernames + literal(",")
    return or_(HumanTask.excluded_usernames.is_(None), ~wrapped.like(f"%,{user.username},%"))


def scoped(user: User, scope: str) -> Select:
    """The tasks of one inbox scope: mine (assigned to me), group (my groups, unclaimed), all (both), done (by me)."""
    if scope == "done":
        return select(HumanTask).where(HumanTask.completed_by_id == user.id)
    groups = sorted(groups_of(user))
    stmt = select(HumanTask).where(HumanTask.state == READY)
    if scope == "mine":
        return stmt.where(HumanTask.assignee_id == user.id)
    if scope == "group":
        return stmt.where(HumanTask.assignee_id.is_(None), HumanTask.candidate_group.in_(groups), _not_excluded(user))
    if scope == "all":
        candidate = (HumanTask.candidate_group.in_(groups)) & _not_excluded(user)
        return stmt.where(or_(HumanTask.assignee_id == user.id, candidate))
    raise Invalid(f"scope 只能是 {', '.join(SCOPES)} (unknown scope)")


def _query(user: User, query: InboxQuery) -> Select:
    now = clock.now()
    stmt = scoped(user, query.scope)
    if query.overdue:
        stmt = stmt.where(HumanTask.due_at < now)
    if query.due_before is not None:
        stmt = stmt.where(HumanTask.due_at < query.due_before)
    if query.process:
        stmt = stmt.where(HumanTask.process_key == query.process)
    if query.q:
        like = f"%{query.q.strip()}%"
        stmt = stmt.where(or_(HumanTask.subject.like(like), HumanTask.business_key.like(like)))
    return stmt


def inbox(user: User, query: InboxQuery) -> tuple[list[HumanTask], int]:
    stmt = _query(user, query)
    if query.scope == "done":
        ordered = stmt.order_by(HumanTask.completed_at.desc())
    else:
        ordered = stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    page = max(1, query.page)
    rows = list(db.session.scalars(ordered.limit(query.page_size).offset((page - 1) * query.page_size)))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return rows, total


def _event(task: HumanTask, kind: str, user: User, **payload) -> None:
    append(task.instance_id, [NewEvent(kind, clock.now(), user.username, user.id, task_id=task.id, payload=payload)])


def _ready(task_id: str) -> HumanTask:
    task = db.session.get(HumanTask, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (unknown task)")
    if task.state != "ready":
        raise Conflict("任务已办结或已取消 (task already completed or cancelled)")
    return task


@writes
def claim(task_id: str, user: User) -> HumanTask:
    task = _ready(task_id)
    if not is_candidate(task, user):
        raise Forbidden(f"您不在“{task.candidate_group}”组，不能认领此任务 (not a candidate)")
    access.check_not_excluded(task, user)
    # The WHERE clause is the lock: of two claims only one finds the row unassigned.
    claimed = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == "ready", HumanTask.assignee_id.is_(None))
        .values(assignee_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(task)
        if task.assignee_id == user.id:
            return task
        raise Conflict("任务刚被他人认领 (task was just claimed by someone else)")
    task.assignee_id = user.id
    _event(task, "claimed", user)
    return task


@writes
def unclaim(task_id: str, user: User) -> HumanTask:
    task = _ready(task_id)
    if task.assignee_id is None:
        raise Conflict("任务尚未被认领 (task is not claimed)")
    if task.assignee_id != user.id and not ("head" in user.roles and is_candidate(task, user)):
        raise Forbidden("只有认领人或本组部门负责人可以退回 (only the assignee or the group's head may unclaim)")
    released = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.assignee_id == task.assignee_id, HumanTask.state == "ready")
        .values(assignee_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if released != 1:
        raise Conflict("任务状态已变化，请刷新 (task changed meanwhile)")
    previous = task.assignee_id
    task.assignee_id = None
    _event(task, "unclaimed", user, previous_assignee_id=previous)
    return task


@writes
def delegate(task_id: str, user: User, to_username: str) -> HumanTask:
    """The assignee (or the group's head) hands the task to another member of its candidate group."""
    task = _ready(task_id)
    if task.assignee_id != user.id and not ("head" in user.roles and is_candidate(task, user)):
        raise Forbidden("只有认领人或本组部门负责人可以转办 (only the assignee or the group's head may delegate)")
    target = users.get_by_username(to_username)
    if not target.active or not is_candidate(task, target):
        raise Invalid(f"{target.display_name} 不在“{task.candidate_group}”组，不能接办 (delegate must be a candidate)")
    access.check_not_excluded(task, target)
    handed_at = clock.now()
    moved = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.assignee_id == task.assignee_id, HumanTask.state == "ready")
        .values(assignee_id=target.id, reached_at=handed_at)  # new to its holder (inbox 新 mark)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("任务状态已变化，请刷新 (task changed meanwhile)")
    previous = task.assignee_id
    task.assignee_id, task.reached_at = target.id, handed_at
    _event(task, "delegated", user, previous_assignee_id=previous, to=target.username)
    return task


def open_ids(instance_id: int) -> list[str]:
    query = select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
    return list(db.session.scalars(query.order_by(HumanTask.created_at)))


_OPEN_OF_INSTANCE = Statement(
    select(HumanTask.__table__)
    .where(HumanTask.__table__.c.instance_id == bindparam("b_id"), HumanTask.__table__.c.state == "ready")
    .order_by(HumanTask.__table__.c.created_at)
)


def open_of(instance_id: int) -> list:
    """The instance's open tasks as rows (the task's columns as attributes), for a view that only shows them."""
    return _OPEN_OF_INSTANCE.all({"b_id": instance_id})


def of_instance(instance_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at))
    )
