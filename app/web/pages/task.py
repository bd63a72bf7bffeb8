"""The task page (issue 7 §4): the form from its JSON Schema beside the case, inline errors, a saved draft."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, ServiceError
from app.platform import attachments, drafts, forms, instances, pickers, reassignment, tasks
from app.platform import inbox as inbox_views
from app.web.blueprints import pages
from app.web.pages.case import case_context
from app.web.pages.common import plain, signed_in
from app.web.pages.schema_form import field_errors, field_suggestions, fields_of, loose_errors, parse

# A form may carry a few files; each is checked against attachments.MAX_ATTACHMENT_BYTES.
MAX_FORM_BYTES = 4 * attachments.MAX_ATTACHMENT_BYTES + 200_000


@pages.before_request
def _allow_uploads():
    if request.endpoint == "pages.task_submit":
        request.max_content_length = MAX_FORM_BYTES  # before web.auth reads the form for the CSRF check


def _visible_task(task_id: str, user):
    task = tasks.get(task_id)
    tasks.require_not_about(task, user)  # C13.2.5: the person complained about gets a 403 page saying so
    if not (tasks.may_see(task, user) or reassignment.may_reassign(task, user)):
        raise Forbidden("您不能查看此任务 (not your task)")
    return task


def _schema(task) -> dict:
    return forms.load_task_form(task) if task.form_key else {"properties": {}}  # its case's version's form


def _render(user, task, values: dict, errors: dict[str, str], loose: list[str], status: int = 200,
            suggestions: dict | None = None):  # fmt: skip
    instance = instances.get(task.instance_id)
    schema = _schema(task)
    context = case_context(user, instance)
    fields = fields_of(schema, values, errors, case=context["case"].data, suggestions=suggestions)
    loose = loose + loose_errors(schema, errors)
    mine = task.state == "ready" and task.assignee_id == user.id
    may_delegate = task.state == "ready" and (mine or ("head" in user.roles and tasks.is_candidate(task, user)))
    return (
        render_template(
            "task.html",
            task=task,
            fields=fields,
            loose_errors=loose,
            mine=mine,
            claimable=task.state == "ready" and task.assignee_id is None and tasks.is_candidate(task, user),
            has_draft=drafts.load(task.id, user) is not None,
            delegates=inbox_views.delegates_for(task, user) if may_delegate else [],
            may_reassign=reassignment.may_reassign(task, user),
            reassign_form=session.pop("reassign_form", {}),
            now_utc=clock.now(),
            time_left=inbox_views.time_left(task, clock.now()),
            **context,
        ),
        status,
    )


@pages.get("/tasks/<task_id>")
@signed_in
def task(user, task_id: str):
    found = _visible_task(task_id, user)
    instance = instances.get(found.instance_id)
    values = drafts.load(found.id, user)
    if values is None and found.state == "ready":
        case = instances.case_data(instance)
        values = pickers.prefilled(_schema(found), case, case)  # what the case already knows (e.g. 责任单位)
    return _render(user, found, values or {}, {}, [])


def _parse_form(task, user, instance_id: int) -> tuple[dict, dict[str, str]]:
    schema = _schema(task)
    upload_errors: dict[str, str] = {}

    def store(name, upload):
        content = upload.stream.read(attachments.MAX_ATTACHMENT_BYTES + 1)
        try:
            return attachments.add(instance_id, user, name, upload.filename, upload.mimetype, content)
        except Invalid as err:
            upload_errors[name] = plain(err.detail)
            return None

    def keep(_name, attachment_id):
        try:
            return attachments.find(instance_id, attachment_id)[0]
        except ServiceError:
            return None

    data = parse(schema, request.form, request.files, store, keep)
    return {k: v for k, v in data.items() if v is not None}, upload_errors


@pages.post("/tasks/<task_id>")
@signed_in
def task_submit(user, task_id: str):
    found = _visible_task(task_id, user)
    if found.state != "ready" or found.assignee_id != user.id:
        flash("请先认领此任务再办理。" if found.state == "ready" else "此任务已办结，无需再办理。", "error")
        return redirect(url_for("pages.task", task_id=task_id), code=303)
    data, upload_errors = _parse_form(found, user, found.instance_id)
    if request.form.get("action") == "draft":
        drafts.save(found.id, user, data)
        if request.headers.get("HX-Request"):
            return render_template("task/_draft_saved.html")
        flash("草稿已保存。", "ok")
        return redirect(url_for("pages.task", task_id=task_id), code=303)
    if upload_errors:
        return _render(user, found, data, upload_errors, [], 422)
    revision = request.form.get("revision", "")
    try:
        done = instances.complete_task(
            found.id, data, user, expected_revision=int(revision) if revision.isdigit() else None
        )
    except Invalid as err:
        problems = err.extra.get("errors", [])
        errors, loose = field_errors(problems)
        shown = loose or ([] if errors else [plain(err.detail)])
        return _render(user, found, data, errors, shown, 422, field_suggestions(problems))
    except (Conflict, Forbidden) as err:
        flash(f"{plain(err.detail)}。请刷新页面查看最新状态。".replace("。。", "。"), "error")
        return redirect(url_for("pages.task", task_id=task_id), code=303)
    drafts.discard(found.id, user)
    if done.incident is not None:  # issue 13, item 3: the form is kept; the case waits for the process owner
        flash(f"“{found.name}”已提交，但流程下一步出错（{done.incident.element_name or ''}），已记录为流程故障，"
              "流程负责人处理后案件将继续，无需重新填写。", "error")  # fmt: skip
        return redirect(url_for("pages.case", instance_id=done.instance_id), code=303)
    flash(f"“{found.name}”已提交。", "ok")
    return redirect(url_for("pages.inbox"), code=303)
