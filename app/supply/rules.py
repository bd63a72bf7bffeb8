"""What the restore forms cannot check alone, run when 恢复供气 is completed (registry task_rule): the readings and
times of the restore must agree with those recorded at the disconnection (S19.1: meter data accurate)."""

from __future__ import annotations

from datetime import datetime

from app import clock
from app.core.errors import Invalid


def _instant(raw: object) -> datetime | None:
    try:
        return clock.ensure_aware(datetime.fromisoformat(raw)) if isinstance(raw, str) else None
    except ValueError:
        return None


def _m3(value: float) -> str:
    return f"{value:g}"


def check_restore(data: dict, case: dict) -> dict:
    """A meter never runs backwards while supply is cut: the restore reading is at least the disconnection reading;
    and supply is restored after it was cut."""
    problems = []
    cut, restored = case.get("meter_reading"), data.get("meter_reading_restored")
    if isinstance(cut, int | float) and isinstance(restored, int | float) and restored < cut:
        problems.append({"field": "meter_reading_restored",
                         "message": f"复气时表读数：不能小于停气时的读数 {_m3(cut)} m³（停气期间表数不会减少），"
                                    "请核对表盘后重新填写"})  # fmt: skip
    cut_at, restored_at = _instant(case.get("disconnected_at")), _instant(data.get("restored_at"))
    if cut_at and restored_at and restored_at < cut_at:
        shown = clock.to_local(cut_at).strftime("%m-%d %H:%M")
        problems.append({"field": "restored_at",
                         "message": f"恢复供气时间：不能早于停气时间（{shown}），请填写实际恢复供气的时间"})  # fmt: skip
    if problems:
        raise Invalid("复气记录与停气记录不符 (restore contradicts the disconnection record)", errors=problems)
    return data
