"""Customer managers for gas connection (M4, M8.2, S18.2): A-class and B1 applicants get a named manager of the branch
that serves their district, the one with the fewest connection cases in hand; the branch head confirms or overrides
the suggestion (task 指派客户经理)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.errors import Invalid
from app.extensions import db
from app.models import Customer, HumanTask, ProcessInstance, Unit, User, UserRole

ROLE = "customer_manager"
PROCESS = "gas_connection"


def managers_of(branch: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Unit, Unit.id == User.unit_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(Unit.name == branch, UserRole.role == ROLE, User.active.is_(True))
            .order_by(User.username)
        )
    )


def workload(user_id: int) -> int:
    """Connection cases in hand: running cases with an open task assigned to the manager."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(HumanTask.instance_id)))
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(
                HumanTask.assignee_id == user_id,
                HumanTask.state == "ready",
                ProcessInstance.process_key == PROCESS,
                ProcessInstance.status == "running",
            )
        )
        or 0
    )


def suggest_manager(branch: str) -> str | None:
    """The branch's customer manager with the fewest connection cases in hand, then the fewest customers, then by
    username (M8.2 "指派相应客户经理"). None when the branch has none: the head then picks anyone of the role."""
    candidates = managers_of(str(branch))
    if not candidates:
        return None

    def load(user: User) -> tuple[int, int, str]:
        customers = db.session.scalar(select(func.count()).select_from(Customer).where(Customer.manager_id == user.id))
        return workload(user.id), customers or 0, user.username

    return min(candidates, key=load).username


def require_manager(username: str, field: str = "manager") -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or ROLE not in user.roles:
        message = f"{username} 不是在职客户经理，请从列表中选择"
        raise Invalid(f"{message} (not an active customer manager)", errors=[{"field": field, "message": message}])
    return user
