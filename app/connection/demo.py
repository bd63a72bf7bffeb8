"""Demo cases of the gas connection area for `make run` (filled below)."""

from __future__ import annotations

from app.platform.demo_cases import Demo, DemoCase


def demo_cases(demo: Demo) -> list[DemoCase]:
    return []
