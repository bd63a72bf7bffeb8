"""The inbox (issue 7 §2) and the claim / unclaim / delegate actions (§3), from the list and from the task page."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, session, url_for

from app import clock
from app.core.errors import Conflict, Forbidden, NotFound, ServiceError
from app.platform import inbox as inbox_views
from app.platform import reassignment, tasks
from app.web.blueprints import pages
from app.web.pages.common import plain, safe_next, signed_in

# What to do next, after the service's own sentence.
NEXT_STEP = {
    Conflict: "请刷新列表后选择其他任务。",
    Forbidden: "如需办理，请联系本组部门负责人。",
    NotFound: "请返回待办列表。",
}


def _filters() -> inbox_views.Filters:
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    return inbox_views.Filters(
        process=request.args.get("process") or None,
        group=request.args.get("group") or None,
        overdue=request.args.get("overdue") == "1",
        q=(request.args.get("q") or "").strip()[:64] or None,
        sort="created" if request.args.get("sort") == "created" else "due",
        page=page,
    )


@pages.get("/")
def home():
    return redirect(url_for("pages.inbox"))


def _since(user) -> datetime | None:
    """The previous inbox visit that the 新 marks count from: carried by the filter form and the pager (so searching
    keeps the marks of this visit), else the stored one."""
    if "since" not in request.args:
        return user.inbox_seen_at
    try:
        return clock.ensure_aware(datetime.fromisoformat(request.args["since"]))
    except ValueError:
        return user.inbox_seen_at


@pages.get("/inbox")
@signed_in
def inbox(user):
    view = request.args.get("view", "mine")
    filters = _filters()
    since = _since(user)
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-results"
    if not partial and view != "done":
        inbox_views.mark_seen(user.id)  # looked at now: the menu's unread count starts again from here
    listing = inbox_views.listing(user, view, filters, since)
    context = {
        "since": clock.ensure_aware(since).isoformat() if since else "",
        "listing": listing,
        "filters": filters,
        "processes": inbox_views.process_names(),
        "groups": inbox_views.group_choices(user),
        "here": request.full_path.rstrip("?"),
        "current_view": listing.view.name,
    }
    if partial:
        return render_template("inbox/_results.html", **context)
    return render_template("inbox/index.html", **context)


def _act(action, task_id: str, done: str, then_task: bool = False):
    """Do it and go back where the person came from; a claim goes on to the task claimed (issue 11: after 认领 the
    person works the task, not the emptied list)."""
    back = safe_next(request.form.get("next"), url_for("pages.task", task_id=task_id))
    try:
        action()
    except ServiceError as err:
        hint = next((text for kind, text in NEXT_STEP.items() if isinstance(err, kind)), "")
        flash(f"{plain(err.detail)}。{hint}".replace("。。", "。"), "error")
        return redirect(back, code=303)
    flash(done, "ok")
    return redirect(url_for("pages.task", task_id=task_id) if then_task else back, code=303)


@pages.post("/tasks/<task_id>/claim")
@signed_in
def claim(user, task_id: str):
    return _act(lambda: tasks.claim(task_id, user), task_id, "已认领，请办理。", then_task=True)


@pages.post("/tasks/<task_id>/unclaim")
@signed_in
def unclaim(user, task_id: str):
    return _act(lambda: tasks.unclaim(task_id, user), task_id, "已退回组内待办。")


@pages.post("/tasks/<task_id>/delegate")
@signed_in
def delegate(user, task_id: str):
    to = request.form.get("to", "")
    if not to:
        flash("请选择接办人。", "error")
        return redirect(safe_next(request.form.get("next"), url_for("pages.task", task_id=task_id)), code=303)
    return _act(lambda: tasks.delegate(task_id, user, to), task_id, "已转办。")


@pages.post("/tasks/<task_id>/reassign")
@signed_in
def reassign(user, task_id: str):
    """Heads and administrators move an open task to a person or a unit, with a reason (issue 11)."""
    to_user = request.form.get("to_user", "").strip() if request.form.get("to") != "group" else ""
    to_group = request.form.get("to_group", "").strip() if request.form.get("to") == "group" else ""
    reason = request.form.get("reason", "")
    try:
        moved = reassignment.reassign(task_id, user, reason, to_user=to_user or None, to_group=to_group or None)
    except ServiceError as err:
        problems = err.extra.get("errors") or []
        message = problems[0]["message"] if problems else plain(err.detail)
        flash(f"未改派：{message}。", "error")
        session["reassign_form"] = {"to": request.form.get("to", "user"), "to_user": to_user,
                                    "to_group": to_group, "reason": reason[:500]}  # fmt: skip
        return redirect(url_for("pages.task", task_id=task_id) + "#reassign", code=303)
    who = moved.candidate_group if moved.assignee_id is None else (to_user or "")
    flash(f"已改派给 {who}，原因已记入办理记录。", "ok")
    return redirect(url_for("pages.task", task_id=task_id), code=303)
