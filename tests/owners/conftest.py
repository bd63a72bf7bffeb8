"""The owners' workplace on the platform sample: the change process deployed, the demo directory (two owners)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT


@pytest.fixture
def change_process(app, people, sample):
    from app.platform import definitions

    definitions.deploy((ROOT / "processes" / "process_change.bpmn").read_bytes(), "process_change.bpmn")
    return people


def publish(draft_id: int, author, reviewer, reason: str = "测试变更"):
    """Submit a draft and approve it as the reviewer, through the use cases the pages call."""
    from app.owners import changes

    changes.submit(draft_id, reason, author.user)
    return changes.decide(draft_id, "approve", "同意", reviewer.user)
