"""Liveness and readiness for operators and `make run` checks."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.platform import system

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify({"status": "ok" if system.database_ok() else "degraded"})
