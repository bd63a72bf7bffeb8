"""CSV export of the customer archive: UTF-8 with a BOM (Excel opens it correctly) and the same headers the import
reads, so an export can be imported again. It holds full phone and ID numbers, so the export itself is logged in the
unmasked-view log (S21.4, M5.5)."""

from __future__ import annotations

import codecs
import csv
from collections import defaultdict
from typing import BinaryIO

from sqlalchemy import select

from app.core.errors import NotFound
from app.core.tx import writes
from app.customers.importer import HEADERS
from app.customers.records import log_view
from app.extensions import db
from app.models import CLASSES, SUPPLY_STATUSES, Customer, CustomerPhone, Unit, User
from app.org.directory import DirectoryLookup

CHUNK = 5_000
PHONE_SEPARATOR = ";"


class _Line:
    """csv.writer wants a text file; this encodes each line to the binary stream as it comes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))


def _chunks(branch_id: int | None):
    """Customer rows (plain columns, no ORM objects) in id order, a chunk at a time: keyset paging keeps memory flat."""
    last_id = 0
    while True:
        query = (
            select(*Customer.__table__.c, Unit.name.label("branch_name"), User.username.label("manager_username"))
            .join(Unit, Unit.id == Customer.branch_id)
            .outerjoin(User, User.id == Customer.manager_id)
            .where(Customer.id > last_id)
            .order_by(Customer.id)
            .limit(CHUNK)
        )
        if branch_id is not None:
            query = query.where(Customer.branch_id == branch_id)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _phones_of(ids: list[int]) -> dict[int, list[str]]:
    phones: dict[int, list[str]] = defaultdict(list)
    query = (
        select(CustomerPhone.customer_id, CustomerPhone.phone)
        .where(CustomerPhone.customer_id.in_(ids))
        .order_by(CustomerPhone.customer_id, CustomerPhone.position)
    )
    for customer_id, phone in db.session.execute(query):
        phones[customer_id].append(phone)
    return phones


@writes
def export_csv(out: BinaryIO, branch: str | None = None, note: str = "") -> int:
    branch_id = None
    if branch:
        unit = DirectoryLookup().branch(branch)
        if unit is None:
            raise NotFound(f"分公司“{branch}”不存在 (unknown branch)")
        branch_id = unit.id
    out.write(codecs.BOM_UTF8)
    writer = csv.writer(_Line(out), lineterminator="\r\n")
    writer.writerow([names[0] for names in HEADERS.values()])
    count = 0
    for rows in _chunks(branch_id):
        phones = _phones_of([row.id for row in rows])
        for row in rows:
            values = {
                **{key: getattr(row, key, None) for key in HEADERS},
                "phones": PHONE_SEPARATOR.join(phones[row.id]),
                "branch": row.branch_name,
                "manager": row.manager_username or "",
                "id_number": row.id_number or "",
                "customer_class": f"{row.customer_class} {CLASSES[row.customer_class]}",
                "supply_status": SUPPLY_STATUSES[row.supply_status],
            }
            writer.writerow([values[key] for key in HEADERS])
        count += len(rows)
    log_view(None, None, "export", f"导出 {count} 户{f'（{branch}）' if branch else ''} {note}".strip())
    return count
