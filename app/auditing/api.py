"""The auditors' workplace over HTTP (/api/v1/audit/…): role auditor only, every answer in the access log."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

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
from app.auditing.guard import auditor_api
from app.core.errors import Invalid
from app.platform import audit, instances, seal_check, seals
from app.web.api.common import iso
from app.web.api.openapi import INSTANCE_ID, op, path_param, query_param

blueprint = Blueprint("auditing_api", __name__)


def download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@blueprint.get("/audit/cases")
@auditor_api("api.search")
def cases(user):
    query = queries.case_query(request.args)
    fmt = request.args.get("format", "json")
    if fmt in {"csv", "xlsx"}:
        body, mimetype = search.export(query, fmt)
        return download(body, mimetype, f"cases.{fmt}")
    if fmt != "json":
        raise Invalid("format 只能是 json、csv 或 xlsx (unknown format)", field="format")
    rows, total = search.search(query)
    return jsonify({"total": total, "page": query.page, "cases": [
        {**asdict(r), "started_at": iso(r.started_at), "ended_at": iso(r.ended_at)} for r in rows]})  # fmt: skip


@blueprint.get("/audit/cases/<int:instance_id>/history")
@auditor_api("api.history")
def case_history_json(user, instance_id: int):
    instance = instances.get(instance_id)
    unmasked = queries.flag(request.args, "unmasked")
    if unmasked:
        case_history.log_unmasked(user, instance_id)
    entries = case_history.entries(instance, unmasked)
    return jsonify({"instance_id": instance_id, "masked": not unmasked,
                    "events": [{**asdict(e), "at": iso(e.at)} for e in entries]})  # fmt: skip


@blueprint.get("/audit/cases/<int:instance_id>/replay")
@auditor_api("api.replay")
def case_replay(user, instance_id: int):
    instances.get(instance_id)
    return jsonify({"instance_id": instance_id, "frames": list(replay_frames.frames(instance_id))})


@blueprint.post("/audit/cases/<int:instance_id>/verify")
@auditor_api("api.verify")
def case_verify(user, instance_id: int):
    [verdict] = audit.verify(instance_id)
    return jsonify(verdict.as_dict())


@blueprint.post("/audit/verify-all")
@auditor_api("api.verify_all")
def verify_all(user):
    job_id = verify_jobs.create(user)
    verify_jobs.launch(job_id)
    return jsonify({"job_id": job_id}), 202


@blueprint.get("/audit/jobs/<int:job_id>")
@auditor_api("api.job")
def job(user, job_id: int):
    view = verify_jobs.get(job_id)
    j = view.job
    return jsonify({"job_id": j.id, "status": j.status, "total": j.total, "done": j.done, "percent": view.percent,
                    "broken": view.broken, "started_at": iso(j.started_at), "finished_at": iso(j.finished_at),
                    "error": j.error})  # fmt: skip


@blueprint.post("/audit/seals")
@auditor_api("api.seal")
def seal_now(user):
    return jsonify(seals.seal_now("on_demand", user.username).as_dict(with_leaves=False)), 201


@blueprint.get("/audit/seals/check")
@auditor_api("api.seal_check")
def seal_verify(user):
    code = (request.args.get("code") or "").strip()
    verdict = seal_check.against_code(code) if code else seal_check.against_latest()
    return jsonify(verdict.as_dict())


@blueprint.get("/audit/seals/<int:seq>")
@auditor_api("api.seal_file")
def seal_file(user, seq: int):
    return jsonify(seals.notary_file(seq))


@blueprint.get("/audit/cases/<int:instance_id>/bundle")
@auditor_api("api.bundle")
def case_bundle(user, instance_id: int):
    body, name = bundles.case_bundle(instance_id, user.username)
    return download(body, "application/zip", name)


@blueprint.get("/audit/bundle")
@auditor_api("api.bundle_period")
def period_bundle(user):
    since, until = queries.day(request.args, "since"), queries.day(request.args, "until")
    if since is None or until is None or until < since:
        raise Invalid("请给出起止日期 since ≤ until (since and until are required)", field="since")
    body = bundles.build(bundles.instance_ids_for_period(since, until), f"{since}..{until}", user.username)
    return download(body, "application/zip", f"audit-{since}-{until}.zip")


@blueprint.get("/audit/customer-access")
@auditor_api("api.customer_access")
def customer_views(user):
    rows, total = customer_access.search(queries.view_query(request.args))
    return jsonify({"total": total, "views": [{**asdict(r), "at": iso(r.at)} for r in rows]})


@blueprint.get("/audit/access-log")
@auditor_api("api.access_log")
def access_log(user):
    rows, total = access.entries(access.AccessQuery(username=request.args.get("username") or None,
                                                    instance_id=queries.integer(request.args, "instance_id")))  # fmt: skip
    return jsonify({"total": total, "entries": [
        {"at": iso(r.at), "username": r.username, "action": r.action, "instance_id": r.instance_id,
         "detail": r.detail} for r in rows]})  # fmt: skip


@blueprint.get("/audit/compliance")
@auditor_api("api.compliance")
def compliance_json(user):
    lines = compliance.lines()
    return jsonify({"rules": [
        {"rule": ln.use.rule, "title": ln.use.title, "enforced": ln.use.enforced,
         "elements": [{"process": k, "element": e, "name": n} for k, e, n in ln.use.elements],
         "services": ln.use.services, "tests": ln.use.tests,
         "month": asdict(ln.figures) if ln.figures else None} for ln in lines]})  # fmt: skip


_CASE_FILTERS = [query_param(n, {"type": "string"}) for n in
                 ("number", "customer", "process", "status", "unit", "since", "until", "breached_rule")] + [
    query_param("version", {"type": "integer"}), query_param("migrated", {"type": "boolean"}),
    query_param("reassigned", {"type": "boolean"}), query_param("page", {"type": "integer"}),
    query_param("format", {"type": "string", "enum": ["json", "csv", "xlsx"]})]  # fmt: skip
_JOB_ID = path_param("job_id", {"type": "integer"})
_SEQ = path_param("seq", {"type": "integer"})
OPENAPI_PATHS = {
    "/api/v1/audit/cases": {"get": op("Auditors: search every case; format=csv|xlsx exports", params=_CASE_FILTERS)},
    "/api/v1/audit/cases/{instance_id}/history": {"get": op(
        "Auditors: the case's events with what was entered (masked unless unmasked=1, which is logged per S21.4), "
        "clock values, recorded script calls, digests", params=[INSTANCE_ID, query_param("unmasked", {"type": "boolean"})])},
    "/api/v1/audit/cases/{instance_id}/replay": {"get": op(
        "Auditors: server-side replay, one frame per event (tokens, data, changes, verdict)", params=[INSTANCE_ID])},
    "/api/v1/audit/cases/{instance_id}/verify": {"post": op(
        "Auditors: verify the case (keyed chain, replay, projections)", params=[INSTANCE_ID])},
    "/api/v1/audit/verify-all": {"post": op("Auditors: verify every case as a background job", ok="202")},
    "/api/v1/audit/jobs/{job_id}": {"get": op("Auditors: progress and results of a verify-all job", params=[_JOB_ID])},
    "/api/v1/audit/seals": {"post": op("Auditors: seal the database now (Merkle root of every chain head)", ok="201")},
    "/api/v1/audit/seals/check": {"get": op(
        "Auditors: check the database against the newest seal, or the seal with this short code",
        params=[query_param("code", {"type": "string"})])},
    "/api/v1/audit/seals/{seq}": {"get": op("Auditors: a seal with its leaves (the notary's file)", params=[_SEQ])},
    "/api/v1/audit/cases/{instance_id}/bundle": {"get": op("Auditors: the case's audit bundle (ZIP)", params=[INSTANCE_ID])},
    "/api/v1/audit/bundle": {"get": op("Auditors: the audit bundle of the cases started in a period (ZIP)",
        params=[query_param("since", {"type": "string", "format": "date"}),
                query_param("until", {"type": "string", "format": "date"})])},
    "/api/v1/audit/customer-access": {"get": op(
        "Auditors: who saw which customer's unmasked record (S21.4)",
        params=[query_param(n, {"type": "string"}) for n in ("username", "account_no", "instance_id", "since", "until", "page")])},
    "/api/v1/audit/access-log": {"get": op(
        "Auditors: every auditor view", params=[query_param("username", {"type": "string"}),
                                                  query_param("instance_id", {"type": "integer"})])},
    "/api/v1/audit/compliance": {"get": op("Auditors: compliance by rule (where, tests, this month's figures)")},
}  # fmt: skip
