"""流程管理 — the process owners' pages (issue 14): the process list, the modeler, review and publish, versions and
their visual diff, migration of running cases, forms with a live preview, and the sandbox. Admins may look."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from app.owners import changes, drafts, migration, sandbox, versions
from app.owners.access import is_owner, require_owner, require_viewer
from app.platform import definitions, forms
from app.web.pages.common import plain, signed_in
from app.web.pages.schema_form import fields_of, parse

blueprint = Blueprint(
    "owners", __name__, template_folder="templates", static_folder="static", static_url_path="/static/owners"
)


def _viewer(view):
    @signed_in
    def wrapper(user, *args, **kwargs):
        require_viewer(user)
        return view(user, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _back(endpoint: str, message: str, category: str = "ok", **values):
    flash(message, category)
    return redirect(url_for(endpoint, **values), code=303)


@blueprint.get("/owners")
@_viewer
def index(user):
    return render_template("owners/index.html", processes=versions.process_list(), owner=is_owner(user))


@blueprint.post("/owners/drafts")
@_viewer
def new_draft(user):
    try:
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            draft = drafts.start_from_upload(upload.read(drafts.MAX_XML_BYTES + 1), user)
        else:
            number = request.form.get("version", "")
            draft = drafts.start_from_version(
                request.form.get("key", ""), int(number) if number.isdigit() else None, user
            )
    except ServiceError as err:
        return _back("owners.index", plain(err.detail), "error")
    return redirect(url_for("owners.modeler", draft_id=draft.id), code=303)


@blueprint.get("/owners/drafts/<int:draft_id>")
@_viewer
def modeler(user, draft_id: int):
    draft = drafts.get(draft_id)
    editable = draft.status == "editing" and draft.author_id == user.id
    return render_template("owners/modeler.html", draft=draft, editable=editable, form_keys=drafts.form_keys(draft),
                           rework=changes.open_task(draft, changes.REWORK_TASK))  # fmt: skip


@blueprint.post("/owners/drafts/<int:draft_id>/submit")
@_viewer
def submit(user, draft_id: int):
    try:
        changes.submit(draft_id, request.form.get("reason", ""), user)
    except Invalid as err:
        return _back("owners.modeler", plain(err.detail), "error", draft_id=draft_id)
    except (Conflict, Forbidden) as err:
        return _back("owners.modeler", plain(err.detail), "error", draft_id=draft_id)
    return _back("owners.review", "已提交评审，等待另一位流程负责人评审。", draft_id=draft_id)


@blueprint.post("/owners/drafts/<int:draft_id>/resubmit")
@_viewer
def resubmit(user, draft_id: int):
    try:
        changes.resubmit(draft_id, request.form.get("note", ""), user)
    except ServiceError as err:
        return _back("owners.modeler", plain(err.detail), "error", draft_id=draft_id)
    return _back("owners.review", "已重新提交评审。", draft_id=draft_id)


@blueprint.post("/owners/drafts/<int:draft_id>/discard")
@_viewer
def discard(user, draft_id: int):
    try:
        drafts.discard(draft_id, user)
    except ServiceError as err:
        return _back("owners.modeler", plain(err.detail), "error", draft_id=draft_id)
    return _back("owners.index", "草稿已放弃。")


@blueprint.get("/owners/drafts/<int:draft_id>/review")
@_viewer
def review(user, draft_id: int):
    draft = drafts.get(draft_id)
    live, changed = versions.draft_changes(draft)
    task = changes.open_task(draft, changes.REVIEW_TASK)
    may_decide = task is not None and is_owner(user) and user.id != draft.author_id
    return render_template("owners/review.html", draft=draft, live=live, changes=changed, task=task,
                           may_decide=may_decide, published=changes.published_row(draft),
                           author=definitions.publisher_name(draft.author_id))  # fmt: skip


@blueprint.post("/owners/drafts/<int:draft_id>/decide")
@_viewer
def decide(user, draft_id: int):
    decision = request.form.get("decision", "")
    try:
        draft = changes.decide(draft_id, decision, request.form.get("comment", ""), user)
    except ServiceError as err:
        return _back("owners.review", plain(err.detail), "error", draft_id=draft_id)
    if draft.status == "published":
        row = changes.published_row(draft)
        return _back("owners.process", f"已批准，{draft.name} 第 {row.version} 版现已生效。", key=draft.key)
    return _back("owners.review", "已退回作者修改。", draft_id=draft_id)


@blueprint.get("/owners/processes/<key>")
@_viewer
def process(user, key: str):
    rows = definitions.versions(key)
    if not rows:
        raise NotFound(f"流程 {key} 未部署 (no process with key {key})")
    return render_template("owners/process.html", key=key, rows=rows, live=definitions.live(key),
                           releases=definitions.releases(key), running=versions.running_by_version(key),
                           drafts=drafts.open_drafts(key), owner=is_owner(user),
                           publisher=definitions.publisher_name)  # fmt: skip


@blueprint.get("/owners/processes/<key>/diff")
@_viewer
def diff(user, key: str):
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not (a.isdigit() and b.isdigit()):
        return _back("owners.process", "请选择要比较的两个版本。", "error", key=key)
    old, new = definitions.version(key, int(a)), definitions.version(key, int(b))
    changed = versions.element_changes(old.xml, new.xml) + versions.form_changes(
        definitions.pinned_forms(old), definitions.pinned_forms(new)
    )
    return render_template("owners/diff.html", key=key, old=old, new=new, changes=changed)


@blueprint.get("/owners/processes/<key>/migrate")
@_viewer
def migrate_page(user, key: str):
    live = definitions.live(key)
    to = request.args.get("to", "")
    target = int(to) if to.isdigit() else live.version
    candidates = migration.dry_run(key, target)
    return render_template("owners/migrate.html", key=key, rows=definitions.versions(key), target=target,
                           candidates=candidates, owner=is_owner(user))  # fmt: skip


@blueprint.post("/owners/processes/<key>/migrate")
@_viewer
def migrate(user, key: str):
    to = request.form.get("to", "")
    if not to.isdigit():
        return _back("owners.migrate_page", "请选择目标版本。", "error", key=key)
    recompute = request.form.get("recompute") == "on"
    target = request.form.get("instance", "")
    try:
        if target.isdigit():
            migration.migrate_one(int(target), int(to), user, recompute)
            message = f"案件 {target} 已迁移到第 {to} 版。"
        else:
            result = migration.migrate_all(key, int(to), user, recompute)
            message = f"已迁移 {len(result.moved)} 件，{len(result.refused)} 件不能迁移。"
    except ServiceError as err:
        return _back("owners.migrate_page", plain(err.detail), "error", key=key, to=to)
    return _back("owners.migrate_page", message, key=key, to=to)


@blueprint.route("/owners/drafts/<int:draft_id>/forms/<form_key>", methods=["GET", "POST"])
@_viewer
def form_editor(user, draft_id: int, form_key: str):
    draft = drafts.get(draft_id)
    schema = drafts.form_of(draft, form_key)
    text = json.dumps(schema or {"type": "object", "properties": {}}, ensure_ascii=False, indent=2)
    error, status = "", 200
    if request.method == "POST":
        text = request.form.get("schema", "")
        try:
            drafts.save_form(draft_id, form_key, json.loads(text), user)
            return _back(
                "owners.form_editor", "表单已保存到草稿，随草稿一起发布。", draft_id=draft_id, form_key=form_key
            )
        except json.JSONDecodeError as err:
            error, status = f"JSON 格式错误：第 {err.lineno} 行第 {err.colno} 列", 422
        except ServiceError as err:
            error, status = plain(err.detail), 422
    preview = _preview_fields(text)
    return render_template("owners/form.html", draft=draft, form_key=form_key, text=text, error=error,
                           fields=preview[0], preview_error=preview[1],
                           editable=draft.status == "editing" and draft.author_id == user.id), status  # fmt: skip


def _preview_fields(text: str):
    """The form as the task page renders it (schema_form.fields_of and _fields.html), or why it cannot be shown."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as err:
        return [], f"JSON 格式错误：第 {err.lineno} 行第 {err.colno} 列"
    reasons = forms.check_schema(schema)
    return (fields_of(schema, {}, {}), "") if not reasons else ([], plain(reasons[0]))


