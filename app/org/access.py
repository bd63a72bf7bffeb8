"""Who may see what, beyond task candidacy: instance visibility and role checks used by every endpoint."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from app.core.errors import Forbidden
from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.org.groups import groups_of

OVERSEERS = {"auditor", "admin"}


def require_role(user: User, *roles: str) -> None:
    if not set(roles) & user.roles:
        names = "、".join(roles)
        raise Forbidden(f"需要以下角色之一：{names} (requires one of the roles: {', '.join(roles)})")


def hidden_from(user: User, instance: ProcessInstance) -> bool:
    """C13.2.5, S21.4: the person complained about never reads the case — API or page, task or history, whatever
    their roles (an administrator complained about included)."""
    return bool(instance.hidden_from) and user.username in instance.hidden_from.split(",")


def may_view_instance(user: User, instance: ProcessInstance) -> bool:
    """Overseers see every case; others the cases they started or have a part in. A task's ``notFor`` (e.g. the
    author of a process change may not review it) only keeps that person from the task, not from the case."""
    if hidden_from(user, instance):
        return False
    if OVERSEERS & user.roles:
        return True
    if instance.started_by_id == user.id:
        return True
    involved = select(
        exists().where(
            HumanTask.instance_id == instance.id,
            or_(
                HumanTask.candidate_group.in_(sorted(groups_of(user))),
                HumanTask.assignee_id == user.id,
                HumanTask.completed_by_id == user.id,
            ),
        )
    )
    return bool(db.session.scalar(involved))


def require_not_hidden(user: User, instance: ProcessInstance) -> None:
    if hidden_from(user, instance):
        raise Forbidden("您是本案被投诉人，不能查看本案 (you may not read a case about you)")


def require_view_instance(user: User, instance: ProcessInstance) -> None:
    require_not_hidden(user, instance)
    if not may_view_instance(user, instance):
        raise Forbidden("您与此案件无关，无权查看 (you have no part in this case)")


def check_not_excluded(task: HumanTask, user: User) -> None:
    """C13.2.5: the person complained about never investigates their own case, whatever group they are in."""
    if task.excluded_usernames and user.username in task.excluded_usernames.split(","):
        raise Forbidden("您是本案被投诉人，不能认领或办理此任务 (you may not work a task of a case about you)")
