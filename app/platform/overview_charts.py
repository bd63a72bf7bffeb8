"""The figures behind the charts on the overview and the monthly complaint report (issue 15 §9), as plain JSON-ready
dicts served by /api/v1/reports/overview/charts: on-time rate per unit over the last 12 months, breaches by rule
(late tasks, by the rule their element's documentation cites, and escalations recorded under a rule), open work by
age."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance
from app.platform.overview import month_start, unit_of_group
from app.platform.runtime import runtime

RULE_ID = re.compile(r"\b([CSM]\d+(?:\.\d+)*)\b")
AGE_BUCKETS = [(1, "1天内"), (3, "1-3天"), (7, "3-7天"), (30, "7-30天"), (None, "30天以上")]
NO_RULE = "未标规则"


def _months(now: datetime, count: int = 12) -> list[datetime]:
    """The first instant (Beijing) of each of the last ``count`` months, oldest first, this month last."""
    starts = [month_start(now)]
    for _ in range(count - 1):
        starts.append(month_start(starts[-1] - timedelta(days=1)))
    return list(reversed(starts))


def _label(moment: datetime) -> str:
    return clock.to_local(moment).strftime("%Y-%m")


def on_time_by_unit(now: datetime) -> dict:
    months = _months(now)
    rows = db.session.execute(
        select(HumanTask.candidate_group, HumanTask.completed_at, HumanTask.due_at).where(
            HumanTask.state == "completed", HumanTask.completed_at >= months[0], HumanTask.due_at.is_not(None)
        )
    )
    done: dict[str, Counter] = defaultdict(Counter)
    in_time: dict[str, Counter] = defaultdict(Counter)
    for group, completed, due in rows:
        unit, month = unit_of_group(group), _label(clock.ensure_aware(completed))
        done[unit][month] += 1
        in_time[unit][month] += completed <= due
    labels = [_label(m) for m in months]
    series = [
        {
            "unit": unit,
            "rates": [round(in_time[unit][m] * 100 / done[unit][m], 1) if done[unit][m] else None for m in labels],
            "done": [done[unit][m] for m in labels],
        }  # fmt: skip
        for unit in sorted(done)
    ]
    return {"months": labels, "series": series}


def _rules_of(definition_id: int, spec_name: str) -> list[str]:
    task = runtime().definition(definition_id).user_tasks.get(spec_name)
    found = RULE_ID.findall(task.documentation or "") if task else []
    return sorted(set(found)) or [NO_RULE]


def breaches_by_rule(now: datetime) -> dict:
    since = _months(now)[0]
    counts: Counter = Counter()
    late = db.session.execute(
        select(ProcessInstance.definition_id, HumanTask.spec_name)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.breached_at >= since)
    )
    for definition_id, spec_name in late:
        counts.update(_rules_of(definition_id, spec_name))
    escalated = db.session.scalars(select(Event.payload_json).where(Event.kind == "escalated", Event.at >= since))
    for payload_json in escalated:
        counts[json.loads(payload_json).get("rule") or NO_RULE] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {"since": _label(since), "rules": [r for r, _n in ordered], "counts": [n for _r, n in ordered]}


def open_by_age(now: datetime) -> dict:
    rows = db.session.execute(select(HumanTask.created_at, HumanTask.due_at).where(HumanTask.state == "ready")).all()
    on_time, overdue = Counter(), Counter()
    for created, due in rows:
        age_days = (now - clock.ensure_aware(created)).total_seconds() / 86400
        label = next(name for limit, name in AGE_BUCKETS if limit is None or age_days < limit)
        (overdue if due is not None and due < now else on_time)[label] += 1
    labels = [name for _limit, name in AGE_BUCKETS]
    return {"buckets": labels, "on_time": [on_time[b] for b in labels], "overdue": [overdue[b] for b in labels]}


def charts(now: datetime | None = None) -> dict:
    now = now or clock.now()
    return {
        "on_time_by_unit": on_time_by_unit(now),
        "breaches_by_rule": breaches_by_rule(now),
        "open_by_age": open_by_age(now),
    }
