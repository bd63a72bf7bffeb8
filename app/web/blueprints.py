"""The web shell's two blueprints: the platform's JSON API (/api/v1) and its pages. Route modules add to them when
``register_web`` imports them; business areas bring blueprints of their own."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__)

# Templates and our own CSS/JS live beside the pages package, in app/web/templates and app/web/static.
pages = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static/gasflow"
)
