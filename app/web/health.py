"""Liveness and readiness (issue 18; issue 13 for script workers).

/healthz: the process is alive and answers (no database: a load balancer must not restart a healthy process because
the database is slow). /readyz: it can do its work now — a database write gets through within the deadline, the
schema is current, its scheduler (if it runs one) beats, no script worker is stuck (platform/readiness.py); 503 with
the failing check named otherwise.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.platform import readiness

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz():
    ready, body = readiness.check(current_app._get_current_object())
    return jsonify(body), 200 if ready else 503
