"""Audit bundles (issue 15 §6): one case or a period as a ZIP that is checked with no database
(`gasflow audit check-bundle FILE`, bundle_check.py).

Inside: ``cases/<id>.json`` (the case row's chain head and state digest, every event with its hashes and MAC),
``definitions/<key>.v<n>.bpmn`` (the exact versions the cases ran on, so the engine replays from the bundle),
``forms/<process>/<formKey>.json`` (the forms as deployed now: forms are files, not versioned in the database),
``seal.json`` (the newest seal, without its leaves) with ``proofs.json`` (each case's inclusion proof in it), and
``manifest.json`` with the sha256 of every other file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app import clock, engine
from app.core.errors import Invalid, NotFound
from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance
from app.platform import forms, history, merkle, seals
from app.platform.history_keys import keyring
from app.platform.script_functions import PLATFORM_FUNCTIONS

FORMAT = "gasflow-audit-bundle/1"
MAX_CASES = 2000


def _event_json(ev) -> dict:
    return {
        "seq": ev.seq, "at": ev.at.isoformat(), "actor": ev.actor, "actor_id": ev.actor_id, "kind": ev.kind,
        "task_id": ev.task_id, "payload_json": ev.payload_json, "state_digest": ev.state_digest,
        "prev_hash": ev.prev_hash, "hash": ev.hash, "key_id": ev.key_id, "mac": ev.mac,
    }  # fmt: skip


def _definition_ids(instance: ProcessInstance, events: list) -> set[int]:
    ids = {instance.definition_id}
    for ev in events:
        payload = json.loads(ev.payload_json)
        if ev.kind == "started":
            row = db.session.scalar(
                select(ProcessDefinition).where(
                    ProcessDefinition.key == payload["process"], ProcessDefinition.version == payload["version"]
                )
            )
            if row is not None:
                ids.add(row.id)
        elif ev.kind == "migrated":
            ids.add(payload["definition_id"])
    return ids


def _case_file(instance: ProcessInstance, events: list) -> dict:
    return {
        "instance_id": instance.id, "business_key": instance.business_key, "process_key": instance.process_key,
        "definition_id": instance.definition_id, "status": instance.status,
        "started_at": clock.ensure_aware(instance.started_at).isoformat(), "event_seq": instance.event_seq,
        "event_hash": instance.event_hash, "state_digest": engine.digest(instance.state_json),
        "events": [_event_json(ev) for ev in events],
    }  # fmt: skip


def _proofs(instance_ids: list[int]) -> tuple[dict | None, dict]:
    latest = seals.latest()
    if latest is None:
        return None, {}
    leaves = seals.leaves_of(latest)
    data = [seals.leaf_bytes(x.instance_id, x.event_seq, x.head_hash) for x in leaves]
    index = {x.instance_id: i for i, x in enumerate(leaves)}
    proofs = {}
    for instance_id in instance_ids:
        if instance_id in index:
            i = index[instance_id]
            proofs[str(instance_id)] = {
                "index": i, "size": len(leaves), "event_seq": leaves[i].event_seq, "head_hash": leaves[i].head_hash,
                "proof": merkle.inclusion_proof(data, i),
            }  # fmt: skip
    return seals.SealRecord.of(latest).as_dict(with_leaves=False), proofs


def _forms_of(definition_rows: list[ProcessDefinition]) -> dict[str, dict]:
    found = {}
    for row in definition_rows:
        parsed = engine.parse_definition(row.xml.encode("utf-8"), f"{row.key}.v{row.version}.bpmn")
        keys = {t.properties.get("formKey") for t in parsed.user_tasks.values()} | {
            parsed.properties.get("startFormKey")
        }
        for form_key in sorted(k for k in keys if k):
            try:
                found[f"forms/{row.key}/{form_key}.json"] = forms.load_form(row.key, form_key)
            except Exception:  # noqa: BLE001 - a form removed since: the bundle says so in the manifest
                found[f"forms/{row.key}/{form_key}.json"] = {"missing": True}
    return found


def instance_ids_for_period(since: date, until: date) -> list[int]:
    start = datetime.combine(since, time(0), tzinfo=clock.SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=clock.SHANGHAI)
    ids = list(
        db.session.scalars(
            select(ProcessInstance.id)
            .where(ProcessInstance.started_at >= start, ProcessInstance.started_at < end)
            .order_by(ProcessInstance.id)
            .limit(MAX_CASES + 1)
        )
    )
    if len(ids) > MAX_CASES:
        raise Invalid(
            f"时间段内案件超过 {MAX_CASES} 件，请缩短时间段 (more than {MAX_CASES} cases: shorten the period)"
        )
    return ids


def build(instance_ids: list[int], scope: str, made_by: str) -> bytes:
    if not instance_ids:
        raise NotFound("没有符合条件的案件 (no case to export)")
    files: dict[str, bytes] = {}
    definition_ids: set[int] = set()
    functions: set[str] = set()
    for instance_id in instance_ids:
        instance = db.session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
        events = history.events_of(instance_id)
        definition_ids |= _definition_ids(instance, events)
        for ev in events:
            functions |= {c.get("fn", "") for c in json.loads(ev.payload_json).get("calls", [])}
        files[f"cases/{instance_id}.json"] = _dump(_case_file(instance, events))
    rows = list(db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(definition_ids))))
    definitions = {}
    for row in rows:
        name = f"definitions/{row.key}.v{row.version}.bpmn"
        files[name] = row.xml.encode("utf-8")
        definitions[str(row.id)] = {"file": name, "key": row.key, "version": row.version}
    for name, form in _forms_of(rows).items():
        files[name] = _dump(form)
    seal, proofs = _proofs(instance_ids)
    if seal is not None:
        files["seal.json"] = _dump(seal)
        files["proofs.json"] = _dump(proofs)
    manifest = {
        "format": FORMAT, "scope": scope, "made_at": clock.now().isoformat(), "made_by": made_by,
        "cases": instance_ids, "definitions": definitions,
        "area_functions": sorted(f for f in functions if f and f not in PLATFORM_FUNCTIONS),
        "key_fingerprint": keyring().fingerprint(), "key_id": keyring().current_id,
        "script_timeout_seconds": current_app.config["GASFLOW"].script_timeout_seconds,
        "files": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())},
    }  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _dump(manifest))
        for name, body in sorted(files.items()):
            archive.writestr(name, body)
    return out.getvalue()


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def case_bundle(instance_id: int, made_by: str) -> tuple[bytes, str]:
    """One case's bundle and its file name (the case page and the API hand out the same)."""
    if db.session.get(ProcessInstance, instance_id) is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    return build([instance_id], f"case {instance_id}", made_by), f"audit-case-{instance_id}.zip"
