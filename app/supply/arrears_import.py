"""`gasflow arrears import FILE.csv` (issue 6 §1): billing's list of accounts in arrears, one case per account.

Columns account_no, amount_owed, since (billing_ref optional); UTF-8 with or without BOM, or GBK from Excel. Each row
is its own transaction through arrears.open_or_update: a new case, or the figures sent to the account's open case.
A bad row is reported by line and does not stop the others (running the file again only updates the open cases).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.core.errors import Invalid, ServiceError
from app.customers.importer import decode
from app.models import User
from app.supply import arrears

COLUMNS = ("account_no", "amount_owed", "since")


@dataclass
class ArrearsImportReport:
    encoding: str
    rows: int = 0
    opened: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _amount(text: str) -> object:
    try:
        return float(Decimal(text.replace(",", "").replace("，", "").strip()))
    except (InvalidOperation, ValueError):
        return text  # the start form reports it ("欠费金额（元）：类型不正确")


def _reason(err: ServiceError) -> str:
    problems = err.extra.get("errors") or []
    return "；".join(p["message"] for p in problems) or err.detail


def import_csv(data: bytes, user: User | None = None) -> ArrearsImportReport:
    text, encoding = decode(data)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(f"缺少列：{', '.join(missing)}（应为 account_no,amount_owed,since）(missing columns)")
    report = ArrearsImportReport(encoding)
    for line, row in enumerate(reader, start=2):
        report.rows += 1
        payload = {"account_no": (row["account_no"] or "").strip(), "amount_owed": _amount(row["amount_owed"] or ""),
                   "since": (row["since"] or "").strip()}  # fmt: skip
        if (row.get("billing_ref") or "").strip():
            payload["billing_ref"] = row["billing_ref"].strip()
        try:
            result = arrears.open_or_update(payload, user)
        except ServiceError as err:
            report.rejected.append((line, _reason(err)))
            continue
        if result.updated:
            report.updated += 1
        else:
            report.opened += 1
    return report
