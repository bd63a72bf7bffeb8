"""Outages as people outside the case read them: the hotline's 停气看板 (S24.8: every outage there as soon as it is
requested or reported) and the public page and feed for the website and WeChat (S24.2) — the latter with no personal
data (cause, area, times, kind and district only; no names, no phones, no accounts).

Built from the open outage cases' data (a few dozen at a time; the case data is the engine's, read as the case page
reads it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import ProcessInstance
from app.platform import instances
from app.platform.pickers import place_parts
from app.supply import outages

LIMIT = 200
KIND_NAMES = {outages.PLANNED: "计划停气", outages.EMERGENCY: "紧急停气"}


@dataclass(frozen=True)
class Outage:
    case_id: int
    case_no: str
    kind: str  # 计划停气 / 紧急停气
    stage: str  # where it stands, in words a caller understands
    cause: str
    area: str
    districts: list[str]
    start: datetime | None
    restore: datetime | None  # expected restore
    affected: str  # counts by class (internal board only)
    branch: str
    public: bool  # published (planned) or under way (emergency): the public page shows it
    emergency: bool

    @property
    def overdue(self) -> bool:
        return self.restore is not None and self.restore < clock.now() and self.stage != "待分公司同意"


def _instant(value) -> datetime | None:
    try:
        return clock.ensure_aware(datetime.fromisoformat(value)) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _stage(process_key: str, data: dict) -> str:
    if process_key == outages.EMERGENCY:
        return "紧急停气，抢修中"
    if data.get("stopped_at"):
        return "停气中"
    if data.get("published_complete"):
        return "已公告，待停气"
    if data.get("notice_text"):
        return "分公司已同意，公告发布中"
    return "待分公司同意"


def _outage(instance: ProcessInstance, data: dict) -> Outage:
    emergency = instance.process_key == outages.EMERGENCY
    start = _instant(data.get("stopped_at") or data.get("started_at") or data.get("planned_start"))
    restore = _instant(data.get("expected_restore") or data.get("planned_end"))
    districts = sorted({place_parts(p)[0] for p in data.get("areas") or [] if place_parts(p)})
    return Outage(instance.id, instance.business_key or str(instance.id), KIND_NAMES[instance.process_key],
                  _stage(instance.process_key, data), str(data.get("cause", "")), str(data.get("area_text", "")),
                  districts, start, restore, str(data.get("affected_line", "")), str(data.get("branch", "")),
                  emergency or bool(data.get("published_complete")), emergency)  # fmt: skip


def live() -> list[Outage]:
    """Open outage cases, emergencies first, then by start."""
    rows = db.session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.process_key.in_(list(KIND_NAMES)), ProcessInstance.status == "running")
        .order_by(ProcessInstance.started_at.desc())
        .limit(LIMIT)
    )
    found = [_outage(instance, instances.case_data(instance)) for instance in rows]
    far = datetime.max.replace(tzinfo=clock.SHANGHAI)
    return sorted(found, key=lambda o: (not o.emergency, o.start or far))


def public() -> list[Outage]:
    """What the public page and feed show: published planned outages and emergencies under way."""
    return [o for o in live() if o.public]


def by_district(outages_: list[Outage]) -> dict[str, list[Outage]]:
    grouped: dict[str, list[Outage]] = {}
    for outage in outages_:
        for district in outage.districts or ["其他"]:
            grouped.setdefault(district, []).append(outage)
    return dict(sorted(grouped.items()))


def feed_item(outage: Outage) -> dict:
    """One JSON Feed item (jsonfeed.org 1.1): no personal data."""
    when = lambda m: clock.to_local(m).strftime("%Y-%m-%d %H:%M") if m else ""  # noqa: E731
    text = f"{outage.kind}：因{outage.cause}，{outage.area}自{when(outage.start)}起停气，预计{when(outage.restore)}恢复供气。"
    return {"id": outage.case_no, "title": f"{outage.kind} {'、'.join(outage.districts)}", "content_text": text,
            "date_published": outage.start.isoformat() if outage.start else None,
            "_gasflow": {"kind": outage.kind, "stage": outage.stage, "cause": outage.cause, "area": outage.area,
                         "districts": outage.districts, "start": outage.start.isoformat() if outage.start else None,
                         "expected_restore": outage.restore.isoformat() if outage.restore else None}}  # fmt: skip
