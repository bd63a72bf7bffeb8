"""Every background job, registered in one place (issue 3 §4).

`make run` starts these inside the web process (BackgroundScheduler); `gasflow scheduler` runs them as their own
process (BlockingScheduler). Any number of scheduler processes may run against one PostgreSQL: the sweep claims rows
with SKIP LOCKED and the instance revision check refuses a second firing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger("gasflow.scheduler")


class _QuietOverlap(logging.Filter):
    """A sweep that runs longer than a tick makes APScheduler skip the next tick and warn each time; that is the
    intended back-pressure (max_instances=1), not a problem, so it is not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_QuietOverlap())


def _in_app(app: Flask, job: Callable[[], object], name: str) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:  # a job failure is logged and retried next tick; it must not kill the scheduler
                log.exception("scheduler job %s failed", name)

    run.__name__ = name
    return run


# How often open tasks are checked for a passed deadline; a breach is recorded within this many seconds.
BREACH_CHECK_SECONDS = 5.0


def register_jobs(scheduler, app: Flask) -> None:
    from app.core.registry import registry
    from app.platform import backup, heartbeat, outbox_delivery, seals, sla, timers

    tick = app.config["GASFLOW"].scheduler_tick_seconds
    every = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    # Issue 18: the heartbeat /readyz and the "scheduler silent" alert watch; beats at once, then every few seconds.
    scheduler.add_job(
        _in_app(app, heartbeat.beat, "heartbeat"),
        "interval",
        seconds=app.config["GASFLOW"].heartbeat_seconds,
        id="heartbeat",
        next_run_time=datetime.now(UTC),
        **every,
    )
    # Due timers fire within about a tick; timers missed while nothing ran are simply due at the first tick.
    scheduler.add_job(_in_app(app, timers.sweep, "timer_sweep"), "interval", seconds=tick, id="timer_sweep", **every)
    # C15.2: every task past its limit is recorded once (breached_at + a "breach" event) for follow-up.
    scheduler.add_job(
        _in_app(app, sla.record_breaches, "sla_breaches"),
        "interval",
        seconds=BREACH_CHECK_SECONDS,
        id="sla_breaches",
        **every,
    )
    # The notification outbox (docs/outbox.md): what committed cases queued is sent, retried, reconciled.
    scheduler.add_job(
        _in_app(app, outbox_delivery.deliver, "outbox_delivery"),
        "interval",
        seconds=app.config["GASFLOW"].outbox_poll_seconds,
        id="outbox_delivery",
        **every,
    )
    # S21.3: business data backed up at least weekly; the newest backup_keep are kept.
    settings = app.config["GASFLOW"]
    scheduler.add_job(
        _in_app(app, backup.scheduled_backup, "weekly_backup"),
        "cron",
        day_of_week=settings.backup_day_of_week,
        hour=settings.backup_hour,
        timezone="Asia/Shanghai",
        id="weekly_backup",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,  # a scheduler down at 02:00 still backs up when it comes back that morning
    )
    # Issue 15 §5: the heads of every case's chain sealed once a day (a seal per local day, whichever scheduler runs).
    scheduler.add_job(
        _in_app(app, seals.daily, "daily_seal"),
        "cron",
        hour=settings.seal_hour,
        timezone="Asia/Shanghai",
        id="daily_seal",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=12 * 3600,
    )
    for job in registry(app).jobs:  # the business areas' jobs (core.registry), e.g. the C14.2 monthly report
        first = {"next_run_time": datetime.now(UTC)} if job.first_run_now else {}
        if job.cron is not None:
            trigger = {"trigger": "cron", "timezone": "Asia/Shanghai", **job.cron}
        else:
            trigger = {"trigger": "interval", "seconds": job.seconds}
        scheduler.add_job(_in_app(app, job.run, job.id), id=job.id, **trigger, **first, **every)


def background(app: Flask) -> BackgroundScheduler:
    """The in-process scheduler of `gasflow serve` (`make run`); one per app object, however often it is asked for."""
    running = app.extensions.get("gasflow_scheduler")
    if running is not None:
        return running
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    app.extensions["gasflow_scheduler"] = scheduler
    app.extensions["gasflow_scheduler_started"] = time.monotonic()  # /readyz gives it a first heartbeat's time
    return scheduler


def blocking(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    return scheduler
