"""What the modeler's pickers offer (issue 14 §2): the process's forms, the units and the lanes bound to the case,
the escalation rule ids, and the data fields its forms define."""

from __future__ import annotations

from app.org import directory
from app.org.groups import BOUND_LANES, OWNER_LANE
from app.owners import drafts
from app.platform.rule_ids import ESCALATION_RULES

BOUND_HELP = {"分公司": "案件数据 branch 指定的分公司", "责任单位": "案件数据 responsible_unit 指定的单位（默认分公司）",
              "部门负责人": "责任单位的部门负责人", OWNER_LANE: "所有流程负责人"}  # fmt: skip


def for_draft(draft_id: int) -> dict:
    draft = drafts.get(draft_id)
    forms = []
    fields: dict[str, str] = {}
    for key in drafts.form_keys(draft):
        schema = drafts.form_of(draft, key) or {}
        forms.append({"key": key, "title": schema.get("title", key)})
        for name, prop in (schema.get("properties") or {}).items():
            fields.setdefault(name, str((prop or {}).get("title", name)))
    units = [{"name": unit.name, "kind": unit.kind, "people": count} for unit, count in directory.list_units()]
    lanes = [{"name": name, "help": BOUND_HELP[name]} for name in (*BOUND_LANES, OWNER_LANE)]
    return {
        "process": draft.key,
        "forms": forms,
        "fields": [{"name": k, "title": v} for k, v in sorted(fields.items())],
        "units": units,
        "bound_lanes": lanes,
        "rules": [{"id": k, "text": v} for k, v in ESCALATION_RULES.items()],
    }
