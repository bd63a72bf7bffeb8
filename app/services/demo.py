"""Demo directory and users for `make run` (the README lists them). Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import users

DEMO_PASSWORD = "gasflow-demo"

BRANCHES = ["利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"]
DEPARTMENTS = ["纪检监审法务部", "调度中心", "安装公司", "安全部", "应急中心"]

# username, display name, unit, roles, superior
DEMO_USERS = [
    ("admin", "系统管理员", "客服中心", ["admin", "staff"], None),
    ("kf_head", "王主任", "客服中心", ["staff", "head"], None),
    ("kf_agent", "李坐席", "客服中心", ["staff"], "kf_head"),
    ("lz_head", "赵经理", "利州区分公司", ["staff", "head"], None),
    ("lz_staff", "孙师傅", "利州区分公司", ["staff"], "lz_head"),
    ("lz_staff2", "周师傅", "利州区分公司", ["staff"], "lz_head"),
    ("cx_staff", "吴师傅", "苍溪县分公司", ["staff"], None),
    ("jj_staff", "郑监察", "纪检监审法务部", ["staff"], None),
    ("owner", "陈流程", "客服中心", ["staff", "process_owner"], "kf_head"),
    ("auditor", "冯审计", "纪检监审法务部", ["staff", "auditor"], None),
]


def load_directory() -> list[str]:
    lines = []
    users.ensure_unit("客服中心", "csc")
    for district in BRANCHES:
        users.ensure_unit(f"{district}分公司", "branch", district)
    for name in DEPARTMENTS:
        users.ensure_unit(name, "department")
    for username, display, unit, roles, superior in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        users.add_user(username, DEMO_PASSWORD, unit, roles, display, superior)
        lines.append(f"demo user {username} / {DEMO_PASSWORD} ({unit}; {', '.join(roles)})")
    return lines
