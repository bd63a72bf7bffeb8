"""业务办理时限服务承诺 (S10, S18.5, M8.5): the working days each connection step may take, per path, kept as the
company's settings an administrator edits (rules.md: "the values are the company's").

The seed says only that the company's current commitments apply (S10 "按照公司现行业务办理时限服务承诺执行"); it
does not list them. DEFAULTS are therefore placeholders an administrator is expected to replace: one working day to
accept (一窗受理 S5), short survey and plan for customers a manager engaged before applying (S18.2) and for small
enterprises (S18.3), longer ones for the standard path (S18.4).

Diagrams call ``commitment_due(step, path)`` (registered as a script function, so the value a step used is recorded
in its event and replay is exact after an edit) when a step starts: the due instant counts working days from then.
Customer time (missing documents being brought, the agreed gas-on time) lies between steps, so it never counts
(S18.5: the clock stops while waiting on the customer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from app import calendar, clock
from app.calendar import table as workcalendar
from app.core.errors import Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting, User
from app.org.access import require_role

SETTING_KEY = "connection.commitments"
PATHS = {"managed": "客户经理一对一（A 类、B1，S18.2）", "fast": "小型企业快速报装（S18.3）",
         "standard": "一般报装（S18.4）"}  # fmt: skip


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    task: str  # the user task of processes/gas_connection.bpmn
    defaults: dict[str, int]  # path -> working days


STEPS = [
    Step("accept", "受理审核", "Task_accept", {"managed": 1, "fast": 1, "standard": 1}),
    Step("survey", "现场踏勘", "Task_survey", {"managed": 1, "fast": 2, "standard": 3}),
    Step("plan", "编制供气方案", "Task_plan", {"managed": 2, "fast": 2, "standard": 5}),
    Step("external", "外线工程施工", "Task_external", {"managed": 15, "fast": 10, "standard": 20}),
    Step("contract", "签订供用气合同", "Task_contract", {"managed": 2, "fast": 1, "standard": 3}),
    Step("construction", "工程安装施工", "Task_construction", {"managed": 10, "fast": 7, "standard": 15}),
    Step("inspection", "竣工验收", "Task_inspection", {"managed": 2, "fast": 1, "standard": 3}),
    Step("appointment", "预约通气", "Task_appointment", {"managed": 1, "fast": 1, "standard": 2}),
]
BY_KEY = {s.key: s for s in STEPS}
BY_TASK = {s.task: s for s in STEPS}
MAX_DAYS = 120


def table() -> dict[str, dict[str, int]]:
    """step -> path -> working days: the defaults overlaid with what the administrator saved."""
    stored = db.session.scalar(select(AppSetting.value_json).where(AppSetting.key == SETTING_KEY))
    saved = json.loads(stored) if stored else {}
    return {s.key: {p: int((saved.get(s.key) or {}).get(p, s.defaults[p])) for p in PATHS} for s in STEPS}


def days(step: str, path: str) -> int:
    if step not in BY_KEY or path not in PATHS:
        raise ValueError(f"未知环节或路径 {step}/{path} (unknown step or path)")
    return table()[step][path]


def commitment_due(step: str, path: str) -> str:
    """S18.5: the end of the committed working days counted from now (the step's start), Shanghai ISO."""
    deadline = workcalendar.add_working_days(clock.now(), days(str(step), str(path)))
    return deadline.due.astimezone(calendar.SHANGHAI).isoformat()


def chase_due_of(promised: dict | None, missing: list | None) -> str:
    """M5.4: a chase task is due at the end of the latest date the customer promised for the items it waits for."""
    dates = [date.fromisoformat(str((promised or {})[d])) for d in missing or [] if (promised or {}).get(d)]
    day = max(dates) if dates else clock.to_local(clock.now()).date()
    return datetime.combine(day, time(23, 59), tzinfo=calendar.SHANGHAI).isoformat()


@writes
def save(values: dict, user: User) -> dict[str, dict[str, int]]:
    """An administrator edits the commitments (rules.md: the company's values). Whole table, each 1..MAX_DAYS."""
    require_role(user, "admin")
    clean: dict[str, dict[str, int]] = {}
    errors = []
    for step in STEPS:
        clean[step.key] = {}
        for path in PATHS:
            raw = (values.get(step.key) or {}).get(path)
            try:
                number = int(raw)
            except (TypeError, ValueError):
                number = -1
            if isinstance(raw, bool) or not 1 <= number <= MAX_DAYS:
                errors.append({"field": f"{step.key}.{path}", "message": f"须为 1-{MAX_DAYS} 的整数（工作日）"})
            clean[step.key][path] = number
    if errors:
        raise Invalid(f"承诺时限须为 1-{MAX_DAYS} 个工作日 (whole working days required)", errors=errors)
    row = db.session.get(AppSetting, SETTING_KEY)
    if row is None:
        row = AppSetting(key=SETTING_KEY, value_json="{}", updated_at=clock.now())
        db.session.add(row)
    row.value_json = json.dumps(clean)
    row.updated_at = clock.now()
    return clean
