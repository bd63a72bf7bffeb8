"""One customer's fields checked and normalised (M3, M4): the same rules for the API, the CSV import and the demo.

Pure functions, no database: `parse_fields` turns loose input (JSON or a CSV row) into clean values plus a list of
problems in Chinese; the services add the checks that need the directory (branch, manager, duplicate account).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.models.customers import CLASSES, CLASSES_NEEDING_MANAGER, SUPPLY_STATUSES

MAX_PHONES = 3
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")  # area code (0839 for Guangyuan) + 7-8 digits
_ACCOUNT = re.compile(r"[A-Z0-9-]{4,32}")
_PHONE_SPLIT = re.compile(r"[;；,，/、\s]+")
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CLASS_BY_LABEL = {label: code for code, label in CLASSES.items()}
_STATUS_BY_LABEL = {label: code for code, label in SUPPLY_STATUSES.items()}
CLASS_CHOICES = "、".join(f"{code} {label}" for code, label in CLASSES.items())

# Text fields: (key, Chinese name, max length, required)
_TEXT_FIELDS = (
    ("name", "户名", 64, True),
    ("district", "区县", 32, True),
    ("street", "街道/乡镇", 64, True),
    ("estate", "小区/楼栋", 64, False),
    ("room", "门牌", 64, False),
)


class FieldProblem(ValueError):
    """One field that cannot be accepted; the message is for the person who typed it."""


def normalize_phone(raw: str) -> str:
    digits = re.sub(r"[\s()（）+\-]", "", raw)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]  # +86 138...
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise FieldProblem(
        f"电话号码“{raw}”格式不正确，应为 11 位手机号或带区号的固定电话，如 0839-3261234 (invalid phone number)"
    )


def split_phones(raw: object) -> list[str]:
    parts = [str(p) for p in raw] if isinstance(raw, list | tuple) else _PHONE_SPLIT.split(str(raw or ""))
    phones: list[str] = []
    for part in (p.strip() for p in parts):
        if part and (phone := normalize_phone(part)) not in phones:
            phones.append(phone)
    if not phones:
        raise FieldProblem("至少需要一个联系电话 (at least one phone number is required)")
    if len(phones) > MAX_PHONES:
        raise FieldProblem(f"联系电话最多 {MAX_PHONES} 个 (at most {MAX_PHONES} phone numbers)")
    return phones


def reversed_digits(phone: str) -> str:
    return phone[::-1]


def resident_check_digit(body17: str) -> str:
    """GB 11643 check character of a resident ID number."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, _RESIDENT_WEIGHTS, strict=True)) % 11]


def credit_check_char(body17: str) -> str:
    """GB 32100 check character of a 统一社会信用代码 (organisations among A-class customers)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def _resident_id_ok(value: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dX]", value)) and resident_check_digit(value[:17]) == value[17]


def _credit_code_ok(value: str) -> bool:
    return len(value) == 18 and all(c in USCC_CHARS for c in value) and credit_check_char(value[:17]) == value[17]


def normalize_id_number(raw: str) -> str | None:
    value = raw.strip().upper()
    if not value:
        return None
    if _resident_id_ok(value) or _credit_code_ok(value):
        return value
    raise FieldProblem(
        f"证件号码“{raw}”无效：应为 18 位居民身份证号或统一社会信用代码，校验位须正确 (invalid ID or credit code)"
    )


def normalize_class(raw: str) -> str:
    value = raw.strip()
    code = value[:2].upper()
    if code in CLASSES and (len(value) == 2 or value[2:].strip() == CLASSES[code]):
        return code
    if value in _CLASS_BY_LABEL:
        return _CLASS_BY_LABEL[value]
    raise FieldProblem(f"客户类别“{raw}”无效，应为 {CLASS_CHOICES} 之一 (unknown customer class, rules M3)")


def normalize_status(raw: str) -> str:
    value = raw.strip()
    if value in SUPPLY_STATUSES:
        return value
    if value in _STATUS_BY_LABEL:
        return _STATUS_BY_LABEL[value]
    raise FieldProblem(f"供气状态“{raw}”无效，应为 正常、报停 或 停气 (unknown supply status)")


def normalize_account(raw: str) -> str:
    value = raw.strip().upper()
    if not _ACCOUNT.fullmatch(value):
        raise FieldProblem(f"户号“{raw}”无效：应为 4-32 位字母、数字或连字符 (invalid account number)")
    return value


def _text(raw: object, label: str, max_length: int, required: bool) -> str:
    value = str(raw if raw is not None else "").strip()
    if required and not value:
        raise FieldProblem(f"缺少{label} ({label} is required)")
    if len(value) > max_length:
        raise FieldProblem(f"{label}过长，最多 {max_length} 个字 ({label} too long)")
    return value


_NORMALIZERS = {
    "account_no": normalize_account,
    "customer_class": normalize_class,
    "supply_status": normalize_status,
    "id_number": normalize_id_number,
    "phones": split_phones,
}
_MISSING = {
    "account_no": "缺少户号 (account number is required)",
    "customer_class": f"缺少客户类别，应为 {CLASS_CHOICES} 之一 (customer class is required)",
    "phones": "至少需要一个联系电话 (at least one phone number is required)",
}
REFERENCES = ("branch", "manager")  # resolved against the directory by the services
FIELDS = ("account_no", "customer_class", "supply_status", "id_number", "phones", *(f[0] for f in _TEXT_FIELDS))


def parse_fields(raw: Mapping[str, object], *, partial: bool = False) -> tuple[dict, list[str]]:
    """Clean values for the fields given (all required ones unless partial) and every problem found."""
    clean: dict = {}
    problems: list[str] = []
    texts = {key: (label, size, required) for key, label, size, required in _TEXT_FIELDS}
    for key in FIELDS:
        if partial and key not in raw:
            continue
        value = raw.get(key)
        try:
            if key in texts:
                label, size, required = texts[key]
                clean[key] = _text(value, label, size, required)
            elif value is None or value == "" or value == []:
                if key in _MISSING:
                    raise FieldProblem(_MISSING[key])
                clean[key] = None if key == "id_number" else "normal"
            else:
                clean[key] = _NORMALIZERS[key](value if key == "phones" else str(value))
        except FieldProblem as problem:
            problems.append(str(problem))
    for key in REFERENCES:
        if key in raw:
            clean[key] = str(raw[key]).strip() if raw[key] not in (None, "") else None
    return clean, problems


def manager_problem(customer_class: str | None, has_manager: bool) -> str | None:
    """M4: A-class and B1 customers are served one-to-one by a named customer manager."""
    if customer_class in CLASSES_NEEDING_MANAGER and not has_manager:
        label = CLASSES[customer_class]
        return (
            f"{customer_class} {label}类客户必须指定客户经理 (a customer manager is required for A* and B1, rules M4)"
        )
    return None
