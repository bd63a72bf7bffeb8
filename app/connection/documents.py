"""The documents a connection needs (S5, M5.4 一次性告知) and 容缺受理: which are missing, the date the customer
promised each one, and which step really waits for it (the supply plan needs the site plan and load list; the
contract needs the identity, licence, title and authorisation). Nothing else waits."""

from __future__ import annotations

from datetime import date

from app import clock
from app.core.errors import Invalid

DOCUMENTS = {
    "id_card": "申请人身份证明（个人身份证或法定代表人身份证）",
    "license": "营业执照或法人证书（非居民客户）",
    "deed": "房屋产权证明或租赁合同",
    "site_plan": "用气场所平面图（集体、工业客户为总平面图）",
    "load_list": "用气设备清单及预计用气量（非居民客户）",
    "authorization": "授权委托书（他人代办时）",
}
PLAN_DOCUMENTS = ("site_plan", "load_list")  # 编制供气方案 waits for these
CONTRACT_DOCUMENTS = ("id_card", "license", "deed", "authorization")  # 签订供用气合同 waits for these


def required(customer_class: str, channel: str) -> list[str]:
    """What this applicant must bring (the list told once at the start, S5)."""
    docs = {"id_card", "deed"}
    if customer_class.startswith("A"):
        docs |= {"license", "load_list", "site_plan"}
    if customer_class == "B1":
        docs |= {"site_plan"}
    if channel == "proxy":
        docs |= {"authorization"}
    return [d for d in DOCUMENTS if d in docs]


def check_received(data: dict, case: dict) -> dict:
    """Task rule of 受理审核 and 催补资料 (M5.4): every missing document has a promised date, today or later; records
    what is missing and what each waiting step waits for."""
    needed = required(case.get("customer_class", ""), case.get("channel", ""))
    received = set(data.get("documents_received") or [])
    missing = [d for d in needed if d not in received]
    promised = dict(data.get("promised") or {})
    today = clock.to_local(clock.now()).date()
    problems = []
    for doc in missing:
        value = promised.get(doc)
        if not value:
            problems.append({"field": f"promised.{doc}", "message": "缺件须填写客户承诺补齐日期（M5.4 容缺受理）"})
        elif date.fromisoformat(value) < today:
            problems.append({"field": f"promised.{doc}", "message": "承诺补齐日期不能早于今天"})
    if problems:
        raise Invalid("缺件须有承诺补齐日期 (each missing document needs a promised date, M5.4)", errors=problems)
    return {
        **data,
        "promised": {d: promised[d] for d in missing},
        "required_docs": needed,
        "missing_docs": missing,
        "waiting_plan_docs": [d for d in missing if d in PLAN_DOCUMENTS],
        "waiting_contract_docs": [d for d in missing if d in CONTRACT_DOCUMENTS],
    }
