"""Publishing a process version is itself a case (issue 14 §5): processes/process_change.bpmn.

The author submits a checked draft with a reason; a second process owner — never the author (the review task's
``notFor=author``, checked again here) — reviews the visual diff and approves or sends it back; the approval's script
step calls ``publish_process_change`` and only then the version is live. A rollback is a draft of an older version
going through the same review. Every step is an event in the case's hash-chained history.
"""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import HumanTask, ProcessDefinition, ProcessDraft, User
from app.owners import drafts
from app.owners.access import require_owner
from app.platform import definitions, diagram_checks, instances, tasks

PROCESS = "process_change"
REVIEW_TASK, REWORK_TASK = "Task_review", "Task_rework"
MAX_REASON = 2000


def _case_data(draft: ProcessDraft, user: User, reason: str) -> dict:
    base = drafts.base_of(draft)
    return {
        "change_no": f"BG-{draft.key}-{draft.id}",
        "draft_id": draft.id,
        "process_key": draft.key,
        "process_name": draft.name,
        "author": user.username,
        "reason": reason,
        "from_version": base.version if base is not None else None,
    }


def _refuse_errors(draft: ProcessDraft) -> None:
    found = diagram_checks.check_diagram(draft.xml.encode("utf-8"), drafts.edited_forms(draft))
    errors = [f for f in found if f.severity == "error"]
    if errors:
        raise Invalid(
            f"草稿还有 {len(errors)} 个错误，修正后才能提交 (the draft has {len(errors)} error(s); fix them first)",
            errors=[f.as_dict() for f in errors],
        )


def _refuse_same_as_live(draft: ProcessDraft) -> None:
    try:
        live = definitions.live(draft.key)
    except NotFound:
        return
    if live.xml == draft.xml and definitions.pinned_forms(live) == {
        k: v for k, v in drafts.edited_forms(draft).items() if k in definitions.pinned_forms(live)
    }:
        raise Conflict(f"草稿与现行第 {live.version} 版相同，无需发布 (the draft equals the live version)")


@writes
def submit(draft_id: int, reason: str, user: User):
    """Start the review case for a draft without errors. Returns the case."""
    draft = drafts.get(draft_id)
    require_owner(user)
    if draft.author_id != user.id:
        raise Forbidden("只有草稿的作者可以提交 (only the author submits a draft)")
    if draft.status != "editing":
        raise Conflict("草稿已提交评审或已结束 (the draft is already under review or closed)")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写变更原因 (a reason is required)", fields=["reason"])
    if len(reason) > MAX_REASON:
        raise Invalid("变更原因太长 (reason too long)", fields=["reason"])
    _refuse_errors(draft)
    _refuse_same_as_live(draft)
    draft.status, draft.reason, draft.updated_at = "submitted", reason, clock.now()
    data = _case_data(draft, user, reason)
    case = instances.start(PROCESS, data, user, business_key=f"{data['change_no']}-{int(clock.now().timestamp())}")
    draft.change_instance_id = case.id
    return case


def open_task(draft: ProcessDraft, spec_name: str) -> HumanTask | None:
    if draft.change_instance_id is None:
        return None
    return db.session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == draft.change_instance_id,
            HumanTask.spec_name == spec_name,
            HumanTask.state == "ready",
        )
    )


@writes
def decide(draft_id: int, decision: str, comment: str, user: User) -> ProcessDraft:
    """The reviewer's approve / send back, from the diff page: claims the review task and completes it."""
    require_owner(user)
    draft = drafts.get(draft_id)
    if user.id == draft.author_id:
        raise Forbidden("作者不能评审自己的变更，须由另一位流程负责人评审 (the author may not review their own change)")
    if decision not in {"approve", "return"}:
        raise Invalid("请选择“批准发布”或“退回修改” (decision must be approve or return)", fields=["decision"])
    if decision == "return" and not (comment or "").strip():
        raise Invalid("退回时请写明需要修改的地方 (say what to change when sending back)", fields=["comment"])
    task = open_task(draft, REVIEW_TASK)
    if task is None:
        raise Conflict("此变更当前没有待评审的任务 (nothing waits for review)")
    if task.assignee_id is None:
        tasks.claim(task.id, user)
    instances.complete_task(task.id, {"decision": decision, "comment": (comment or "").strip()}, user)
    return drafts.get(draft_id)


@writes
def resubmit(draft_id: int, note: str, user: User) -> ProcessDraft:
    """The author sends a reworked draft back to review (it must be free of errors again)."""
    draft = drafts.get(draft_id)
    if draft.author_id != user.id:
        raise Forbidden("只有草稿的作者可以重新提交 (only the author resubmits)")
    task = open_task(draft, REWORK_TASK)
    if task is None:
        raise Conflict("此变更没有等待修改的任务 (nothing waits for rework)")
    _refuse_errors(draft)
    instances.complete_task(task.id, {"action": "resubmit", "note": (note or "").strip()}, user)
    return drafts.get(draft_id)


def check_rework(data: dict, case: dict) -> dict:
    """Task rule for the rework task: a resubmitted draft must be free of errors (whatever page completes it)."""
    if data.get("action") == "resubmit":
        _refuse_errors(drafts.get(int(case["draft_id"])))
    return data


# -- script functions the change diagram calls (recorded in its events; replay feeds the answers back) -------------


def _draft_of_case(draft_id) -> ProcessDraft:
    draft = db.session.get(ProcessDraft, int(draft_id))
    if draft is None:
        raise Invalid(f"草稿 {draft_id} 不存在 (unknown draft)")
    return draft


def set_change_status(draft_id, status: str) -> str:
    """``returned`` opens the draft for editing again; ``submitted`` locks it; ``withdrawn`` closes it."""
    draft = _draft_of_case(draft_id)
    draft.status = {"returned": "editing", "submitted": "submitted", "withdrawn": "withdrawn"}[status]
    draft.updated_at = clock.now()
    db.session.flush()
    return draft.status


def _reviewer(draft: ProcessDraft) -> User | None:
    """Who is approving: the claimant of the review task, else the signed-in user completing it unclaimed."""
    task = open_task(draft, REVIEW_TASK)
    if task is not None and task.assignee_id is not None:
        return db.session.get(User, task.assignee_id)
    return g.get("user")


def publish_process_change(draft_id) -> int:
    """Approve → the draft's diagram and forms become a version (or the existing one, for a rollback) and live."""
    draft = _draft_of_case(draft_id)
    reviewer = _reviewer(draft)
    if reviewer is not None and reviewer.id == draft.author_id:
        raise Forbidden("作者不能批准自己的变更 (the author may not approve their own change)")
    row, _ = definitions.store(draft.xml.encode("utf-8"), f"{draft.key}.bpmn", draft.author_id, "browser",
                               drafts.edited_forms(draft))  # fmt: skip
    definitions.release(row, reviewer.id if reviewer is not None else None, "review", draft.change_instance_id,
                        draft.reason)  # fmt: skip
    draft.status, draft.published_definition_id, draft.updated_at = "published", row.id, clock.now()
    db.session.flush()
    return row.version


def published_row(draft: ProcessDraft) -> ProcessDefinition | None:
    return db.session.get(ProcessDefinition, draft.published_definition_id) if draft.published_definition_id else None
