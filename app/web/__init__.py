"""HTTP only: parse, call a service, render or return JSON. Never commits (design.md)."""

from __future__ import annotations

from flask import Flask, g, jsonify
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.errors import ServiceError


def register_web(app: Flask) -> None:
    from app.web import guards

    guards.install(app)  # first: the bounded id converter must be in place before any route is added
    from app.web import sessions

    sessions.install(app)
    from app.web import observability

    observability.install(app)  # request ids, request metrics and log lines, /metrics (issue 18)
    from app.web.api import (  # noqa: F401  (routes register on import)
        calendar,
        cases,
        contract,
        customers,
        definitions,
        directory,
        incidents,
        instances,
        messages,
        meta,
        tasks,
    )
    from app.web.blueprints import api, pages
    from app.web.health import health
    from app.web.pages import (  # noqa: F401  (routes register on import)
        admin,
        case,
        case_list,
        common,
        inbox,
        login,
        outbox,
        overview,
        pickers,
        start,
        task,
        unmatched,
        users,
        vendor,
    )
    from app.web.pages import incidents as incident_pages  # noqa: F401  (routes register on import)
    from app.web.pages.errors import CSRF_GUIDANCE, html_error

    app.register_blueprint(api, url_prefix="/api/v1")
    contract.install(app)
    app.register_blueprint(health)
    app.register_blueprint(pages)
    app.register_blueprint(vendor.vendor)
    common.install_template_helpers(app)

    @app.teardown_request
    def _forget_csrf_token(_exc):
        # The token is cached per app context; one shared by many requests (tests, CLI) must not keep another
        # session's token.
        g.pop("csrf_token", None)

    @app.teardown_request
    def _end_request(_exc):
        # A read snapshot and the resolved user must not outlive their request (they would when an app context is
        # shared, as in tests and CLI code that serves requests inside one context).
        from flask import g

        from app.extensions import db

        g.pop("user", None)
        session = db.session()
        if session.in_transaction():  # (after a commit there is nothing to roll back)
            session.rollback()

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        if (page := html_error(err.status, err.detail)) is not None:  # browser pages get a Chinese page, not JSON
            return page
        body = {"error": err.code, "detail": err.detail, **err.extra}
        return jsonify(body), err.status

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        if (page := html_error(400, "", CSRF_GUIDANCE)) is not None:
            return page
        return jsonify({"error": "csrf", "detail": "页面已过期，请刷新后重试 (CSRF token missing or invalid)"}), 400

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        err = _not_found_for_any_method(err)
        if (page := html_error(err.code or 500, err.description or "")) is not None:
            return page
        response = jsonify({"error": err.name.lower().replace(" ", "_"), "detail": err.description})
        for name, value in err.get_headers():  # e.g. the Allow header a 405 must carry (RFC 9110)
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, err.code


def _not_found_for_any_method(err: HTTPException) -> HTTPException:
    """werkzeug answers 405 when a path matched another method's rule but its id was out of range for every rule
    (``PUT /api/v1/owners/drafts/99999999999/xml``): that is a 404 (issue 13 item 13, found by the fuzzing)."""
    from flask import current_app, request
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    if not isinstance(err, MethodNotAllowed) or not err.valid_methods:
        return err
    adapter = current_app.create_url_adapter(request)
    for method in err.valid_methods:  # a real 405 when some method's rule takes this very path
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return err
    return NotFound()
