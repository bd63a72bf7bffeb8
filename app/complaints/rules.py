"""The complaint rules that a form schema cannot express, checked when the task is completed (rules.md C13).

Each check takes the submitted form data and the case data, and returns the data to store (possibly completed, e.g.
the direct superior looked up in the directory) or raises Invalid naming the fields.
"""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import Invalid
from app.extensions import db
from app.models import User
from app.org import directory


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def check_investigators(data: dict, case: dict) -> dict:
    """C13.2.5: the person complained about never investigates; an investigator with a conflict of interest (declared
    on the form, or on record in the directory) steps aside or is joined by a second investigator without a conflict,
    and both sign.
    C13.2.4: the findings go to the direct superior of the person complained about, taken from the directory."""
    about = (case.get("about") or {}).get("user")
    problems = []
    investigators = data.get("investigators", [])
    people = {name: _user(name) for name in investigators}
    for name, person in people.items():
        if person is None or not person.active:
            problems.append({"field": "investigators", "message": f"调查人员：用户 {name} 不存在或已停用"})
    if about and about in investigators:
        problems.append({"field": "investigators", "message": "调查人员：被投诉人不得调查本案（C13.2.5）"})
    complainee = _user(about) if about else None
    on_record = [
        name for name, person in people.items()
        if person is not None and complainee is not None and directory.conflicted(person, complainee)
    ]  # fmt: skip
    declared = [name for name in data.get("conflicted_investigators", []) if name in investigators]
    conflicted = list(dict.fromkeys([*on_record, *declared]))
    if (data.get("conflict_declared") or conflicted) and len(investigators) < 2:
        who = "、".join(conflicted) or "调查人员"
        problems.append(
            {
                "field": "investigators",
                "message": f"调查人员：{who} 与被投诉人有利害关系，须由两名以上调查人共同调查（C13.2.5）",
            }
        )
    elif investigators and len(conflicted) == len(investigators):
        # C13.2.5: a second investigator dilutes one conflict; two conflicted investigators dilute nothing.
        problems.append(
            {
                "field": "investigators",
                "message": "调查人员：至少须有一名与被投诉人无利害关系的调查人（C13.2.5）",
            }
        )
    if problems:
        raise Invalid("调查人员不符合回避规定 (investigators break the recusal rule C13.2.5)", errors=problems)
    stored = dict(data)
    if on_record:
        stored["conflict_on_record"] = on_record
    return with_superior(stored, case)


def with_superior(data: dict, case: dict) -> dict:
    """C13.2.4: the direct superior of the person complained about, as named on the form or from the directory."""
    about = (case.get("about") or {}).get("user")
    complainee = _user(about) if about else None
    stored = dict(data)
    if not stored.get("superior") and complainee is not None and complainee.superior_id:
        superior = db.session.get(User, complainee.superior_id)
        stored["superior"] = superior.username if superior else None
    if stored.get("superior") == about and about:
        raise Invalid(
            "直接上级不能是被投诉人本人", errors=[{"field": "superior", "message": "直接上级：不能是被投诉人本人"}]
        )
    return stored


def check_assist(data: dict, case: dict) -> dict:
    """C5.2: the responsible unit's contact assists 客服中心's investigation of a major complaint; never the person
    complained about (C13.2.5). The direct superior is found as on the general path (C13.2.4)."""
    about = (case.get("about") or {}).get("user")
    if about and data.get("assist_contact") == about:
        raise Invalid(
            "被投诉人不得参与本案调查 (C13.2.5)",
            errors=[{"field": "assist_contact", "message": "责任单位联系人：被投诉人不得参与本案调查（C13.2.5）"}],
        )
    return with_superior(data, case)


PARTIES = (("complainant", "投诉人"), ("complainee", "被投诉人"))


def record_talks(data: dict, case: dict) -> dict:
    """C13.2.4: the investigators tell both parties and the direct superior of the person complained about what was
    found (who, when, how, what was said). Whoever disagrees is summed up in ``disagreements``, which the validity
    ruling (C9/C10) shows to 客服中心 beside its choices."""
    seen = {**case, **data}
    lines = []
    for party, label in PARTIES:
        if seen.get(f"{party}_agrees") is False:
            lines.append(f"{label}{seen.get(f'{party}_talk_with', '')}不认可：{seen.get(f'{party}_said', '')}")
    if seen.get("superior_agrees") is False:
        lines.append(f"直接上级{seen.get('superior', '') or ''}不认可：{seen.get('superior_opinion', '')}")
    stored = dict(data)
    stored["disagreements"] = "；".join(lines) or "投诉双方及直接上级均认可调查结论"
    return stored
