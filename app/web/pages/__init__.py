"""The staff workplace in the browser (issue 7): server-rendered pages in Simplified Chinese, a little htmx.

Each module is one page family; all of them only parse the request, call services and render (no SQL here).
"""

from __future__ import annotations

from flask import Blueprint, Flask, g

# Templates and our own CSS/JS live beside the pages package, in app/web/templates and app/web/static.
pages = Blueprint(
    "pages", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static/gasflow"
)


def register_pages(app: Flask) -> None:
    from app.web.pages import (  # noqa: F401
        admin,
        board,
        case,
        common,
        complaint_intake,
        complaint_report,
        inbox,
        login,
        notices,
        overview,
        start,
        task,
        unmatched,
        vendor,
    )

    common.install_template_helpers(app)

    @app.teardown_request
    def _forget_csrf_token(_exc):
        # The token is cached per app context; one shared by many requests (tests, CLI) must not keep another
        # session's token.
        g.pop("csrf_token", None)

    app.register_blueprint(pages)
    app.register_blueprint(vendor.vendor)
