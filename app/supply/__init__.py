"""供气 supply: disconnection for arrears (S19.3, S24.6) and for hazards (S24.7), the customer's supply status, the
printable notices, the 停气看板 board for the hotline (S24.8), their pages, API and CLI.

Diagrams: processes/arrears_disconnection.bpmn, processes/hazard_disconnection.bpmn; forms in forms/<process>/.
"""

from __future__ import annotations

from flask import Flask

from app.core.registry import MenuLink, StartUseCase, allowed_by, registry


def register(app: Flask) -> None:
    from app.supply import api, arrears, board, demo, hazard, pages, rules, status

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    plug.script_function("set_supply_status", status.set_status)  # S24.6, S24.7: recorded in the step's event
    # One open case per account and the branch check live in these intakes: no other way in (issue 13, item 4).
    plug.intake("arrears_disconnection", "POST /api/v1/arrears 或 gasflow arrears import")
    plug.intake("hazard_disconnection", "POST /api/v1/hazards")
    plug.task_rule(arrears.PROCESS, "restore", rules.check_restore)  # S19.1: no reading below the cut's
    plug.task_rule(hazard.PROCESS, "restore", rules.check_restore)
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