@blueprint.post("/owners/forms/preview")
@_viewer
def form_preview(user):
    fields, error = _preview_fields(request.form.get("schema", ""))
    return render_template("owners/_preview.html", fields=fields, preview_error=error)


@blueprint.post("/owners/drafts/<int:draft_id>/sandbox")
@_viewer
def sandbox_step(user, draft_id: int):
    require_owner(user)
    action, token = request.form.get("action", "start"), request.form.get("token", "")
    view, error, task_errors = None, "", {}
    try:
        if action == "start":
            raw = request.form.get("data", "").strip() or "{}"
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise Invalid("测试数据必须是 JSON 对象 (test data must be a JSON object)")
            when = request.form.get("at", "")
            at = datetime.fromisoformat(when).replace(tzinfo=clock.SHANGHAI) if when else None
            view = sandbox.start(draft_id, data, at)
        elif action == "advance":
            view = sandbox.advance(draft_id, token, float(request.form.get("hours", "0") or 0))
        else:
            task_id, form_key = request.form.get("task_id", ""), request.form.get("form_key", "")
            schema = drafts.form_of(drafts.get(draft_id), form_key) if form_key else {"properties": {}}
            data = parse(schema or {"properties": {}}, request.form, request.files, lambda n, f: {"name": f.filename},
                         lambda *_: None)  # fmt: skip
            problems = forms.form_problems(schema or {"properties": {}}, data)
            if problems:
                task_errors = {p["field"].split(".")[0]: p["message"].split("：", 1)[-1] for p in problems}
                raise Invalid("表单有误，请按提示修改")
            view = sandbox.complete(draft_id, token, task_id, data)
    except json.JSONDecodeError as err:
        error = f"测试数据不是有效的 JSON：第 {err.lineno} 行第 {err.colno} 列"
    except ValueError:
        error = "请输入有效的时间或小时数"
    except ServiceError as err:
        error = plain(err.detail)
    draft = drafts.get(draft_id)
    if view is None and token:  # keep the run on the page; only the message changes
        response = make_response(render_template("owners/_sandbox_error.html", error=error))
        response.headers.update({"HX-Retarget": "#sandbox-error", "HX-Reswap": "innerHTML"})
        return response
    task_forms = {}
    if view is not None:
        for task in view.ready:
            key = task.properties.get("formKey")
            schema = (drafts.form_of(draft, key) if key else None) or {"properties": {}}
            task_forms[task.id] = (key or "", fields_of(schema, task.data, task_errors))
    return render_template("owners/_sandbox.html", draft=draft, view=view, error=error, token=token,
                           task_forms=task_forms)  # fmt: skip
