"""Every background job, registered in one place (issue 3 §4).

`make run` starts these inside the web process (BackgroundScheduler); `gasflow scheduler` runs them as their own
process (BlockingScheduler). Any number of scheduler processes may run against one PostgreSQL: the sweep claims rows
with SKIP LOCKED and the instance revision check refuses a second firing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger("gasflow.scheduler")


def _in_app(app: Flask, job: Callable[[], object], name: str) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:  # a job failure is logged and retried next tick; it must not kill the scheduler
                log.exception("scheduler job %s failed", name)

    run.__name__ = name
    return run


def register_jobs(scheduler, app: Flask) -> None:
    from app.services import timers

    tick = app.config["GASFLOW"].scheduler_tick_seconds
    scheduler.add_job(
        _in_app(app, timers.sweep, "timer_sweep"),
        "interval",
        seconds=tick,
        id="timer_sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


def background(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    return scheduler


def blocking(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    return scheduler
