"""Who may do what in the owners' workplace: process owners edit, submit and review; admins may look (issue 14)."""

from __future__ import annotations

from app.core.errors import Forbidden
from app.models import User


def require_viewer(user: User) -> None:
    if not {"process_owner", "admin"} & user.roles:
        raise Forbidden("只有流程负责人和管理员可以进入流程管理 (process owners and admins only)")


def require_owner(user: User) -> None:
    if "process_owner" not in user.roles:
        raise Forbidden("只有流程负责人可以修改、提交或评审流程 (process owners only; admins may look)")


def is_owner(user: User) -> bool:
    return "process_owner" in user.roles
