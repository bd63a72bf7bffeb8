"""Pages of the gas connection area: the counter intake with the one-time notice (S5), the commitments table (S10,
S18.5; administrators edit it), and the public pages — the online application with its SMS code and the progress
lookup (application number + last four phone digits). The public pages need no sign-in and fit a phone screen."""

from __future__ import annotations

import contextlib
import copy

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.connection import application, codes, commitments, notice, progress
from app.core.errors import Invalid, ServiceError
from app.core.registry import CaseLink
from app.extensions import csrf
from app.models import CLASSES
from app.org.access import require_role
from app.platform import forms
from app.web.pages.common import plain, signed_in
from app.web.pages.schema_form import field_errors, fields_of, loose_errors, parse

blueprint = Blueprint(
    "connection", __name__, template_folder="templates", static_folder="static", static_url_path="/static/connection"
)
PUBLIC_FIELDS = ("customer_class", "customer_name", "phone", "branch", "street", "estate", "room",
                 "expected_use", "expected_volume")  # fmt: skip


def require_staff(user) -> None:
    require_role(user, "staff", "admin")


def case_links(process_key: str, case: dict, instance_id: int) -> list[CaseLink]:
    if process_key != application.PROCESS:
        return []
    return [CaseLink("报装承诺时限", url_for("connection.commitments_page"))]


def _client() -> str:
    return request.remote_addr or "unknown"


# ---------------------------------------------------------------- counter (一窗受理, S5) and 代办 (M7.1)


def _counter_schema() -> dict:
    """The start form as the counter uses it: online applications come only through the public form."""
    schema = copy.deepcopy(forms.load_form(application.PROCESS, "start"))
    channel = schema["properties"]["channel"]
    channel["oneOf"] = [o for o in channel["oneOf"] if o["const"] in application.STAFF_CHANNELS]
    return schema


def _counter(values: dict, errors: dict, loose: list[str], status: int = 200):
    schema = _counter_schema()
    return render_template("connection/counter.html", fields=fields_of(schema, values, errors),
                           loose_errors=loose + loose_errors(schema, errors), notice=notice.one_time()), status  # fmt: skip


@blueprint.get("/connection/counter")
@signed_in
def counter_intake(user):
    require_staff(user)
    return _counter({}, {}, [])


@blueprint.post("/connection/counter")
@signed_in
def counter_submit(user):
    require_staff(user)
    schema = _counter_schema()
    data = parse(schema, request.form, request.files, lambda *_: None, lambda *_: None)
    data = {k: v for k, v in data.items() if v is not None}
    try:
        result = application.apply(data, user)
    except Invalid as err:
        errors, loose = field_errors(err.extra.get("errors", []))
        return _counter(data, errors, loose or ([] if errors else [plain(err.detail)]), 422)
    flash(f"已受理，案件编号 {result.application_no}（即申请编号，已短信告知客户及进度查询方式）。", "ok")
    return redirect(url_for("pages.case", instance_id=result.instance_id), code=303)


# ---------------------------------------------------------------- commitments (S10, S18.5)


@blueprint.get("/connection/commitments")
@signed_in
def commitments_page(user):
    require_staff(user)
    return render_template("connection/commitments.html", table=commitments.table(), steps=commitments.STEPS,
                           paths=commitments.PATHS, may_edit="admin" in user.roles, errors={})  # fmt: skip


@blueprint.post("/connection/commitments")
@signed_in
def commitments_save(user):
    values = {s.key: {p: request.form.get(f"{s.key}.{p}", "") for p in commitments.PATHS} for s in commitments.STEPS}
    try:
        commitments.save(values, user)
    except Invalid as err:
        errors = {e["field"]: e["message"] for e in err.extra.get("errors", [])}
        return render_template("connection/commitments.html", table=values, steps=commitments.STEPS,
                               paths=commitments.PATHS, may_edit=True, errors=errors), 422  # fmt: skip
    flash("已保存业务办理时限服务承诺。新开始的环节按新时限计算。", "ok")
    return redirect(url_for("connection.commitments_page"), code=303)


# ---------------------------------------------------------------- public: online application (SMS code)


def _apply_page(values: dict, errors: dict, message: str = "", status: int = 200, sent: bool = False):
    return render_template("connection/apply.html", values=values, errors=errors, message=message, sent=sent,
                           classes=CLASSES, branches=application.branches(), notice=notice.one_time()), status  # fmt: skip


def _public_values() -> dict:
    values = {name: (request.form.get(name) or "").strip() for name in PUBLIC_FIELDS}
    values["small_enterprise"] = request.form.get("small_enterprise") == "on"
    values["documents_brought"] = request.form.getlist("documents_brought")
    return values


def _payload(values: dict) -> dict:
    data = {k: v for k, v in values.items() if v not in ("", None)}
    if "expected_volume" in data:
        with contextlib.suppress(ValueError):
            data["expected_volume"] = float(data["expected_volume"])
    return data


@blueprint.get("/connection/apply")
def public_apply():
    return _apply_page({}, {})


@blueprint.post("/connection/apply/code")
def public_send_code():
    csrf.protect()
    values = _public_values()
    try:
        codes.send(values.get("phone", ""), _client())
    except ServiceError as err:
        return _apply_page(values, {"phone": plain(err.detail)}, status=err.status)
    return _apply_page(values, {}, "验证码已发送到您的手机，10 分钟内有效。", sent=True)


@blueprint.post("/connection/apply")
def public_submit():
    csrf.protect()
    values = _public_values()
    try:
        result = application.apply_online(_payload(values), request.form.get("code", ""), _client())
    except Invalid as err:
        errors, loose = field_errors(err.extra.get("errors", []))
        return _apply_page(values, errors, "；".join(loose) or ("" if errors else plain(err.detail)), 422, True)
    except ServiceError as err:
        return _apply_page(values, {}, plain(err.detail), err.status, True)
    return render_template("connection/applied.html", application_no=result.application_no)


# ---------------------------------------------------------------- public: progress (S18.5)


@blueprint.get("/connection/progress")
def public_progress():
    return render_template("connection/progress.html", result=None, asked=False, throttled=False,
                           application_no=request.args.get("no", ""))  # fmt: skip


@blueprint.post("/connection/progress")
def public_progress_lookup():
    csrf.protect()
    number = (request.form.get("application_no") or "").strip()
    found = progress.public_lookup(number, request.form.get("last4", ""), _client())
    status = 429 if found.throttled else 200 if found.progress else 404
    return render_template("connection/progress.html", result=found.progress, asked=True, throttled=found.throttled,
                           application_no=number), status  # fmt: skip
