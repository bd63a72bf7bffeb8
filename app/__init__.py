"""GasFlow: the gas utility's service rules as BPMN processes that run, remind, escalate and prove their history."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from app.settings import Settings, from_environ


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings, extensions, the web shell, every business area. No work at import time; no schema is
    made here."""
    from app import areas, clock
    from app.core import logs, registry
    from app.core.tx import configure_engine
    from app.extensions import csrf, db, migrate
    from app.platform.runtime import Runtime
    from app.web import register_web

    settings = settings or from_environ()
    logs.configure(settings.log_format, settings.log_level)  # JSON lines, request ids, masked (issue 18)
    app = Flask(__name__, instance_path=str(settings.instance_dir), instance_relative_config=False)
    app.config.update(
        GASFLOW=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_REFRESH_EACH_REQUEST=False,  # re-sent only when changed (web/pages/common.py: concurrent requests)
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in web.auth for cookie sessions only; bearer calls carry no cookie
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=max(settings.max_bpmn_bytes, settings.max_task_data_bytes) + 64_000,
        JSON_AS_ASCII=False,
        TESTING=settings.testing,
    )
    app.json.ensure_ascii = False
    if settings.proxy_hops:  # behind a TLS reverse proxy: the client's address is the one it forwards
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    plugged = registry.install(app)
    register_web(app)
    for area in areas.modules():  # each business area plugs itself in (core/registry.py); the platform knows none
        area.register(app)
    from app import engine

    app.extensions["gasflow_runtime"] = Runtime(
        settings.script_timeout_seconds,
        settings.max_task_data_bytes,
        plugged.script_functions,
        engine.script_pool(settings.script_memory_mb, settings.script_workers),
    )
    from app.platform.clock_admin import current_offset

    clock.install_offset_source(current_offset)  # reads the offset of whichever app is in context
    return app


def _engine_options(settings: Settings) -> dict:
    if settings.is_sqlite:
        return {"connect_args": {"check_same_thread": False, "timeout": 10}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _migrations_dir():
    from app.settings import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"
