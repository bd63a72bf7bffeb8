"""CSV import of the customer archive (issue 4 §3).

Chinese offices save CSV from Excel either as "CSV UTF-8" (with a BOM) or in the local code page (GBK): both are
read; anything else is refused with a message saying how to save it. Every bad row is reported with its line number
and reason, and nothing is imported when any row is bad — unless the caller asks to skip bad rows.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from app.core.errors import Invalid
from app.core.tx import writes
from app.customers.bulk import insert_customers
from app.customers.fields import manager_problem, parse_fields
from app.customers.records import resolve_references
from app.extensions import db
from app.models import Customer
from app.org.directory import DirectoryLookup

# Field -> accepted header names; the first one is what export writes.
HEADERS = {
    "account_no": ("户号", "account_no"),
    "name": ("户名", "name"),
    "customer_class": ("客户类别", "类别", "customer_class", "class"),
    "district": ("区县", "district"),
    "street": ("街道/乡镇", "街道", "乡镇", "street"),
    "estate": ("小区/楼栋", "小区", "楼栋", "estate"),
    "room": ("门牌", "房号", "room"),
    "phones": ("联系电话", "电话", "phones", "phone"),
    "id_number": ("证件号码", "身份证号", "id_number"),
    "branch": ("分公司", "branch"),
    "manager": ("客户经理", "manager"),
    "supply_status": ("供气状态", "supply_status"),
}
REQUIRED_HEADERS = ("account_no", "name", "customer_class", "district", "street", "phones", "branch")
_LOOKUP_CHUNK = 500
ENCODING_HELP = "请在 Excel 中“另存为”选择“CSV UTF-8（逗号分隔）”或普通“CSV（逗号分隔）”（GBK）后重试"


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    encoding: str = ""
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number in the file, reason)
    refused: bool = False  # bad rows and no skip_bad: nothing was imported


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in: UTF-8 (BOM or not), else GBK (read as its superset GB18030)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Invalid(f"文件是 UTF-16 编码（Excel“Unicode 文本”），不是 CSV。{ENCODING_HELP} (UTF-16 is not accepted)")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise Invalid(f"文件标明为 UTF-8 但第 {err.start} 字节无法解码。{ENCODING_HELP} (invalid UTF-8)") from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), "gbk" if encoding == "gb18030" else encoding
        except UnicodeDecodeError:
            continue
    raise Invalid(f"无法识别文件编码（既不是 UTF-8 也不是 GBK）。{ENCODING_HELP} (unrecognised encoding)")


def _columns(header: list[str]) -> list[str | None]:
    by_name = {name.strip().lower(): key for key, names in HEADERS.items() for name in names}
    columns = [by_name.get(name.strip().lower()) for name in header]
    missing = [HEADERS[key][0] for key in REQUIRED_HEADERS if key not in columns]
    if missing:
        raise Invalid(f"第 1 行（表头）缺少列：{'、'.join(missing)} (missing columns: {', '.join(missing)})")
    return columns


def _existing_accounts(accounts: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(accounts), _LOOKUP_CHUNK):
        chunk = accounts[start : start + _LOOKUP_CHUNK]
        found.update(db.session.scalars(select(Customer.account_no).where(Customer.account_no.in_(chunk))))
    return found


def check_rows(text: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]], int]:
    """(good rows with their line, rejected (line, reason), number of data rows). Reads the directory, writes nothing."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise Invalid("文件为空 (the file is empty)") from None
    columns = _columns(header)
    lookup = DirectoryLookup()
    good: list[tuple[int, dict]] = []
    rejected: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    count, line = 0, reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num  # a quoted field may span lines: report where the row starts
        if not any(v.strip() for v in values):
            continue
        count += 1
        if len(values) != len(columns):
            rejected.append((start, f"应有 {len(columns)} 列，实有 {len(values)} 列 (wrong number of columns)"))
            continue
        raw = {key: value for key, value in zip(columns, values, strict=True) if key is not None}
        clean, problems = parse_fields(raw)
        ids = resolve_references(clean, lookup, problems)
        if problem := manager_problem(clean.get("customer_class"), ids.get("manager_id") is not None):
            problems.append(problem)
        account = clean.get("account_no")
        if account and account in first_line_of:
            problems.append(f"户号 {account} 与第 {first_line_of[account]} 行重复 (duplicate account in the file)")
        elif account:
            first_line_of[account] = start
        if problems:
            rejected.append((start, "；".join(problems)))
        else:
            good.append((start, {**clean, **ids}))
    taken = _existing_accounts([row["account_no"] for _, row in good])
    if taken:
        rejected.extend(
            (ln, f"户号 {r['account_no']} 已在档案中 (account already exists)")
            for ln, r in good
            if r["account_no"] in taken
        )
        good = [(ln, r) for ln, r in good if r["account_no"] not in taken]
    rejected.sort()
    return good, rejected, count


@writes
def import_csv(data: bytes, skip_bad: bool = False) -> ImportReport:
    """All rows or none (unless skip_bad): one transaction, so a failure half-way leaves the archive as it was."""
    text, encoding = decode(data)
    good, rejected, count = check_rows(text)
    report = ImportReport(rows=count, encoding=encoding, rejected=rejected)
    if rejected and not skip_bad:
        report.refused = True
        return report
    report.imported = insert_customers(row for _, row in good)
    return report
