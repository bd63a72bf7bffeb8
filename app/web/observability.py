"""Request observability (issue 18): a request id for every request (the caller's X-Request-ID when it is a sane
token, else a new one), sent back in X-Request-ID, kept in core.logs.request_id so every log line and every case
event the request causes carries it; one log line per request; request counts and latency by route; and /metrics.

/metrics answers Prometheus with a bearer GASFLOW_METRICS_TOKEN or an administrator's session or token; with
GASFLOW_METRICS_PORT set it is served on that loopback port instead (serve_metrics_port) and not here.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import re
import secrets
import time

from flask import Flask, Response, current_app, g, request

from app.core import logs
from app.core.errors import Forbidden, NotFound, Unauthenticated
from app.platform import metrics as metrics_service
from app.web.auth import current_user

log = logging.getLogger("gasflow.http")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Probes and scrapes come every few seconds; their lines would drown the rest at info.
_QUIET = {"/metrics", "/healthz", "/readyz"}
UNMATCHED = "<unmatched>"


def install(app: Flask) -> None:
    metrics = metrics_service.install(app)
    requests, latency = metrics.requests, metrics.request_seconds
    children: dict[
        tuple[str, str, str], tuple
    ] = {}  # labels() takes a lock and builds a key: once per route and status

    def _series(method: str, route: str, status: str) -> tuple:
        found = children.get((method, route, status))
        if found is None:
            found = children[(method, route, status)] = (requests.labels(method, route, status),
                                                         latency.labels(method, route))  # fmt: skip
        return found

    # A request id must be unique, not secret: this process's random prefix and a counter (no syscall per request).
    prefix, numbers = secrets.token_hex(4), itertools.count(1)

    def _begin():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_ID.fullmatch(given) else f"{prefix}{next(numbers) & 0xFFFFFFFF:08x}"
        g.request_token = logs.request_id.set(g.request_id)
        g.request_started = time.perf_counter()

    # First of all before-request hooks: a request the guards refuse is still counted, timed and logged.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)

    @app.after_request
    def _end(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # a request refused before our hook ran (guards): still counted, without latency
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        count, histogram = _series(request.method, route, str(response.status_code))
        count.inc()
        histogram.observe(seconds)
        response.headers["X-Request-ID"] = g.request_id
        level = logging.DEBUG if request.path in _QUIET else logging.INFO
        if log.isEnabledFor(level):
            user = g.get("user")
            log.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "route": route, "status": response.status_code,
                "ms": round(seconds * 1000, 2), "user": user.username if user is not None else None,
            })  # fmt: skip
        return response

    @app.teardown_request
    def _forget_request_id(exc):
        if exc is not None:
            log.error("request failed: %s %s", request.method, request.path, exc_info=exc)
        token = g.pop("request_token", None)
        if token is not None:
            logs.request_id.reset(token)

    app.add_url_rule("/metrics", "metrics", _metrics_view)


def _metrics_view():
    settings = current_app.config["GASFLOW"]
    if settings.metrics_port:
        raise NotFound(
            f"指标在端口 {settings.metrics_port} 上提供 (metrics are served on port {settings.metrics_port})"
        )
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not (settings.metrics_token and token and hmac.compare_digest(token, settings.metrics_token)):
        user = current_user()
        if user is None:
            raise Unauthenticated("需要指标令牌或管理员登录 (metrics need GASFLOW_METRICS_TOKEN or an admin)")
        if "admin" not in user.roles:
            raise Forbidden("只有管理员可以查看指标 (metrics are for administrators)")
    body = metrics_service.of(current_app).exposition()
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")


def serve_metrics_port(app: Flask):
    """GASFLOW_METRICS_PORT: the registry on 127.0.0.1:<port> in a thread of this process (no token: loopback only).
    Returns the server (None without the setting)."""
    from prometheus_client import start_http_server

    port = app.config["GASFLOW"].metrics_port
    if not port:
        return None
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=metrics_service.of(app).registry)
    return server
