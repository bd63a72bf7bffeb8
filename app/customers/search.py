"""Finding customers fast at a million rows: every search term is one index range, never a scan.

- phone: exactly the last 4 digits of any of the customer's numbers (`customer_phone.phone_reversed` starts with the
  reversed digits), or a whole number; nothing in between, and every phone search is logged and counted like a view
  (customers/lookups.py, issue 13 item 7);
- account: exact or prefix on the unique account index;
- name: prefix on (name, id); address: estate/building prefix on (estate, id), narrowed by district / street.
Ranges are `col >= p AND col < p'` (p' = p with its last character bumped), which both SQLite (binary collation) and
PostgreSQL (the columns are collated "C") answer from the b-tree; no page counts a total (has_more instead).
Lists are always masked (S21.4): the full numbers are shown, and logged, only when one record is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, select

from app.core.errors import Invalid
from app.customers import lookups, masking
from app.customers.fields import reversed_digits
from app.extensions import db
from app.models import Customer, CustomerPhone, User
from app.org.directory import DirectoryLookup

MAX_LIMIT = 100
MAX_OFFSET = 10_000
_ACCOUNT_LIKE = re.compile(r"[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*")


@dataclass(frozen=True)
class CustomerQuery:
    q: str | None = None  # free text: digits -> phone suffix, letters+digits -> account, else name prefix
    account: str | None = None
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    district: str | None = None
    street: str | None = None
    branch: str | None = None  # name (苍溪县分公司) or district (苍溪县)
    customer_class: str | None = None
    supply_status: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchResult:
    records: list[masking.CustomerRecord]
    has_more: bool


def _prefix_range(column, prefix: str):
    upper = _after_prefix(prefix)
    return (column >= prefix) if upper is None else (column >= prefix) & (column < upper)


def _after_prefix(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix``; None if there is none (all U+10FFFF)."""
    stem = prefix.rstrip("\U0010ffff")  # the last code point has no successor: carry to the one before it
    return stem[:-1] + chr(ord(stem[-1]) + 1) if stem else None


def _branch_id(ref: str) -> int:
    unit = DirectoryLookup().branch(ref)
    if unit is None:
        raise Invalid(f"分公司“{ref}”不存在 (unknown branch)")
    return unit.id


def _interpret(query: CustomerQuery) -> dict[str, str]:
    terms = {k: v.strip() for k in ("account", "name", "phone", "address") if (v := getattr(query, k)) and v.strip()}
    text = (query.q or "").strip()
    if text:
        unspaced = re.sub(r"\s", "", text)
        digits = unspaced.replace("-", "")  # 0839-3261234 is a phone number
        if digits.isdigit():
            terms.setdefault("phone", digits)
        elif _ACCOUNT_LIKE.fullmatch(unspaced):  # account numbers may contain hyphens (LZ-0001)
            terms.setdefault("account", unspaced)
        else:
            terms.setdefault("name", text)
    return terms


def _statement(query: CustomerQuery, terms: dict[str, str]) -> Select:
    stmt = select(Customer)
    if "phone" in terms:
        kind, digits = lookups.phone_term(terms["phone"])
        stmt = stmt.join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        if kind == "tail":
            stmt = stmt.where(_prefix_range(CustomerPhone.phone_reversed, reversed_digits(digits)))
        else:
            stmt = stmt.where(CustomerPhone.phone_reversed == reversed_digits(digits))
        stmt = stmt.order_by(CustomerPhone.phone_reversed, CustomerPhone.customer_id)
    if "account" in terms:
        stmt = stmt.where(_prefix_range(Customer.account_no, terms["account"].upper()))
        stmt = stmt.order_by(Customer.account_no)
    if "name" in terms:
        stmt = stmt.where(_prefix_range(Customer.name, terms["name"])).order_by(Customer.name, Customer.id)
    if "address" in terms:
        stmt = stmt.where(_prefix_range(Customer.estate, terms["address"])).order_by(Customer.estate, Customer.id)
    filters = {
        Customer.district: query.district,
        Customer.street: query.street,
        Customer.branch_id: _branch_id(query.branch) if query.branch else None,
        Customer.customer_class: query.customer_class,
        Customer.supply_status: query.supply_status,
    }
    for column, value in filters.items():
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt.order_by(Customer.id)


def search(query: CustomerQuery, viewer: User | None = None) -> SearchResult:
    """``viewer``: who asks; a phone search counts against their allowance and is logged (issue 13, item 7)."""
    limit = min(max(query.limit, 1), MAX_LIMIT)
    offset = min(max(query.offset, 0), MAX_OFFSET)
    terms = _interpret(query)
    if "phone" in terms:
        lookups.phone_term(terms["phone"])  # a malformed number is a 422 before it costs anything
        lookups.require_allowance(viewer)
    stmt = _statement(query, terms).limit(limit + 1).offset(offset)
    found = list(db.session.scalars(stmt).unique())
    seen: set[int] = set()
    rows = [c for c in found[:limit] if not (c.id in seen or seen.add(c.id))]  # one customer, two matching phones
    if "phone" in terms:
        lookups.record_phone_search(viewer, *lookups.phone_term(terms["phone"]), rows)
    return SearchResult([masking.record(c, unmasked=False) for c in rows], len(found) > limit)
