"""Operational checks."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db


def database_ok() -> bool:
    return db.session.execute(text("SELECT 1")).scalar() == 1
