"""Demo directory, users, customer archive and live cases for `make run` and `gasflow demo` (the README lists them).
Idempotent."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app import clock
from app.core.registry import registry
from app.core.tx import writes
from app.customers import demo as demo_customers
from app.customers.bulk import insert_customers
from app.extensions import db
from app.models import Customer, Unit, User
from app.org import users
from app.platform import demo_cases

DEMO_PASSWORD = "gasflow-demo"

BRANCHES = ["利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"]
# 分管领导: the responsible leader's office; its name is the lane of complaint_monthly_report.bpmn (C14.2).
DEPARTMENTS = ["纪检监审法务部", "调度中心", "安装公司", "安全部", "应急中心", "监督委员会", "分管领导"]

# username, display name, unit, roles, superior
DEMO_USERS = [
    ("admin", "系统管理员", "客服中心", ["admin", "staff"], None),
    ("kf_head", "王主任", "客服中心", ["staff", "head"], None),
    ("kf_agent", "李坐席", "客服中心", ["staff"], "kf_head"),
    ("lz_head", "赵经理", "利州区分公司", ["staff", "head"], None),
    ("lz_staff", "孙师傅", "利州区分公司", ["staff"], "lz_head"),
    ("lz_staff2", "周师傅", "利州区分公司", ["staff"], "lz_head"),
    ("cx_staff", "吴师傅", "苍溪县分公司", ["staff"], None),
    # M4: 利州's two customer managers (gas connection assigns A and B1 applications among them by workload).
    ("lz_mgr1", "刘经理", "利州区分公司", ["staff", "customer_manager"], "lz_head"),
    ("lz_mgr2", "何经理", "利州区分公司", ["staff", "customer_manager"], "lz_head"),
    ("jj_staff", "郑监察", "纪检监审法务部", ["staff"], None),
    ("owner", "陈流程", "客服中心", ["staff", "process_owner"], "kf_head"),
    # A second process owner: a process change is reviewed by an owner who is not its author (issue 14).
    ("owner2", "林流程", "纪检监审法务部", ["staff", "process_owner"], None),
    ("auditor", "冯审计", "纪检监审法务部", ["staff", "auditor"], None),
    ("fg_leader", "钱副总", "分管领导", ["staff"], None),
    # Every lane of the company's diagrams reaches someone (a lane without people is refused at deploy, issue 11).
    ("jw_member", "蒋委员", "监督委员会", ["staff"], None),
    ("aq_staff", "韩安全", "安全部", ["staff"], None),
    ("yj_staff", "杨应急", "应急中心", ["staff"], None),
    # S24.1: 调度中心 and 安装公司 request planned outages; 调度中心 also takes the S24.4 escalations (issue 16).
    ("dd_staff", "马调度", "调度中心", ["staff"], None),
    ("az_staff", "何安装", "安装公司", ["staff"], None),
]


# Other systems' API clients (issue 13, item 4): the diagrams name them as system:<name>.
DEMO_SYSTEMS = [("billing", "收费系统"), ("hotline12345", "12345 政务服务热线平台"),
                ("online_hall", "网上营业厅（报装在线申请）")]  # fmt: skip


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
    for name, display in DEMO_SYSTEMS:
        if db.session.scalar(select(User.id).where(User.username == name)) is None:
            users.add_system(name, display)
            lines.append(f"system client {name} ({display}): gasflow users token {name}")
    return lines


# The fuller directory `gasflow demo` adds: per branch a head, two fitters and two customer managers (M4); heads for
# the departments and more hotline agents. The fixture `people` uses DEMO_USERS only, which stays small and fast.
DEPARTMENT_HEADS = {"纪检监审法务部": "jj", "调度中心": "dd", "安装公司": "az", "安全部": "aq", "应急中心": "yj",
                    "监督委员会": "jd"}  # fmt: skip
CUSTOMER_BATCH = 50_000


def _branch_code(district: str) -> str:
    return demo_customers.DISTRICTS[district][0].lower()


def _full_directory_users() -> list[tuple[str, str, str, list[str], str | None]]:
    rng = random.Random(2026)
    rows = [(f"kf_agent{i}", demo_customers.person_name(rng), "客服中心", ["staff"], "kf_head") for i in range(2, 6)]
    for district in BRANCHES:
        code, unit = _branch_code(district), f"{district}分公司"
        head = f"{code}_head"
        rows.append((head, demo_customers.person_name(rng), unit, ["staff", "head"], None))
        rows += [(f"{code}_fitter{i}", demo_customers.person_name(rng), unit, ["staff"], head) for i in (1, 2)]
        rows += [
            (manager_username(district, i), demo_customers.person_name(rng), unit, ["staff", "customer_manager"], head)
            for i in (1, 2)
        ]
    for unit, code in DEPARTMENT_HEADS.items():
        rows.append((f"{code}_head", demo_customers.person_name(rng), unit, ["staff", "head"], None))
    return rows


def manager_username(district: str, number: int) -> str:
    return f"{_branch_code(district)}_mgr{number}"


def load_full_directory() -> list[str]:
    lines = load_directory()
    for username, display, unit, roles, superior in _full_directory_users():
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            users.add_user(username, DEMO_PASSWORD, unit, roles, display, superior)
            lines.append(f"demo user {username} / {DEMO_PASSWORD} ({unit}; {', '.join(roles)})")
    return lines


@writes
def _insert_demo_batch(count: int, start: int, branch_ids: dict[str, int], managers: dict[str, list[int]]) -> int:
    return insert_customers(demo_customers.customers(count, branch_ids, managers, start=start))


def ensure_customers(total: int, progress=None) -> tuple[int, int]:
    """At least `total` customers in the archive: (customers now, customers added)."""
    existing = db.session.scalar(select(func.count()).select_from(Customer)) or 0
    wanted = max(total - existing, 0)
    added = load_customers(wanted, (lambda done: progress(done, wanted)) if progress else None)
    return existing + added, added


def load_customers(count: int, progress=None) -> int:
    """count more demo customers (accounts continue after those already there), 50,000 per transaction."""
    branches = db.session.execute(select(Unit.district, Unit.id).where(Unit.kind == "branch")).all()
    branch_ids = {district: unit_id for district, unit_id in branches if district in demo_customers.DISTRICTS}
    managers = {
        district: list(
            db.session.scalars(
                select(User.id).where(User.username.in_([manager_username(district, i) for i in (1, 2)]))
            )
        )
        for district in branch_ids
    }
    start = (db.session.scalar(select(func.count()).select_from(Customer)) or 0) + 1
    done = 0
    while done < count:
        size = min(CUSTOMER_BATCH, count - done)
        done += _insert_demo_batch(size, start + done, branch_ids, managers)
        if progress:
            progress(done)
    return done


def load_cases() -> list[str]:
    """Live cases in every flow at different stages (issue 11), each area's from the function it registered with
    ``registry.demo``; needs the full directory and the customers above. Idempotent."""
    demo = demo_cases.Demo(clock.now())
    cases = [case for describe in registry().demo_cases for case in describe(demo)]
    return [f"demo case {case.title}" for case in demo_cases.load(cases)]
