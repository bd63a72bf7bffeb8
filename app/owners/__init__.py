"""流程管理 — the process owners' workplace (issue 14): model, check, try, review, publish and migrate in the browser.

A workplace package with the shape of a business area (docs/adding-a-process-area.md): it plugs into the platform
through the registry and imports no area. Its own diagram, processes/process_change.bpmn, makes publishing a version
a case (a second process owner reviews; forms in forms/process_change/). The modeler is bpmn-js with the properties
panel, bpmnlint and token simulation, bundled at setup from node_modules (Makefile; docs/owners.md).
"""

from __future__ import annotations

from flask import Flask

from app.core.registry import MenuLink, allowed_by, registry


def register(app: Flask) -> None:
    from app.owners import access, api, changes, demo, pages

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    plug.script_function("publish_process_change", changes.publish_process_change)
    plug.script_function("set_change_status", changes.set_change_status)
    plug.task_rule(changes.PROCESS, "rework", changes.check_rework)
    plug.start_page(changes.PROCESS, "owners.index")  # a change starts from a draft, never from the start list
    plug.intake(changes.PROCESS, "流程管理页面：提交草稿评审")  # issue 13, item 4: no other way in
    plug.menu_link(MenuLink("流程管理", "owners.index", allowed_by(access.require_viewer)))
    plug.openapi(api.OPENAPI_PATHS)
    plug.demo(demo.demo_cases)  # `make run`: a change waiting for review, one sent back


def cli_commands() -> list:
    from app.owners.cli import owners

    return [owners]
