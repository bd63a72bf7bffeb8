"""Hotline fast intake for complaints (issue 7 §5, issue 5 §1; rules C11, C12, C7.1.1, C8): one keyboard-only page that
records a complaint through complaints.intake, the same contract other systems use (docs/complaints.md).

It answers /start/complaint: a rule without converters outranks the generic /start/<process_key>, so the start list
links here without knowing about it. While the agent types the caller's number or account, the archive lookup of
issue 4 (pages.customer_lookup, masked lists per S21.4) lists matching customers; the repeat check runs on the phone,
account and matter typed so far and warns before submit that the complaint will be merged into an open case (or
flagged internal→external, C8). Without scripts the same warning comes back from the first submit, which then needs
a confirming second submit.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app import clock
from app.complaints import export as complaint_report_export
from app.complaints import intake as complaints
from app.complaints import report as complaint_report
from app.core.errors import Invalid, NotFound
from app.core.registry import CaseLink
from app.org import access
from app.platform import forms, instances
from app.platform.forms import choices_of
from app.web.pages.common import plain, signed_in
from app.web.pages.schema_form import fields_of

blueprint = Blueprint(
    "complaints", __name__, template_folder="templates", static_folder="static", static_url_path="/static/complaints"
)

TEXT_FIELDS = ("complainant.name", "complainant.phone", "complainant.address", "account_no", "external_ref",
               "about.user", "about.unit", "matter", "description", "answer")  # fmt: skip


def _received(raw: str) -> str | None:
    """datetime-local (Beijing time, as the agent sees it) -> ISO with +08:00; unparseable text goes on as typed."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=clock.SHANGHAI)).isoformat()


def payload_of(form: MultiDict) -> dict:
    """The nested start contract (forms/complaint/intake.json) from the flat, dotted input names of the page."""
    values = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS}
    complainant = {key: values[f"complainant.{key}"] for key in ("name", "phone", "address")}
    complainant["anonymous"] = form.get("complainant.anonymous") == "on"
    data = {
        "channel": (form.get("channel") or "").strip(),
        "received_at": _received((form.get("received_at") or "").strip()),
        "complainant": {k: v for k, v in complainant.items() if v not in ("", None)},
        "account_no": values["account_no"],
        "external_ref": values["external_ref"],
        "about": {k: values[f"about.{k}"] for k in ("user", "unit") if values[f"about.{k}"]},
        "matter": values["matter"],
        "description": values["description"],
        "resolved_on_call": form.get("resolved_on_call") == "on",
    }
    if data["resolved_on_call"]:
        data["answer"] = values["answer"]
    return {k: v for k, v in data.items() if v not in ("", None)}


def _earlier(case: dict) -> dict:
    return {"case_no": case.get("case_no"), "received_at": datetime.fromisoformat(case["received_at"])}


def _warnings(data: dict) -> dict:
    """C8/12345 merging: what submitting would do with the earlier cases on the same matter."""
    if not data.get("matter") or not ((data.get("complainant") or {}).get("phone") or data.get("account_no")):
        return {"open": [], "closed": []}
    open_cases = [_earlier(case) for _, case in complaints.earlier_cases(data, running=True)]
    closed = []
    if data.get("channel") in complaints.EXTERNAL_CHANNELS and not open_cases:
        found = complaints.earlier_cases(data, running=False)
        closed = [_earlier(c) for _, c in found if c.get("channel") in complaints.INTERNAL_CHANNELS]
    return {"open": open_cases, "closed": closed}


def _last_case(user):
    """The case the agent just recorded (shown with a link after the redirect), if they may see it."""
    raw = request.args.get("last", "")
    if not raw.isdigit():
        return None
    try:
        instance = instances.get(int(raw))
    except NotFound:
        return None
    return instance if access.may_view_instance(user, instance) else None


def _pickers(form: MultiDict, errors: dict[str, str]) -> dict:
    """The intake's picker fields (被投诉员工, 被投诉单位) drawn by the shared picker macro."""
    schema = forms.load_form(complaints.PROCESS, "intake")
    return {f.name: f for f in fields_of(schema, payload_of(form), errors) if f.widget == "picker"}


