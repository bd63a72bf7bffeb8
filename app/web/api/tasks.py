"""The inbox and the task actions: claim, unclaim, delegate, complete (issue 2 §5, §7; issue 3 §5)."""

from __future__ import annotations

from flask import jsonify, request

from app.core.errors import BadRequest, Forbidden, Invalid
from app.platform import forms, instances, reassignment, tasks
from app.web.api.common import json_body, parse_instant, task_json
from app.web.auth import login_required
from app.web.blueprints import api


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} 必须是整数 (must be an integer)") from None
    return min(max(value, low), high)


@api.get("/tasks")
@login_required
def list_tasks(user):
    due_before = request.args.get("due_before")
    query = tasks.InboxQuery(
        scope=request.args.get("scope", "mine"),
        overdue=request.args.get("overdue") in {"1", "true"},
        due_before=parse_instant(due_before, "due_before") if due_before else None,
        process=request.args.get("process") or None,
        q=request.args.get("q") or None,
        page=_int_arg("page", 1, 1, 100_000),
        page_size=_int_arg("page_size", tasks.PAGE_SIZE, 1, 200),
    )
    rows, total = tasks.inbox(user, query)
    return jsonify({"tasks": [task_json(t) for t in rows], "total": total, "page": query.page})


@api.get("/tasks/<task_id>")
@login_required
def get_task(user, task_id: str):
    task = tasks.get(task_id)
    tasks.require_not_about(task, user)  # C13.2.5
    if not tasks.may_see(task, user):
        raise Forbidden("您不能查看此任务 (not your task)")
    body = task_json(task)
    body["form"] = forms.load_task_form(task) if task.form_key else None
    body["revision"] = instances.get(task.instance_id).revision
    return jsonify(body)


@api.post("/tasks/<task_id>/claim")
@login_required
def claim_task(user, task_id: str):
    return jsonify(task_json(tasks.claim(task_id, user)))


@api.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim_task(user, task_id: str):
    return jsonify(task_json(tasks.unclaim(task_id, user)))


@api.post("/tasks/<task_id>/delegate")
@login_required
def delegate_task(user, task_id: str):
    to = json_body().get("to")
    if not isinstance(to, str) or not to:
        raise Invalid("缺少 to（接办人用户名）(delegate target username required)")
    return jsonify(task_json(tasks.delegate(task_id, user, to)))


@api.post("/tasks/<task_id>/reassign")
@login_required
def reassign_task(user, task_id: str):
    body = json_body()
    to_user, to_group, reason = body.get("to_user"), body.get("to_group"), body.get("reason")
    if not all(v is None or isinstance(v, str) for v in (to_user, to_group, reason)):
        raise BadRequest("to_user、to_group、reason 必须是字符串 (strings expected)")
    return jsonify(task_json(reassignment.reassign(task_id, user, reason or "", to_user=to_user, to_group=to_group)))


@api.get("/tasks/unstaffed")
@login_required
def unstaffed_tasks(user):
    if not reassignment.oversees(user):
        raise Forbidden("只有部门负责人和管理员可以查看无人办理的任务 (heads and administrators only)")
    rows = reassignment.unstaffed_tasks(user)
    return jsonify({"tasks": [task_json(t) for t in rows], "total": len(rows)})


@api.post("/tasks/<task_id>/complete")
@login_required
def complete_task(user, task_id: str):
    body = json_body() if request.content_length else {}
    data = body.get("data", {})
    revision = body.get("revision")
    if revision is not None and not isinstance(revision, int):
        raise BadRequest("revision 必须是整数 (revision must be an integer)")
    done = instances.complete_task(task_id, data, user, expected_revision=revision)
    body = {"instance_id": done.instance_id, "status": done.status, "revision": done.revision,
            "next_task_ids": done.next_task_ids}  # fmt: skip
    if done.incident is not None:  # accepted and kept on the incident; applied when it is retried (issue 13, item 3)
        return jsonify({**body, "incident": done.incident.as_json()}), 202
    return jsonify(body)
