"""供气 supply: disconnection for arrears (S19.3, S24.6) and for hazards (S24.7), planned and emergency outages
(S24.1-S24.5, S24.8, S25.4; SMS to every affected customer through the platform outbox), the customer's supply
status, the printable notices, the 停气看板 board for the hotline (S24.8), their pages, API and CLI.

Diagrams: processes/arrears_disconnection.bpmn, processes/hazard_disconnection.bpmn, processes/planned_outage.bpmn,
processes/emergency_outage.bpmn; forms in forms/<process>/. docs/outages.md is the outage contract.
"""

from __future__ import annotations

from flask import Flask

from app.core.registry import MenuLink, StartUseCase, allowed_by, registry


def register(app: Flask) -> None:
    from app.supply import api, arrears, board, demo, hazard, outages, pages, rules, status

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    plug.script_function("set_supply_status", status.set_status)  # S24.6, S24.7: recorded in the step's event
    # One open case per account and the branch check live in these intakes: no other way in (issue 13, item 4).
    plug.intake("arrears_disconnection", "POST /api/v1/arrears 或 gasflow arrears import")
    plug.intake("hazard_disconnection", "POST /api/v1/hazards")
    plug.task_rule(arrears.PROCESS, "restore", rules.check_restore)  # S19.1: no reading below the cut's
    plug.task_rule(hazard.PROCESS, "restore", rules.check_restore)
    # Outages open only through their use cases: the S24.1 requester and the S24.2 schedule are checked there.
    plug.intake(outages.PLANNED, "发起页 /start/planned_outage")
    plug.intake(outages.EMERGENCY, "发起页 /start/emergency_outage")
    plug.start_use_case(outages.PLANNED, StartUseCase("start", outages.planned_from_start_page))
    plug.start_use_case(outages.EMERGENCY, StartUseCase("start", outages.emergency_from_start_page))
    plug.script_function("outage_notice", outages.notice)  # S24.5: one text for every channel
    plug.script_function("outage_sms", outages.queue_sms)  # one outbox row per affected customer, in the step
    plug.task_rule(outages.PLANNED, "branch_agree", outages.check_agreement)  # S24.4 measures approved
    plug.task_rule(outages.PLANNED, "publish", outages.check_publication)  # S24.2 every channel, 48 h ahead
    plug.task_rule(outages.PLANNED, "reschedule", outages.check_reschedule)  # S24.2 the same checks again
    plug.case_link(pages.notice_links)
    # The start page opens cases through the same use cases as the API (one open arrears case per account, S24.6).
    plug.start_use_case(arrears.PROCESS, StartUseCase("start", arrears.from_start_page))
    plug.start_use_case(hazard.PROCESS, StartUseCase("start", hazard.from_start_page))
    plug.menu_link(MenuLink("停气看板", "supply.board", allowed_by(board.require_board)))
    plug.openapi(api.OPENAPI_PATHS)
    plug.demo(demo.demo_cases)  # `make run`: arrears and hazard cases at every stage


def cli_commands() -> list:
    from app.supply.cli import arrears

    return [arrears]
