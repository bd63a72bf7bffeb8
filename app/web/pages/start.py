"""Start pages (issue 7 §5): one per deployed process, from its start form or the generic intake."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import Invalid
from app.core.registry import registry
from app.customers import search as customer_search
from app.platform import definitions, start_forms
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in
from app.web.pages.schema_form import field_errors, field_suggestions, fields_of, loose_errors, parse


@pages.get("/start")
@signed_in
def start_list(user):
    processes = [p for p in definitions.list_live() if start_forms.may_start(p.key, user)]
    own = (
        registry().start_pages
    )  # an area's own start page (e.g. the hotline's fast complaint intake) replaces the form
    urls = {
        p.key: url_for(own[p.key]) if p.key in own else url_for("pages.start_form", process_key=p.key)
        for p in processes
    }
    return render_template("start/index.html", processes=processes, start_urls=urls)


def _wants_lookup(schema: dict) -> bool:
    """The archive lookup box fills plain customer fields; a customer picker does its own lookup."""
    props = schema.get("properties", {})
    account = props.get("account_no", {})
    picker = (account.get("x-ui") or {}).get("widget") == "customer-picker" if isinstance(account, dict) else False
    return not picker and ("customer_name" in props or "account_no" in props)


def _render(process_key: str, values: dict, errors: dict, loose: list[str], business_key: str, status: int = 200,
            suggestions: dict | None = None):  # fmt: skip
    name, schema = start_forms.schema_for(process_key)
    return (
        render_template(
            "start/form.html",
            process_key=process_key,
            process_name=name,
            fields=fields_of(schema, values, errors, suggestions=suggestions),
            loose_errors=loose + loose_errors(schema, errors),
            business_key=business_key,
            numbered_by_area=start_forms.area_start(process_key) is not None,
            lookup=_wants_lookup(schema),
        ),
        status,
    )


@pages.get("/start/<process_key>")
@signed_in
def start_form(user, process_key: str):
    return _render(process_key, {}, {}, [], "")


@pages.post("/start/<process_key>")
@signed_in
def start_submit(user, process_key: str):
    _, schema = start_forms.schema_for(process_key)
    # Start forms take no files: the case does not exist yet to keep them with.
    data = parse(schema, request.form, request.files, lambda *_: None, lambda *_: None)
    data = {k: v for k, v in data.items() if v is not None}
    business_key = request.form.get("business_key", "").strip()[:64]
    try:
        instance, note = start_forms.start_case(process_key, data, user, business_key)
    except Invalid as err:
        problems = err.extra.get("errors", [])
        errors, loose = field_errors(problems)
        shown = loose or ([] if errors else [plain(err.detail)])
        return _render(process_key, data, errors, shown, business_key, 422, field_suggestions(problems))
    if instance.status == "incident":  # issue 13, item 3: created, stopped at its first step
        flash(f"已发起，案件编号 {instance.business_key or instance.id}，但流程第一步出错，已记录为流程故障，"
              "流程负责人处理后案件将继续。", "error")  # fmt: skip
        return redirect(url_for("pages.case", instance_id=instance.id), code=303)
    flash(note or f"已发起，案件编号 {instance.business_key or instance.id}。", "ok")
    return redirect(url_for("pages.case", instance_id=instance.id), code=303)


@pages.get("/customers/lookup")
@signed_in
def customer_lookup(user):
    """As-you-type customer lookup for intake (issue 4's archive): phone suffix, account or name; lists stay masked
    (S21.4). Picking a row fills the start form's customer fields."""
    q = (request.args.get("q") or "").strip()[:64]
    if not q:
        return render_template("start/_lookup.html", results=[], q=q, message="")
    try:
        found = customer_search.search(customer_search.CustomerQuery(q=q, limit=8), user)
    except Invalid as err:
        return render_template("start/_lookup.html", results=[], q=q, message=plain(err.detail))
    typed_phone = q if q.replace("-", "").replace(" ", "").isdigit() else ""
    return render_template(
        "start/_lookup.html", results=found.records, more=found.has_more, q=q, typed_phone=typed_phone, message=""
    )
