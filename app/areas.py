"""The business areas this installation runs. Each is a package with ``register(app)`` (blueprints, script functions,
task rules, jobs, menu links, start pages, OpenAPI paths) and ``cli_commands()``; see docs/adding-a-process-area.md."""

from __future__ import annotations

import importlib
from types import ModuleType

AREAS = ("app.complaints", "app.supply", "app.connection", "app.auditing", "app.owners")


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in AREAS]