def _render(user, form: MultiDict, errors: dict[str, str], loose: list[str], warnings: dict, status: int = 200):
    channels = choices_of(forms.load_form(complaints.PROCESS, "intake")["properties"]["channel"])
    return (
        render_template(
            "complaints/intake.html",
            form=form,
            errors=errors,
            loose_errors=loose,
            warnings=warnings,
            channels=channels,
            pickers=_pickers(form, errors),
            default_received=clock.to_local(clock.now()).strftime("%Y-%m-%dT%H:%M"),
            last=_last_case(user),
        ),
        status,
    )


@blueprint.get("/start/complaint")
@signed_in
def complaint_intake(user):
    return _render(user, MultiDict(), {}, [], {"open": [], "closed": []})


@blueprint.post("/start/complaint")
@signed_in
def complaint_intake_submit(user):
    data = payload_of(request.form)
    warnings = _warnings(data)
    if warnings["open"] and request.form.get("confirm_repeat") != "1":
        return _render(user, request.form, {}, [], warnings)  # seen before submit: the agent confirms the merge
    try:
        result = complaints.intake(data, user)
    except Invalid as err:
        errors: dict[str, str] = {}
        loose = []
        for problem in err.extra.get("errors", []):
            field = problem.get("field", "")
            if field in (*TEXT_FIELDS, "channel", "received_at", "complainant", "about"):
                errors.setdefault(field, problem.get("message", "").split("：", 1)[-1])
            else:
                loose.append(problem.get("message", ""))
        return _render(user, request.form, errors, loose or ([] if errors else [plain(err.detail)]), warnings, 422)
    if result.merged:
        flash(f"同一事项已有办理中的投诉，已合并到 {result.case_no}（重复投诉，未新建案件）。", "ok")
    else:
        flash(f"已受理，案件编号 {result.case_no}，客服中心已收到。", "ok")
    if result.internal_to_external:
        flash("此投诉系内部投诉未解决后的外部投诉，已标记“内部转外部”（C8）。", "info")
    return redirect(url_for("complaints.complaint_intake", last=result.instance_id), code=303)


@blueprint.get("/complaints/intake/earlier")
@signed_in
def complaint_intake_earlier(user):
    """The repeat warning as the agent types (htmx): earlier cases on the same matter from this phone or account."""
    return render_template("complaints/_earlier.html", warnings=_warnings(payload_of(request.args)))


# The monthly valid-complaint report page (C14.2) for 客服中心, unit heads and 分管领导; files come from the API.


def _sections(report) -> list[tuple[str, list[tuple[str, object]]]]:
    """Summary rows grouped by section, in the order the service gives them."""
    grouped: dict[str, list[tuple[str, object]]] = {}
    for section, item, value in complaint_report_export.summary_rows(report):
        grouped.setdefault(section, []).append((item, value))
    return list(grouped.items())


@blueprint.get("/reports/complaints/monthly")
@signed_in
def complaint_report_page(user):
    complaint_report.require_reader(user)
    month = request.args.get("month") or complaint_report.previous_month(clock.now())
    report = complaint_report.compile_month(month)
    return render_template(
        "complaints/report.html",
        report=report,
        sections=_sections(report),
        lines=complaint_report_export.case_rows(report),
        headers=complaint_report_export.CASE_HEADERS,
        last_month=complaint_report.previous_month(clock.now()),
    )


def report_links(process_key: str, data: dict, instance_id: int) -> list[CaseLink]:
    """C14.2: the responsible leader's 阅知 task (and its case) link to the month's report with its charts."""
    if process_key != "complaint_monthly_report" or not data.get("month"):
        return []
    return [
        CaseLink(
            f"查看 {data['month']} 有效投诉月报（含图表）",
            url_for("complaints.complaint_report_page", month=data["month"]),
        )
    ]
