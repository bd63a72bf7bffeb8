"""The words of an outage: the public notice (S24.2 channels) and the SMS to each affected customer, both generated
from the case so every channel says the same thing. S24.5: every notice states the cause, the area, the start time
and the expected restore time (the four items; ``require_four_items`` refuses a text missing one).
"""

from __future__ import annotations

from datetime import datetime

from app import clock
from app.core.errors import Invalid
from app.supply.outage_area import describe

KINDS = {"stop": "停气", "pressure_reduction": "降压供气"}
HOTLINE = "962677"
SIGNATURE = "【广元燃气】"


def when(value: str | datetime) -> str:
    moment = clock.ensure_aware(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return clock.to_local(moment).strftime("%Y年%m月%d日 %H:%M")


def notice_text(case_no: str, cause: str, areas: list[str], start: str, end: str, kind: str = "stop") -> str:
    """The one notice text every channel publishes (posted notice, website, WeChat, app, newspaper)."""
    what = KINDS.get(kind, "停气")
    text = (
        f"停气公告（{case_no}）\n"
        f"尊敬的用户：因{cause}，我公司将对以下区域{what}。\n"
        f"停气原因：{cause}\n"
        f"停气范围：{describe(areas)}\n"
        f"停气开始时间：{when(start)}\n"
        f"预计恢复供气时间：{when(end)}\n"
        f"{what}期间请关闭燃气表前阀门，恢复供气前请勿使用燃气设备。由此带来的不便，敬请谅解。"
        f"咨询电话：{HOTLINE}（24 小时）。\n广元市天然气有限公司"
    )
    require_four_items(text)
    return text


def require_four_items(text: str) -> None:
    """S24.5: cause, area, start and expected restore, each present."""
    missing = [item for item in ("停气原因", "停气范围", "停气开始时间", "预计恢复供气时间") if item not in text]
    if missing:
        raise Invalid(f"停气信息缺少：{'、'.join(missing)}（S24.5）(the notice lacks required items)")


def sms_text(purpose: str, cause: str, areas: list[str], start: str, end: str, kind: str = "stop") -> str:
    """One SMS per affected customer. ``purpose``: planned (with the public notice), emergency (S24.8 at once),
    over_24h (S24.4: cause, expected restore and safety advice), restored (``end`` is when supply came back)."""
    what = KINDS.get(kind, "停气")
    area = describe(areas)
    if len(area) > 60:
        area = area[:58] + "等"
    if purpose == "restored":
        return (f"{SIGNATURE}恢复供气通知：{area}已于{when(end)}恢复供气。首次用气前请检查燃气器具、开启表前阀，"
                f"如闻到异味请立即拨打{HOTLINE}。")  # fmt: skip
    lead = {"planned": "计划", "emergency": "紧急", "over_24h": "延长"}.get(purpose, "")
    return (
        f"{SIGNATURE}{lead}{what}通知：因{cause}，{area}自{when(start)}起{what}，预计{when(end)}恢复供气。"
        f"{what}期间请关闭表前阀，恢复前勿用气，如闻到异味请立即拨打{HOTLINE}。"
    )


def sms_params(cause: str, areas: list[str], start: str, end: str) -> dict:
    """The SMS template's variables (Alibaba Cloud TemplateParam) for the same facts."""
    return {"cause": cause[:20], "area": describe(areas)[:20], "start": when(start), "end": when(end)}
