"""The written notices of the disconnection processes, generated from the case, with the record of their service (how,
when, to whom): the 缴费及停气通知书 (S24.6: customer, account, amount, deadline, how to pay) and the 安全隐患整改通知书
(S24.7: the hazard, the legal basis, the deadline, the consequences). Printable HTML (the page) and PDF (fpdf2 with a
CJK font)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app import clock
from app.core.errors import NotFound, ServiceError
from app.extensions import db
from app.models import HumanTask, User
from app.org import access
from app.platform import forms, instances
from app.platform.runtime import runtime

PROCESS = "arrears_disconnection"
HAZARD_PROCESS = "hazard_disconnection"
ARREARS_TITLE, HAZARD_TITLE = "缴费及停气通知书", "安全隐患整改通知书"
NOTICE_TASK = "Task_notice"
# Debian's fonts-wqy-microhei (the Makefile installs it); a PDF without a CJK font would print empty boxes.
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
HOTLINE = "962677"
HOW_TO_PAY = ("各营业厅柜台（现金、银行卡）", "微信或支付宝“生活缴费”（输入户号）", "开户银行代扣")


class NoticeUnavailable(ServiceError):
    status, code = 503, "unavailable"


@dataclass(frozen=True)
class ArrearsNotice:
    instance_id: int
    notice_no: str
    case_no: str
    customer_name: str
    account_no: str
    address: str
    branch: str
    amount: float
    since: str
    issued_at: datetime
    deadline: datetime
    days: int
    served: dict | None  # how (label), at, to, relation, by — once the service is recorded
    how_to_pay: tuple[str, ...] = HOW_TO_PAY
    hotline: str = HOTLINE


def _served(data: dict) -> dict | None:
    if not data.get("served_at"):
        return None
    schema = forms.load_form(PROCESS, "notice_service")["properties"]
    how = {c["const"]: c["title"] for c in schema["served_how"]["oneOf"]}
    return {"how": how.get(data.get("served_how"), data.get("served_how")),
            "at": datetime.fromisoformat(data["served_at"]), "to": data.get("served_to", ""),
            "relation": data.get("served_relation", ""), "by": _person(data.get("server_name", ""))}  # fmt: skip


def _person(username: str) -> str:
    """送达人 is picked from the directory (a username); the notice prints the person's name."""
    name = db.session.scalar(select(User.display_name).where(User.username == username)) if username else None
    return name or username


def arrears_notice(instance_id: int, user: User) -> ArrearsNotice:
    """The latest notice of the case (a second round after the head sent it back gets a new number and deadline)."""
    instance = instances.get(instance_id)
    access.require_view_instance(user, instance)
    if instance.process_key != PROCESS:
        raise NotFound(f"案件 {instance_id} 不是欠费停气案件 (not an arrears case)")
    task_id = db.session.scalar(
        select(HumanTask.id)
        .where(HumanTask.instance_id == instance_id, HumanTask.spec_name == NOTICE_TASK)
        .order_by(HumanTask.created_at.desc(), HumanTask.id.desc())
        .limit(1)
    )
    if task_id is None:
        raise NotFound(f"案件 {instance_id} 尚未出具缴费及停气通知书（催缴完成后生成）(no notice yet)")
    data = runtime().engine.task_data(runtime().definition(instance.definition_id), instance.state_json, task_id)
    return ArrearsNotice(
        instance_id=instance_id,
        notice_no=data["notice_no"],
        case_no=data["case_no"],
        customer_name=data.get("customer_name", ""),
        account_no=data["account_no"],
        address=data.get("address", ""),
        branch=data.get("branch", ""),
        amount=data["notice_amount"],
        since=data.get("since", ""),
        issued_at=datetime.fromisoformat(data["notice_issued_at"]),
        deadline=datetime.fromisoformat(data["notice_deadline"]),
        days=data["notice_days"],
        served=_served(data),
    )


@dataclass(frozen=True)
class HazardNotice:
    """S24.7 (issue 12, item 14): the written 安全隐患整改通知书 as served."""

    instance_id: int
    notice_no: str
    case_no: str
    customer_name: str
    account_no: str
    address: str
    branch: str
    hazard: str
    found_at: datetime | None
    rectification: str
    days: int
    issued_at: datetime
    deadline: datetime | None  # 24:00 of the last day; moved by a head's extension
    major: bool
    served: dict | None
    hotline: str = HOTLINE


def _hazard_served(data: dict) -> dict | None:
    if not data.get("served_at"):
        return None
    schema = forms.load_form(HAZARD_PROCESS, "hazard_notice")["properties"]
    how = {c["const"]: c["title"] for c in schema["served_how"].get("oneOf", [])}
    return {"how": how.get(data.get("served_how"), data.get("served_how")),
            "at": datetime.fromisoformat(data["served_at"]), "to": data.get("served_to", ""),
            "relation": data.get("served_relation", ""), "by": _person(data.get("server_name", ""))}  # fmt: skip


