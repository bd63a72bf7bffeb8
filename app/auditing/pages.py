"""The auditors' pages (issue 15): case search, a case's history, replay in the browser, verify and seals, the
customer-data access log (S21.4), compliance by rule, the auditors' own access log. Role auditor only; every view is
in the access log (guard.py)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for

from app import clock
from app.auditing import (
    access,
    bundles,
    case_history,
    compliance,
    customer_access,
    queries,
    replay_frames,
    search,
    verify_jobs,
)
from app.auditing.api import download
from app.auditing.guard import auditor_page
from app.core.errors import NotFound, ServiceError
from app.platform import audit, instances, seal_check, seals
from app.web.pages.common import plain

blueprint = Blueprint(
    "auditing", __name__, template_folder="templates", static_folder="static", static_url_path="/static/auditing"
)


@blueprint.get("/audit")
@auditor_page("search")
def search_page(user):
    query = queries.case_query(request.args)
    searched = any(v not in (None, "", False, 1) for v in query.__dict__.values())
    rows, total = search.search(query) if searched else ([], 0)
    return render_template("auditing/search.html", query=query, rows=rows, total=total, searched=searched,
                           processes=search.processes(), statuses=search.STATUSES, args=request.args,
                           page_size=search.PAGE_SIZE)  # fmt: skip


@blueprint.get("/audit/cases/<int:instance_id>")
@auditor_page("case")
def case_page(user, instance_id: int):
    instance = instances.get(instance_id)
    unmasked = queries.flag(request.args, "unmasked")
    if unmasked:
        case_history.log_unmasked(user, instance_id)
    return render_template("auditing/case.html", instance=instance, entries=case_history.entries(instance, unmasked),
                           unmasked=unmasked, definition=instances.definition_row(instance))  # fmt: skip


@blueprint.post("/audit/cases/<int:instance_id>/verify")
@auditor_page("verify")
def verify_case(user, instance_id: int):
    instances.get(instance_id)
    [verdict] = audit.verify(instance_id)
    return render_template("auditing/_verdict.html", verdict=verdict)


@blueprint.get("/audit/cases/<int:instance_id>/bundle.zip")
@auditor_page("bundle")
def case_bundle(user, instance_id: int):
    body, name = bundles.case_bundle(instance_id, user.username)
    return download(body, "application/zip", name)


@blueprint.get("/audit/cases/<int:instance_id>/replay")
@auditor_page("replay")
def replay_page(user, instance_id: int):
    instance = instances.get(instance_id)
    return render_template("auditing/replay.html", instance=instance, unmasked=queries.flag(request.args, "unmasked"))


@blueprint.get("/audit/cases/<int:instance_id>/replay/stream")
@auditor_page("replay.stream")
def replay_stream(user, instance_id: int):
    """Server-sent events: one frame per event as the server replays it, then "end" (a long case shows progress)."""
    instances.get(instance_id)
    unmasked = queries.flag(request.args, "unmasked")
    if unmasked:
        case_history.log_unmasked(user, instance_id)

    def events():
        try:
            for frame in replay_frames.frames(instance_id, unmasked):
                yield f"event: frame\ndata: {json.dumps(frame, ensure_ascii=False)}\n\n"
        except ServiceError as err:
            yield f"event: failure\ndata: {json.dumps({'detail': plain(err.detail)}, ensure_ascii=False)}\n\n"
        yield "event: end\ndata: {}\n\n"

    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip


@blueprint.get("/audit/definitions/<int:definition_id>.xml")
@auditor_page("diagram")
def definition_xml(user, definition_id: int):
    xml = case_history.definition_xml(definition_id)
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": "attachment"})


@blueprint.get("/audit/verify")
@auditor_page("verify.page")
def verify_page(user):
    return render_template("auditing/verify.html", jobs=verify_jobs.recent(), seal_list=seals.recent(),
                           log_entries=seals.logged()[-5:])  # fmt: skip


@blueprint.post("/audit/verify-all")
@auditor_page("verify_all")
def verify_all(user):
    job_id = verify_jobs.create(user)
    verify_jobs.launch(job_id)
    return redirect(url_for("auditing.job_page", job_id=job_id))


@blueprint.get("/audit/jobs/<int:job_id>")
@auditor_page("job")
def job_page(user, job_id: int):
    view = verify_jobs.get(job_id)
    template = "auditing/_job.html" if request.headers.get("HX-Request") else "auditing/job.html"
    return render_template(template, view=view)


@blueprint.post("/audit/seals")
@auditor_page("seal")
def seal_now(user):
    record = seals.seal_now("on_demand", user.username)
    flash(f"已封存：第 {record.seq} 号，{record.cases} 件案件。请在纸质登记簿记下封存码 {record.short_code}", "ok")
    return redirect(url_for("auditing.verify_page"))


@blueprint.get("/audit/seals/check")
@auditor_page("seal.check")
def seal_check_page(user):
    code = (request.args.get("code") or "").strip()
    try:
        verdict = seal_check.against_code(code) if code else seal_check.against_latest()
    except NotFound as err:
        return render_template("auditing/seal_check.html", verdict=None, code=code, problem=plain(err.detail)), 404
    return render_template("auditing/seal_check.html", verdict=verdict, code=code, problem=None)


@blueprint.get("/audit/seals/<int:seq>.json")
@auditor_page("seal.file")
def seal_file(user, seq: int):
    body = json.dumps(seals.notary_file(seq), ensure_ascii=False, indent=1).encode("utf-8")
    return download(body, "application/json", f"gasflow-seal-{seq}.json")


@blueprint.get("/audit/customer-access")
@auditor_page("customer_access")
def customer_access_page(user):
    query = queries.view_query(request.args)
    rows, total = customer_access.search(query)
    today = clock.to_local(clock.now()).date()
    since = query.since or today.replace(day=1)
    flags = customer_access.unusual_volume(since, query.until or today)
    return render_template("auditing/customer_access.html", rows=rows, total=total, query=query, flags=flags,
                           threshold=customer_access.UNUSUAL_PER_DAY, since=since)  # fmt: skip


@blueprint.get("/audit/access-log")
@auditor_page("access_log")
def access_log_page(user):
    rows, total = access.entries(
        access.AccessQuery(
            username=request.args.get("username") or None, page=queries.integer(request.args, "page") or 1
        )
    )
    return render_template("auditing/access_log.html", rows=rows, total=total)


@blueprint.get("/audit/compliance")
@auditor_page("compliance")
def compliance_page(user):
    lines = compliance.lines()
    return render_template("auditing/compliance.html", enforced=[ln for ln in lines if ln.use.enforced],
                           pending=[ln for ln in lines if not ln.use.enforced])  # fmt: skip
