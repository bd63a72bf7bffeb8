"""Rules beyond a form's schema, by (process, form key), run when a task is completed. Business areas register them
(core.registry), e.g. complaints' C13.2.5 check of the investigators chosen on the 指派调查人员 form."""

from __future__ import annotations

from app.core.registry import registry


def has_rule(process_key: str, form_key: str | None) -> bool:
    return (process_key, form_key or "") in registry().task_rules


def apply(process_key: str, form_key: str | None, data: dict, case_data: dict) -> dict:
    rule = registry().task_rules.get((process_key, form_key or ""))
    return rule(data, case_data) if rule else data
