"""Front-end packages served from node_modules (installed by `npm ci` in the Makefile; nothing third-party is
committed). Only the dist folders of the packages the pages use are reachable."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from app.settings import PROJECT_ROOT

vendor = Blueprint("vendor", __name__)

PACKAGES = {
    "bpmn-js": PROJECT_ROOT / "node_modules" / "bpmn-js" / "dist",
    "htmx": PROJECT_ROOT / "node_modules" / "htmx.org" / "dist",
    "echarts": PROJECT_ROOT / "node_modules" / "echarts" / "dist",  # charts on the overview and reports (issue 15 §9)
    # The owners' modeler (issue 14): the stylesheets of the packages its bundle holds.
    "properties-panel": PROJECT_ROOT / "node_modules" / "@bpmn-io" / "properties-panel" / "dist",
    "bpmnlint-js": PROJECT_ROOT / "node_modules" / "bpmn-js-bpmnlint" / "dist",
    "token-simulation": PROJECT_ROOT / "node_modules" / "bpmn-js-token-simulation" / "assets",
}


@vendor.get("/vendor/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    folder = PACKAGES.get(package)
    if folder is None or not folder.is_dir():
        abort(404, description="前端组件未安装，请运行 make setup (npm packages missing)")
    return send_from_directory(folder, filename, max_age=86_400)
