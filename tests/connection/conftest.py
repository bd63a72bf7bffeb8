"""Gas connection fixtures: the diagram deployed after the demo directory (its lanes must reach people)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT


@pytest.fixture
def connection(app, people):
    from app.platform import definitions

    path = ROOT / "processes" / "gas_connection.bpmn"
    row, _ = definitions.deploy(path.read_bytes(), path.name)
    return row
