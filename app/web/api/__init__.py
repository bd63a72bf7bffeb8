"""The JSON API under /api/v1 (design.md, HTTP). Routes live in one module per resource."""

from flask import Blueprint

api = Blueprint("api", __name__)

from app.web.api import (  # noqa: E402,F401  (routes register on import)
    arrears,
    calendar,
    complaints,
    customers,
    definitions,
    directory,
    instances,
    meta,
    reports,
    tasks,
)
