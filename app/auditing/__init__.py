"""审计 the auditors' and leaders' workplace (issue 15): case search over every case, history with substance, replay in
the browser, verify (one case, or all as a background job), whole-database seals, audit bundles checked without a
database, the customer-data access log (S21.4) and compliance by rule. Role auditor only, read-only, every view in
the access log. The integrity core it shows (keyed chain, seals, projection checks) is the platform's
(platform/history.py, history_keys.py, audit.py, projection_check.py, seals.py, seal_check.py)."""

from __future__ import annotations

from flask import Flask

from app.core.registry import MenuLink, allowed_by, registry


def register(app: Flask) -> None:
    from app.auditing import access, api, pages

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    auditor = allowed_by(access.require_auditor)
    plug.menu_link(MenuLink("审计查询", "auditing.search_page", auditor))
    plug.menu_link(MenuLink("核验与封存", "auditing.verify_page", auditor))
    plug.menu_link(MenuLink("规则合规", "auditing.compliance_page", auditor))
    plug.menu_link(MenuLink("客户信息访问日志", "auditing.customer_access_page", auditor))
    plug.openapi(api.OPENAPI_PATHS)


def cli_commands() -> list:
    from app.auditing.cli import audit

    return [audit]
