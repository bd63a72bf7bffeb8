"""获得用气 gas connection (S5, S7, S10, S14.1, S18, M3-M9): applications at the counter (一窗受理), by a customer
manager on the customer's behalf (代办) or online with an SMS-verified phone; the one-time notice of steps and
documents; 容缺受理 with promised dates and chase tasks; customer managers by district and workload; per-step
commitments (业务办理时限服务承诺) the administrator edits, escalated to the branch head when breached; gas-on by
appointment; the public progress page; the customer archived with its manager after gas-on.

Diagram: processes/gas_connection.bpmn; forms in forms/gas_connection/.
"""

from __future__ import annotations

from flask import Flask

from app.core.registry import MenuLink, allowed_by, registry


def register(app: Flask) -> None:
    from app.connection import api, archive, commitments, demo, documents, managers, pages, rules, sms

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    # Recorded in each step's event: replay uses the values a step used, whatever the administrator edits later.
    plug.script_function("commitment_due", commitments.commitment_due)  # S18.5
    plug.script_function("chase_due_of", commitments.chase_due_of)  # M5.4
    plug.script_function("suggest_manager", managers.suggest_manager)  # M4, M8.2
    plug.script_function("archive_customer", archive.archive_customer)  # S21
    plug.script_function("notify_applicant", sms.notify_applicant)  # S7, S14.1: through the outbox
    plug.task_rule("gas_connection", "assign_manager", rules.check_manager)  # M4
    plug.task_rule("gas_connection", "accept", documents.check_received)  # M5.4
    plug.task_rule("gas_connection", "chase_documents", documents.check_received)  # M5.4
    plug.task_rule("gas_connection", "appointment", rules.check_appointment)  # S7
    plug.task_rule("gas_connection", "gas_on", rules.check_gas_on)  # S7, S14.1
    # Numbering, the branch and manager checks, the SMS code and the notice live in the intake: no other way in.
    plug.intake(
        "gas_connection", "报装受理页面 /connection/counter、网上申请 /connection/apply 或 POST /api/v1/connections"
    )
    plug.start_page("gas_connection", "connection.counter_intake")
    plug.menu_link(MenuLink("报装承诺时限", "connection.commitments_page", allowed_by(pages.require_staff)))
    plug.case_link(pages.case_links)
    plug.openapi(api.OPENAPI_PATHS)
    plug.demo(demo.demo_cases)


def cli_commands() -> list:
    from app.connection.cli import connection

    return [connection]