def _instant(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def hazard_notice(instance_id: int, user: User) -> HazardNotice:
    """The case's 安全隐患整改通知书, once it has been issued (its number recorded on 下达隐患整改通知书)."""
    instance = instances.get(instance_id)
    access.require_view_instance(user, instance)
    if instance.process_key != HAZARD_PROCESS:
        raise NotFound(f"案件 {instance_id} 不是安全隐患停气案件 (not a hazard case)")
    data = instances.case_data(instance)
    if not data.get("notice_no"):
        raise NotFound(f"案件 {instance_id} 尚未下达安全隐患整改通知书 (no notice yet)")
    return HazardNotice(
        instance_id=instance_id, notice_no=data["notice_no"], case_no=data.get("case_no", ""),
        customer_name=data.get("customer_name", ""), account_no=data.get("account_no", ""),
        address=data.get("address", ""), branch=data.get("branch", ""), hazard=data.get("hazard_description", ""),
        found_at=_instant(data.get("found_at")), rectification=data.get("rectification_required", ""),
        days=int(data.get("rectify_days") or 0), issued_at=_instant(data.get("served_at")) or instance.started_at,
        deadline=_instant(data.get("rectify_due")), major=bool(data.get("major_hazard")),
        served=_hazard_served(data),
    )  # fmt: skip


def hazard_lines(notice: HazardNotice) -> list[str]:
    """The 安全隐患整改通知书's text (S24.7), shared by the page and the PDF."""
    found = f"于 {local(notice.found_at, '%Y年%m月%d日')} " if notice.found_at else ""
    by_when = (f"{_last_day(notice.deadline)} 前" if notice.deadline
               else f"签收本通知书之次日起 {notice.days} 日内（期满日逢法定节假日顺延）")  # fmt: skip
    lines = [
        f"{notice.customer_name}（户号 {notice.account_no}）：",
        f"我公司{found}在对您位于 {notice.address} 的用气场所进行安全检查时，发现存在以下安全隐患：{notice.hazard}。",
        "依据《城镇燃气管理条例》（国务院令第583号）第二十八条关于燃气用户安全用气的规定、供用气合同的约定及我公司"
        "《服务管理办法》第二十四条第（七）项，现书面通知您限期整改。",
        f"整改要求：{notice.rectification}。请您于 {by_when}整改完毕，并通知我公司复查。",
        "逾期未整改的，经部门负责人批准后，我公司将停止供气，由此产生的后果由您承担；整改完毕并经我公司复验合格后恢复供气。",
    ]
    if notice.major:
        lines.append("该隐患属重大安全隐患，我公司已报公司安全部和应急中心处理，请您予以配合。")
    lines.append(f"如有疑问，请拨打 24 小时服务热线 {notice.hotline}。")
    return lines


def _last_day(deadline: datetime) -> str:
    """A period ending at 24:00 (Civil Code art. 203) is shown as that day, not the next midnight."""
    last_day = clock.to_local(deadline).timestamp() - 1
    return local(datetime.fromtimestamp(last_day, clock.SHANGHAI), "%Y年%m月%d日") + " 24:00"


def local(value: datetime, fmt: str = "%Y年%m月%d日 %H:%M") -> str:
    return clock.to_local(value).strftime(fmt)


def deadline_text(notice: ArrearsNotice) -> str:
    """The period ends at 24:00 of its last day (Civil Code art. 203): shown as that day, not the next midnight."""
    return _last_day(notice.deadline)


def _by_when(notice: ArrearsNotice) -> str:
    """S24.6 (issue 12, item 13): the period runs from service; before it is served the notice names the period."""
    if notice.served:
        return f"{deadline_text(notice)} 前"
    return f"签收本通知书之次日起 {notice.days} 日内（期满日逢法定节假日顺延）"


def body_lines(notice: ArrearsNotice) -> list[str]:
    """The notice's text, shared by the page and the PDF so both say exactly the same."""
    return [
        f"{notice.customer_name}（户号 {notice.account_no}）：",
        f"您位于 {notice.address} 的用气户，自 {notice.since} 起累计欠缴燃气费 {notice.amount:,.2f} 元。"
        f"我公司已电话或上门催缴并送达催缴通知单，至今未缴清。",
        f"请您于 {_by_when(notice)}缴清全部欠费。逾期未缴清的，我公司将依照《城镇燃气管理条例》及供用气合同"
        f"的约定，经部门负责人批准后停止供气。缴清欠费后，我公司将在 6 小时内恢复供气。",
        "缴费方式：" + "；".join(notice.how_to_pay) + "。",
        f"如有疑问，请拨打 24 小时服务热线 {notice.hotline}。",
    ]


def pdf(notice: ArrearsNotice | HazardNotice) -> bytes:
    if not FONT.is_file():
        raise NoticeUnavailable(
            f"服务器缺少中文字体 {FONT}，无法生成 PDF；请安装 fonts-wqy-microhei（make setup），或使用网页打印 "
            f"(CJK font missing: install fonts-wqy-microhei)"
        )
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    doc = FPDF(format="A4")
    doc.set_margins(22, 20, 22)
    doc.add_page()
    doc.add_font("wqy", "", str(FONT), collection_font_number=0)
    doc.set_font("wqy", size=18)
    hazard = isinstance(notice, HazardNotice)
    doc.cell(0, 12, HAZARD_TITLE if hazard else ARREARS_TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("wqy", size=10)
    doc.cell(
        0, 8, f"编号：{notice.notice_no}    案件：{notice.case_no}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    doc.set_font("wqy", size=12)
    for line in hazard_lines(notice) if hazard else body_lines(notice):
        doc.multi_cell(0, 8, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(2)
    doc.ln(6)
    doc.cell(0, 8, f"{notice.branch}（盖章）", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.cell(0, 8, local(notice.issued_at, "%Y年%m月%d日"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(8)
    doc.set_font("wqy", size=10)
    if notice.served:
        served = notice.served
        text = (f"送达记录：{served['how']}，{local(served['at'])}，签收人 {served['to']}"
                f"{('（' + served['relation'] + '）') if served['relation'] else ''}"
                f"{('，送达人 ' + served['by']) if served['by'] else ''}")  # fmt: skip
    else:
        text = "签收人：______________    签收时间：____年__月__日 __:__    送达方式：______________"
    doc.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())
