"""Rules beyond a form's schema, by (process, form key), run when a task is completed (see complaint_rules)."""

from __future__ import annotations

from collections.abc import Callable

from app.services import complaint_rules

RULES: dict[tuple[str, str], Callable[[dict, dict], dict]] = {
    ("complaint", "assign"): complaint_rules.check_investigators,
}


def has_rule(process_key: str, form_key: str | None) -> bool:
    return (process_key, form_key or "") in RULES


def apply(process_key: str, form_key: str | None, data: dict, case_data: dict) -> dict:
    rule = RULES.get((process_key, form_key or ""))
    return rule(data, case_data) if rule else data
