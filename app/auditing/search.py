"""Case search for auditors (issue 15 §1): every case, by number, customer, process, version, status, unit, period,
"breached rule X", "migrated", "reassigned"; the results exportable as CSV or Excel.

The staff case list (issue 11, app/platform/cases.py) is scoped to what a user may see; auditors see every case, so
this query is theirs. When that service lands, the shared filters can move onto it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from sqlalchemy import exists, func, or_, select

from app import clock
from app.auditing import rules_map
from app.core.errors import Invalid
from app.extensions import db
from app.models import Correlation, Event, HumanTask, ProcessDefinition, ProcessInstance

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
STATUSES = {"running": "办理中", "completed": "已办结", "error": "异常"}


@dataclass(frozen=True)
class CaseQuery:
    number: str = ""
    customer: str = ""
    process: str = ""
    version: int | None = None
    status: str = ""
    unit: str = ""
    since: date | None = None
    until: date | None = None
    breached_rule: str = ""
    migrated: bool = False
    reassigned: bool = False
    page: int = 1

    def described(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v not in ("", None, False) and k != "page"]
        return " ".join(parts)


@dataclass(frozen=True)
class CaseRow:
    instance_id: int
    business_key: str | None
    process_key: str
    process_name: str
    version: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    subject: str


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)


def _has_event(*kinds: str):
    return exists().where(Event.instance_id == ProcessInstance.id, Event.kind.in_(kinds))


def _filtered(query: CaseQuery):
    stmt = select(ProcessInstance, ProcessDefinition.name, ProcessDefinition.version).join(
        ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id
    )
    if number := query.number.strip():
        match = ProcessInstance.business_key.like(f"%{number}%")
        stmt = stmt.where(
            or_(ProcessInstance.id == int(number), match) if number.isdigit() and len(number) <= 9 else match
        )
    if customer := query.customer.strip():
        stmt = stmt.where(
            or_(
                exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.subject.like(f"%{customer}%")),
                exists().where(Correlation.instance_id == ProcessInstance.id, Correlation.value == customer),
            )
        )
    if query.process:
        stmt = stmt.where(ProcessInstance.process_key == query.process)
    if query.version is not None:
        stmt = stmt.where(ProcessDefinition.version == query.version)
    if query.status:
        stmt = stmt.where(ProcessInstance.status == query.status)
    if unit := query.unit.strip():
        in_unit = or_(HumanTask.candidate_group == unit, HumanTask.candidate_group.like(f"%@{unit}"))
        stmt = stmt.where(exists().where(HumanTask.instance_id == ProcessInstance.id, in_unit))
    if query.since:
        stmt = stmt.where(ProcessInstance.started_at >= _day_start(query.since))
    if query.until:
        stmt = stmt.where(ProcessInstance.started_at < _day_start(query.until + timedelta(days=1)))
    if rule := query.breached_rule.strip().upper():
        stmt = stmt.where(_breached(rule))
    if query.migrated:
        stmt = stmt.where(_has_event("migrated"))
    if query.reassigned:
        stmt = stmt.where(_has_event("reassigned", "delegated", "unclaimed"))
    return stmt


def _breached(rule: str):
    """A breach of a task whose element cites the rule, or an escalation recorded under it (e.g. C15.2)."""
    elements = rules_map.elements_citing(rule)
    conditions = [exists().where(Event.instance_id == ProcessInstance.id, Event.kind == "escalated",
                                 Event.payload_json.like(f'%"rule":"{rule}"%'))]  # fmt: skip
    for process_key, element in elements:
        conditions.append(
            exists().where(
                HumanTask.instance_id == ProcessInstance.id,
                ProcessInstance.process_key == process_key,
                HumanTask.spec_name == element,
                HumanTask.breached_at.is_not(None),
            )
        )
    return or_(*conditions)


def _subjects(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(HumanTask.instance_id, func.max(HumanTask.subject))
        .where(HumanTask.instance_id.in_(ids))
        .group_by(HumanTask.instance_id)
    )
    return {instance_id: subject or "" for instance_id, subject in rows}


def _rows(result) -> list[CaseRow]:
    found = list(result)
    subjects = _subjects([r[0].id for r in found])
    return [
        CaseRow(
            i.id,
            i.business_key,
            i.process_key,
            name,
            version,
            i.status,
            i.started_at,
            i.ended_at,
            subjects.get(i.id, ""),
        )  # fmt: skip
        for i, name, version in found
    ]


def search(query: CaseQuery) -> tuple[list[CaseRow], int]:
    stmt = _filtered(query)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(query.page, 1)
    result = db.session.execute(
        stmt.order_by(ProcessInstance.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return _rows(result), total


HEADERS = ["案件ID", "业务编号", "流程", "版本", "状态", "发起时间（北京时间）", "办结时间（北京时间）", "客户/摘要"]


def _line(row: CaseRow) -> list:
    def local(value):
        return clock.to_local(clock.ensure_aware(value)).strftime("%Y-%m-%d %H:%M") if value else ""

    return [row.instance_id, row.business_key or "", row.process_name, row.version, STATUSES.get(row.status, row.status),
            local(row.started_at), local(row.ended_at), row.subject]  # fmt: skip


def export(query: CaseQuery, fmt: str) -> tuple[bytes, str]:
    """Every matching case (up to EXPORT_LIMIT) as CSV (UTF-8 with BOM, opens in Excel) or XLSX."""
    rows = _rows(db.session.execute(_filtered(query).order_by(ProcessInstance.id).limit(EXPORT_LIMIT)))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        writer.writerows(_line(r) for r in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "案件"
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(_line(row))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise Invalid("导出格式只能是 csv 或 xlsx (format must be csv or xlsx)")


def processes() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(ProcessDefinition.key, func.max(ProcessDefinition.name)).group_by(ProcessDefinition.key)
    )
    return sorted((key, name) for key, name in rows)
