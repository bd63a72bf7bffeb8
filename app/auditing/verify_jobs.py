"""Verify every case as a background job (issue 15 §4): chain, replay and projections of each case (platform/audit.py),
progress kept on the job row for the progress bar, every broken case with its first altered event for the results
page. The check against the newest seal (deleted cases, rollback) runs at the end of the same job."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from app import clock
from app.core.errors import NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import AuditJob, ProcessInstance, User
from app.platform import audit, seal_check

log = logging.getLogger("gasflow.auditing")
KIND = "verify_all"
PROGRESS_EVERY = 20


@writes
def create(user: User) -> int:
    total = db.session.query(ProcessInstance.id).count()
    job = AuditJob(kind=KIND, status="running", started_at=clock.now(), started_by_id=user.id, total=total)
    db.session.add(job)
    db.session.flush()
    return job.id


@writes
def _progress(job_id: int, done: int, broken: list[dict]) -> None:
    db.session.execute(
        update(AuditJob)
        .where(AuditJob.id == job_id)
        .values(done=done, broken=len(broken), result_json=json.dumps(broken))
    )


@writes
def _finish(job_id: int, done: int, broken: list[dict], error: str | None = None) -> None:
    db.session.execute(
        update(AuditJob)
        .where(AuditJob.id == job_id)
        .values(
            done=done,
            broken=len(broken),
            result_json=json.dumps(broken, ensure_ascii=False),
            status="failed" if error else "done",
            finished_at=clock.now(),
            error=error,
        )  # fmt: skip
    )


def run(job_id: int) -> None:
    ids = list(db.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
    keys = dict(db.session.execute(select(ProcessInstance.id, ProcessInstance.business_key)).all())
    broken: list[dict] = []
    done = 0
    try:
        for instance_id in ids:
            verdict = audit.verify_case(instance_id)
            db.session.rollback()  # one read snapshot per case: a long job must not hold one open
            if not verdict.ok:
                broken.append(
                    {
                        "instance_id": instance_id,
                        "business_key": keys.get(instance_id),
                        "kind": "case",
                        "first_broken_seq": verdict.first_broken_seq,
                        "reason": verdict.reason,
                        "findings": list(verdict.findings),
                    }  # fmt: skip
                )
            done += 1
            if done % PROGRESS_EVERY == 0:
                _progress(job_id, done, broken)
        broken += _against_seal()
        _finish(job_id, done, broken)
    except Exception as err:  # the job row must say it failed, not stay "running" for ever
        log.exception("verify-all job %s failed", job_id)
        db.session.rollback()
        _finish(job_id, done, broken, f"{type(err).__name__}: {err}")


def _against_seal() -> list[dict]:
    try:
        verdict = seal_check.against_latest()
    except NotFound:
        return []
    return [
        {
            "instance_id": f.instance_id,
            "business_key": None,
            "kind": f.kind,
            "first_broken_seq": None,
            "reason": f.text,
            "findings": [f.text],
        }  # fmt: skip
        for f in verdict.findings
    ]


def launch(job_id: int) -> None:
    """Run the job in a background thread of this process (the page polls its progress)."""
    app = current_app._get_current_object()

    def work() -> None:
        with app.app_context():
            run(job_id)

    threading.Thread(target=work, name=f"verify-all-{job_id}", daemon=True).start()


@dataclass(frozen=True)
class JobView:
    job: AuditJob
    broken: list[dict]

    @property
    def percent(self) -> int:
        return 100 if self.job.status != "running" else int(self.job.done * 100 / max(self.job.total, 1))


def get(job_id: int) -> JobView:
    job = db.session.get(AuditJob, job_id, populate_existing=True)
    if job is None or job.kind != KIND:
        raise NotFound(f"核验任务 {job_id} 不存在 (unknown job)")
    return JobView(job, json.loads(job.result_json or "[]"))


def recent(limit: int = 10) -> list[AuditJob]:
    return list(db.session.scalars(select(AuditJob).order_by(AuditJob.id.desc()).limit(limit)))
