"""Liveness and readiness for operators and `make run` checks: the database answers, and no script worker has
outlived its limit (issue 13: a worker stuck past its wall-clock ceiling, or one that would not die, is reported and
the answer is 503)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app import engine
from app.platform import system

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    database = system.database_ok()
    scripts = engine.script_workers_health()
    healthy = database and not scripts["stuck"]
    body = {"status": "ok" if healthy else "degraded", "database": "ok" if database else "failing", "scripts": scripts}
    return jsonify(body), 200 if healthy else 503
