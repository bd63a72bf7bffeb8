"""S24.4: the written notice to 城乡规划和住房保障局 of an outage over 24 hours or a sudden one, generated from the case
(what happened, where, since when, until when expected, whom it hits — residential first — and what is being done).
Printable HTML; the task 书面通知城乡规划和住房保障局 records its delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app import clock
from app.core.errors import NotFound
from app.models import User
from app.org import access
from app.platform import instances
from app.supply import outage_notice, outages

AUTHORITY = "广元市城乡规划和住房保障局"
COMPANY = "广元市天然气有限公司"


@dataclass(frozen=True)
class HousingLetter:
    instance_id: int
    case_no: str
    lines: list[str]
    dated: datetime


def letter(instance_id: int, user: User) -> HousingLetter:
    instance = instances.get(instance_id)
    access.require_view_instance(user, instance)
    if instance.process_key not in (outages.PLANNED, outages.EMERGENCY):
        raise NotFound(f"案件 {instance_id} 不是停气案件 (not an outage case)")
    data = instances.case_data(instance)
    sudden = instance.process_key == outages.EMERGENCY
    start = data.get("stopped_at") or data.get("started_at") or data.get("planned_start")
    restore = data.get("expected_restore") or data.get("planned_end")
    what = outage_notice.KINDS.get(data.get("kind"), "停气")
    reason = "突发停气" if sudden else "停气时间超过 24 小时"
    lines = [
        f"{AUTHORITY}：",
        f"根据《城镇燃气管理条例》第二十条及我公司服务管理办法第二十四条第（四）项，现将{reason}情况书面报告如下：",
        f"一、停气原因：{data.get('cause', '')}。",
        f"二、停气范围：{data.get('area_text', '')}（{outage_notice.KINDS.get(data.get('kind'), '停气')}）。",
        f"三、停气开始时间：{outage_notice.when(start) if start else '—'}；预计恢复供气时间："
        f"{outage_notice.when(restore) if restore else '—'}。",
        f"四、影响用户：共 {data.get('affected_total', 0):,} 户，其中 {data.get('affected_line', '')}。",
        f"五、已采取措施：已向{what}范围内用户发送短信说明情况和安全注意事项；已启动保障供气应急预案，优先保障居民生活用气；"
        "抢修人员不间断抢修，直至恢复供气。",
        f"联系电话：{outage_notice.HOTLINE}（24 小时）。案件编号：{instance.business_key}。",
    ]
    return HousingLetter(instance.id, instance.business_key or str(instance.id), lines, clock.now())
