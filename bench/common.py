"""Helpers shared by the benchmarks: a throwaway app on a fresh SQLite database built by the real migrations."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from app import create_app
from app.settings import Settings

BENCH = Path(__file__).resolve().parent
FIVE_TASKS = BENCH / "fixtures" / "five_tasks.bpmn"
SCRIPTED_TASKS = BENCH / "fixtures" / "scripted_tasks.bpmn"


def fresh_app(database_url: str | None = None, **overrides):
    """An app on a new database (migrated with Alembic, calendar seeded, demo directory loaded)."""
    from flask_migrate import upgrade

    from app import demo
    from app.calendar import admin as calendar_admin

    tmp = Path(tempfile.mkdtemp(prefix="gasflow-bench-"))
    settings = Settings(
        database_url=database_url or f"sqlite:///{tmp / 'bench.db'}",
        instance_dir=tmp,
        secret_key="bench",
        **overrides,
    )
    app = create_app(settings)
    with app.app_context():
        upgrade()
        calendar_admin.seed_from_package()
        demo.load_directory()
    return app, tmp


def proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system so far) of a process, from /proc; None when it is gone or there is no
    /proc (not Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, mean {statistics.fmean(values):.1f} ms"
