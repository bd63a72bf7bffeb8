"""The layering rules of design.md, checked on the source: a violation fails the suite."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _modules():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_engine_imports_spiffworkflow():
    leaks = [
        p
        for p, tree in _modules()
        if not p.startswith("app/engine/") and any(n.split(".")[0] == "SpiffWorkflow" for n in _imports(tree))
    ]
    assert leaks == []


def test_only_services_commit():
    offenders = []
    for path, tree in _modules():
        if path.startswith("app/services/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_web_learns_no_sql():
    offenders = [
        p
        for p, tree in _modules()
        if p.startswith("app/web/") and any(n.split(".")[0] == "sqlalchemy" for n in _imports(tree))
    ]
    assert offenders == []


def test_only_settings_reads_the_environment():
    offenders = []
    for path, tree in _modules():
        if path == "app/settings.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"environ", "getenv"}
                and getattr(node.value, "id", "") == "os"
            ):
                offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_models_learn_no_http():
    offenders = [
        p
        for p, tree in _modules()
        if p.startswith("app/models/") and any(n.split(".")[0] in {"flask", "werkzeug"} for n in _imports(tree))
    ]
    assert offenders == []
