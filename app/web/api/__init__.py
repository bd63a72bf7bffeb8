"""The JSON API under /api/v1 (design.md, HTTP). Routes live in one module per resource."""

from flask import Blueprint

api = Blueprint("api", __name__)

from app.web.api import calendar, complaints, customers, definitions, directory, instances, meta, reports, tasks  # noqa: E402,F401  (routes register on import)
