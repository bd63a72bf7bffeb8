"""The staff inbox as the pages show it (issue 7 §2): five views with counts, filters, search, pages of 50.

The scope rules (whose tasks are "mine", which groups a user sees) stay in ``tasks``; this module adds what the page
needs on top: the due-soon window, the unit filter, search by case number as well, the time left on each row.
Every open-task query carries the literal ``state = 'ready'`` so SQLite can use the partial indexes of human_task
(a bound parameter would hide the match from its planner; bench/inbox.py checks the plans).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select, update

from app import clock
from app.calendar import table as workcalendar
from app.core.tx import writes
from app.extensions import db
from app.models import HumanTask, ProcessDefinition, User
from app.org.groups import groups_of
from app.platform import reassignment, tasks

# "即将到期": open tasks due within this window that are not overdue yet.
DUE_SOON = timedelta(hours=24)
_READY = tasks.READY


@dataclass(frozen=True)
class View:
    name: str
    label: str
    scope: str
    soon: bool = False
    overdue: bool = False
    overseers: bool = False  # only heads and administrators have this view


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("mine", "我的待办", "mine"),
        View("group", "组内待办", "group"),
        View("soon", "即将到期", "all", soon=True),
        View("overdue", "已超期", "all", overdue=True),
        View("done", "已办", "done"),
        View("unstaffed", "无人办理", "unstaffed", overseers=True),
    )
}


@dataclass(frozen=True)
class Filters:
    process: str | None = None
    group: str | None = None
    overdue: bool = False
    q: str | None = None
    sort: str = "due"  # "due" (default) or "created"
    page: int = 1


@dataclass(frozen=True)
class InboxRow:
    task: HumanTask
    process_name: str
    assignee_name: str | None
    overdue: bool
    time_left: timedelta | None  # working time for working-day SLAs, wall-clock otherwise; negative when late
    new: bool = False  # reached this person (or their group) since their previous look at the inbox


@dataclass(frozen=True)
class InboxPage:
    view: View
    rows: list[InboxRow]
    total: int
    page: int
    pages: int


def _base(user: User, view: View, now: datetime) -> Select:
    if view.scope == "unstaffed":
        return reassignment.unstaffed(user)
    stmt = tasks.scoped(user, view.scope)
    if view.scope == "done":
        return stmt
    if view.soon:
        stmt = stmt.where(HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON)
    if view.overdue:
        stmt = stmt.where(HumanTask.due_at < now)
    return stmt


def _filtered(stmt: Select, filters: Filters, now: datetime) -> Select:
    if filters.process:
        stmt = stmt.where(HumanTask.process_key == filters.process)
    if filters.group:
        stmt = stmt.where(HumanTask.candidate_group == filters.group)
    if filters.overdue:
        stmt = stmt.where(HumanTask.state == _READY, HumanTask.due_at < now)
    q = (filters.q or "").strip()
    if q:
        like = f"%{q}%"
        matches = [HumanTask.subject.like(like), HumanTask.business_key.like(like)]
        if q.isdigit() and len(q) <= 9:
            matches.append(HumanTask.instance_id == int(q))  # a case without a business key is known by its number
        stmt = stmt.where(or_(*matches))
    return stmt


def time_left(task: HumanTask, now: datetime) -> timedelta | None:
    if task.due_at is None or task.state != "ready":
        return None
    if task.sla_kind == "working_days":
        return workcalendar.working_time_left(task.due_at, now)
    return task.due_at - now


def _ordered(stmt: Select, view: View, sort: str) -> Select:
    if view.scope == "done":
        return stmt.order_by(HumanTask.completed_at.desc())
    if sort == "created":
        return stmt.order_by(HumanTask.created_at.desc())
    return stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)


def process_names() -> dict[str, str]:
    rows = db.session.execute(select(ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.version))
    newest: dict[str, tuple[int, str]] = {}
    for key, name, version in rows:
        if key not in newest or version > newest[key][0]:
            newest[key] = (version, name)
    return {key: name for key, (_, name) in newest.items()}


def reached_at():
    """When a task reached its present holder or group: handed on (delegate, reassign) or else made ready."""
    return func.coalesce(HumanTask.reached_at, HumanTask.created_at)


def is_new(task: HumanTask, since: datetime | None) -> bool:
    if task.state != "ready":
        return False
    if since is None:
        return True  # never looked: everything waiting is news
    return clock.ensure_aware(task.reached_at or task.created_at) > clock.ensure_aware(since)


def new_counts(user: User) -> dict[str, int]:
    """The menu's unread counts (issue 11): open tasks that reached me (mine) or my groups (group) since my last look
    at the inbox, and their total (all)."""
    since = user.inbox_seen_at
    result = {}
    for scope in ("mine", "group"):
        stmt = tasks.scoped(user, scope)
        if since is not None:
            stmt = stmt.where(reached_at() > since)
        result[scope] = db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True)) or 0
    result["all"] = result["mine"] + result["group"]
    return result


@writes
def mark_seen(user_id: int) -> None:
    """The person looked at their inbox now: what reached them before is no longer new."""
    db.session.execute(update(User).where(User.id == user_id).values(inbox_seen_at=clock.now()))


def listing(user: User, view_name: str, filters: Filters, since: datetime | None = None) -> InboxPage:
    """One page of a view; rows that reached the person after ``since`` (their previous visit) are marked new."""
    view = VIEWS.get(view_name, VIEWS["mine"])
    if view.overseers and not reassignment.oversees(user):
        view = VIEWS["mine"]
    now = clock.now()
    stmt = _filtered(_base(user, view, now), filters, now)
    page = max(1, filters.page)
    size = tasks.PAGE_SIZE
    found = list(db.session.scalars(_ordered(stmt, view, filters.sort).limit(size).offset((page - 1) * size)))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    names = process_names()
    assignee_ids = {t.assignee_id for t in found if t.assignee_id}
    people = (
        dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(assignee_ids))).all())
        if assignee_ids
        else {}
    )
    rows = [
        InboxRow(
            task=t,
            process_name=names.get(t.process_key, t.process_key),
            assignee_name=people.get(t.assignee_id),
            overdue=t.state == "ready" and t.due_at is not None and t.due_at < now,
            time_left=time_left(t, now),
            new=view.scope != "done" and is_new(t, since),
        )
        for t in found
    ]
    return InboxPage(view, rows, total, page, max(1, -(-total // size)))


def counts(user: User) -> dict[str, int]:
    """The number in the menu beside each view (no filters)."""
    now = clock.now()
    result = {}
    for name, view in VIEWS.items():
        if view.overseers and not reassignment.oversees(user):
            continue
        stmt = _base(user, view, now).with_only_columns(func.count(), maintain_column_froms=True)
        result[name] = db.session.scalar(stmt) or 0
    return result


def group_choices(user: User) -> list[str]:
    return sorted(groups_of(user))


def delegates_for(task: HumanTask, user: User) -> list[User]:
    """Active members of the task's candidate group a task may be handed to: not the one holding it, and not anyone
    the task excludes (C13.2.5: an investigator with a conflict of interest steps aside)."""
    excluded = set((task.excluded_usernames or "").split(","))
    return [
        u
        for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.unit_id, User.username))
        if tasks.is_candidate(task, u) and u.id not in {task.assignee_id, user.id} and u.username not in excluded
    ]
