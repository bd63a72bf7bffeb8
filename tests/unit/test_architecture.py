"""The shape of the code (docs/architecture.md, issue 10), checked on the source: a violation fails the suite.

Each rule is a function over parsed modules, run once on app/ (must find nothing) and once on a planted violation
(must find it), so no rule can pass by being unable to fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

from app.areas import AREAS

APP = Path(__file__).resolve().parents[2] / "app"
BUSINESS_AREAS = {name.split(".")[1] for name in AREAS}

# Bottom up; a module may import its own layer and those below. Business areas sit above the web shell (they add
# pages and routes to it) and below the composition root (create_app, the CLI, the scheduler, demo data).
LAYERS = [
    {"settings", "clock", "extensions"},
    {"core", "models", "engine"},
    {"org", "calendar", "customers"},  # the shared kernel every area may use
    {"platform"},
    {"web"},
    BUSINESS_AREAS,
    {"__init__", "areas", "cli", "scheduler", "demo"},
]

Modules = dict[str, ast.Module]  # "app.platform.instances" -> its syntax tree


def _name_of(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> Modules:
    return {_name_of(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(APP.rglob("*.py"))}


def _imports(module: str, tree: ast.Module, known: Modules) -> set[str]:
    """Modules this one imports anywhere (module level or inside a function): ``from app.x import y`` is app.x.y when
    that is a module, else app.x."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if _top(module) in names)


def upward_imports(modules: Modules) -> list[str]:
    """Rules 1 and 4: the platform (and core, org, calendar, customers, web) never imports a business area or anything
    else above it."""
    bad = []
    for name, tree in modules.items():
        for target in _imports(name, tree, modules):
            if target.startswith("app.") and target in modules and _layer(target) > _layer(name):
                bad.append(f"{name} -> {target}")
    return sorted(bad)


def cross_area_imports(modules: Modules) -> list[str]:
    """Rule 2: a business area never imports another (they talk through messages or the platform)."""
    bad = []
    for name, tree in modules.items():
        if _top(name) not in BUSINESS_AREAS:
            continue
        for target in _imports(name, tree, modules):
            if target in modules and _top(target) in BUSINESS_AREAS and _top(target) != _top(name):
                bad.append(f"{name} -> {target}")
    return sorted(bad)


def import_cycles(modules: Modules) -> list[list[str]]:
    """Rule 3: no module reaches itself through imports, lazy ones included."""
    graph = {
        name: sorted(t for t in _imports(name, tree, modules) if t in modules and t != name)
        for name, tree in modules.items()
    }
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in graph:
        if start not in state:
            visit(start, [start])
    return cycles


def spiffworkflow_outside_the_engine(modules: Modules) -> list[str]:
    return sorted(
        name
        for name, tree in modules.items()
        if _top(name) != "engine" and any(n.split(".")[0] == "SpiffWorkflow" for n in _imports(name, tree, modules))
    )


def _is_http(name: str) -> bool:
    return _top(name) == "web" or (_top(name) in BUSINESS_AREAS and name.rsplit(".", 1)[-1] in {"api", "pages"})


def sql_in_http_code(modules: Modules) -> list[str]:
    return sorted(
        name
        for name, tree in modules.items()
        if _is_http(name) and any(n.split(".")[0] == "sqlalchemy" for n in _imports(name, tree, modules))
    )


def commits_outside_use_cases(modules: Modules) -> list[str]:
    """One transaction per use case: only core.tx (the ``@writes`` decorator every use case wears) commits."""
    return sorted(
        f"{name}:{node.lineno}"
        for name, tree in modules.items()
        if name != "app.core.tx"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    )


def environment_reads(modules: Modules) -> list[str]:
    return sorted(
        f"{name}:{node.lineno}"
        for name, tree in modules.items()
        if name != "app.settings"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"environ", "getenv"}
        and getattr(node.value, "id", "") == "os"
    )


def http_in_models(modules: Modules) -> list[str]:
    return sorted(
        name
        for name, tree in modules.items()
        if _top(name) == "models"
        and any(n.split(".")[0] in {"flask", "werkzeug"} for n in _imports(name, tree, modules))
    )


def _planted(name: str, source: str) -> Modules:
    return {**app_modules(), name: ast.parse(source)}


def test_every_package_is_in_a_layer():
    assert sorted({_top(n) for n in app_modules()} - set().union(*LAYERS)) == []


def test_nothing_imports_upward():
    assert upward_imports(app_modules()) == []


def test_the_platform_importing_an_area_is_caught():
    planted = _planted("app.platform.evil", "def f():\n    from app.complaints import rules\n")
    assert upward_imports(planted) == ["app.platform.evil -> app.complaints.rules"]


def test_the_web_shell_importing_an_area_is_caught():
    planted = _planted("app.web.pages.evil", "from app.supply import board\n")
    assert upward_imports(planted) == ["app.web.pages.evil -> app.supply.board"]


def test_no_area_imports_another():
    assert cross_area_imports(app_modules()) == []


def test_an_area_importing_another_is_caught():
    planted = _planted("app.supply.evil", "from app.complaints import intake\n")
    assert cross_area_imports(planted) == ["app.supply.evil -> app.complaints.intake"]


def test_no_import_cycles():
    assert import_cycles(app_modules()) == []


def test_an_import_cycle_is_caught():
    modules = {
        **app_modules(),
        "app.platform.ping": ast.parse("from app.platform import pong\n"),
        "app.platform.pong": ast.parse("def f():\n    from app.platform import ping\n"),
    }
    assert ["app.platform.ping", "app.platform.pong", "app.platform.ping"] in import_cycles(modules)


def test_only_the_engine_imports_spiffworkflow():
    assert spiffworkflow_outside_the_engine(app_modules()) == []
    assert spiffworkflow_outside_the_engine(_planted("app.platform.evil", "import SpiffWorkflow\n")) == [
        "app.platform.evil"
    ]


def test_http_code_has_no_sql():
    assert sql_in_http_code(app_modules()) == []
    assert sql_in_http_code(_planted("app.complaints.pages", "from sqlalchemy import select\n")) == [
        "app.complaints.pages"
    ]


def test_only_use_cases_commit():
    assert commits_outside_use_cases(app_modules()) == []
    assert commits_outside_use_cases(_planted("app.platform.evil", "db.session.commit()\n")) == ["app.platform.evil:1"]


def test_only_settings_reads_the_environment():
    assert environment_reads(app_modules()) == []
    assert environment_reads(_planted("app.clock", "import os\nos.environ['X']\n")) == ["app.clock:2"]


def test_models_learn_no_http():
    assert http_in_models(app_modules()) == []
    assert http_in_models(_planted("app.models.evil", "from flask import request\n")) == ["app.models.evil"]
