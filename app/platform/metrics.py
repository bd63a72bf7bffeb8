"""Prometheus metrics (issue 18, docs/operations.md). One registry per app, so two apps in one process (tests) never
share counts.

Two kinds:
- counters and histograms updated as work happens: requests (web/observability.py), engine steps, task completions,
  fired timers and their lag. Steps count after their transaction commits (core.tx.after_commit): a step rolled back
  or retried is not work done. Each update is a few dictionary lookups, far below a step's cost.
- gauges read from the database when Prometheus scrapes (``StateCollector``): open, overdue and at-risk tasks per
  process and unit, due timers, open incidents, the outbox by status, the database pool, script workers, and how long
  ago each scheduler beat. A scrape costs a handful of grouped COUNT queries, whoever runs it.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select

from app import clock, engine
from app.core.tx import after_commit
from app.extensions import db
from app.models import HumanTask, Incident, OutboxMessage, ProcessInstance, SchedulerHeartbeat, Timer

KEY = "gasflow_metrics"
# A task is at risk when its limit falls within this (as the compliance report counts it, C15.2).
AT_RISK = timedelta(days=1)
STEP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
REQUEST_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

log = logging.getLogger("gasflow.metrics")


class Metrics:
    def __init__(self, app: Flask):
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gasflow_http_requests", "HTTP requests by route and status", ["method", "route", "status"],
            registry=registry,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "gasflow_http_request_duration_seconds", "HTTP request latency by route", ["method", "route"],
            buckets=REQUEST_BUCKETS, registry=registry,
        )  # fmt: skip
        self.steps = Counter(
            "gasflow_engine_steps", "Committed engine steps by process and kind", ["process", "kind"], registry=registry
        )
        self.step_seconds = Histogram(
            "gasflow_engine_step_duration_seconds", "Engine step latency (run + save, before commit) by kind", ["kind"],
            buckets=STEP_BUCKETS, registry=registry,
        )  # fmt: skip
        self.step_failures = Counter(
            "gasflow_engine_step_failures", "Engine steps that failed in the diagram and became incidents",
            ["process", "kind"], registry=registry,
        )  # fmt: skip
        self.task_completions = Counter(
            "gasflow_task_completions", "Committed user-task completions by process", ["process"], registry=registry
        )
        self.timers_fired = Counter("gasflow_timers_fired", "Timers fired by process", ["process"], registry=registry)
        self.timer_lag = Histogram(
            "gasflow_timer_lag_seconds", "How late a timer fired after its due time", buckets=LAG_BUCKETS,
            registry=registry,
        )  # fmt: skip
        registry.register(StateCollector(app))
        self._step_series: dict[tuple[str, str], tuple] = {}

    def step_series(self, process: str, kind: str) -> tuple:
        """The children a step updates, looked up once per process and kind (labels() takes a lock each time)."""
        found = self._step_series.get((process, kind))
        if found is None:
            completions = self.task_completions.labels(process) if kind == "task_completed" else None
            found = (self.steps.labels(process, kind), self.step_seconds.labels(kind), completions)
            self._step_series[(process, kind)] = found
        return found

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def install(app: Flask) -> Metrics:
    metrics = app.extensions.get(KEY)
    if metrics is None:
        metrics = app.extensions[KEY] = Metrics(app)
    return metrics


def of(app: Flask) -> Metrics:
    return app.extensions[KEY]


def _current() -> Metrics | None:
    return current_app.extensions.get(KEY)


def step_done(process: str, kind: str, seconds: float) -> None:
    """An engine step was saved; it counts once its transaction commits."""
    metrics = _current()
    if metrics is None:
        return

    def count() -> None:
        steps, latency, completions = metrics.step_series(process, kind)
        steps.inc()
        latency.observe(seconds)
        if completions is not None:
            completions.inc()

    after_commit(count)


def step_failed(process: str, kind: str) -> None:
    """A step failed in the diagram and was kept as an incident (committed with it)."""
    metrics = _current()
    if metrics is not None:
        after_commit(lambda: metrics.step_failures.labels(process, kind).inc())


def timers_fired(process: str, lags: list[float]) -> None:
    metrics = _current()
    if metrics is None or not lags:
        return

    def count() -> None:
        metrics.timers_fired.labels(process).inc(len(lags))
        for lag in lags:
            metrics.timer_lag.observe(max(lag, 0.0))

    after_commit(count)


class StateCollector:
    """Gauges read from the database at scrape time, in an app context of their own (the scrape may come from the
    metrics port's thread)."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self):
        return []  # nothing to check at registration; the families are made at scrape time

    def collect(self):
        families: list[GaugeMetricFamily] = []
        errors = 0
        with self.app.app_context():
            now = clock.now()
            for part in (self._tasks, self._timers, self._incidents, self._outbox, self._heartbeats, self._pool,
                         self._scripts):  # fmt: skip
                try:
                    families.extend(part(now))
                except Exception:  # noqa: BLE001 - one failing query must not hide every other gauge
                    log.exception("metrics: %s failed", part.__name__)
                    errors += 1
            db.session.rollback()
        yield from families
        yield GaugeMetricFamily("gasflow_metrics_scrape_errors", "Gauge groups that failed in this scrape", errors)

    def _tasks(self, now):
        labels = ["process", "unit"]
        open_ = GaugeMetricFamily("gasflow_tasks_open", "Open user tasks by process and unit", labels=labels)
        overdue = GaugeMetricFamily("gasflow_tasks_overdue", "Open tasks past their limit", labels=labels)
        at_risk = GaugeMetricFamily("gasflow_tasks_at_risk", "Open tasks due within a day", labels=labels)
        unit = func.coalesce(HumanTask.candidate_group, "-")
        rows = db.session.execute(
            select(
                HumanTask.process_key,
                unit,
                func.count(),
                func.sum(case((HumanTask.due_at < now, 1), else_=0)),
                func.sum(case(((HumanTask.due_at >= now) & (HumanTask.due_at < now + AT_RISK), 1), else_=0)),
            )
            .where(HumanTask.state == "ready")
            .group_by(HumanTask.process_key, unit)
        )
        for process, group, count, late, risky in rows:
            open_.add_metric([process, group], count)
            overdue.add_metric([process, group], late or 0)
            at_risk.add_metric([process, group], risky or 0)
        return [open_, overdue, at_risk]

    def _timers(self, now):
        due_count, oldest = db.session.execute(
            select(func.count(), func.min(Timer.due_at)).where(Timer.due_at < now, Timer.failed_at.is_(None))
        ).one()
        waiting = db.session.scalar(select(func.count()).select_from(Timer).where(Timer.failed_at.is_(None)))
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        return [
            GaugeMetricFamily("gasflow_timers_due", "Timers past their due time, not yet fired", due_count),
            GaugeMetricFamily("gasflow_timers_waiting", "Timers waiting (due or not), cases on hold excluded", waiting),
            GaugeMetricFamily("gasflow_timers_oldest_due_seconds", "How long the oldest unfired due timer waits", age),
        ]

    def _incidents(self, _now):
        family = GaugeMetricFamily("gasflow_incidents_open", "Unresolved incidents by process", labels=["process"])
        rows = db.session.execute(
            select(ProcessInstance.process_key, func.count())
            .select_from(Incident)
            .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
            .where(Incident.resolved_at.is_(None))
            .group_by(ProcessInstance.process_key)
        )
        for process, count in rows:
            family.add_metric([process], count)
        return [family]

    def _outbox(self, now):
        by_status = GaugeMetricFamily("gasflow_outbox_messages", "Outbox messages by status", labels=["status"])
        found = dict(
            db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        )
        for status in ("pending", "sending", "sent", "failed"):
            by_status.add_metric([status], found.get(status, 0))
        retrying = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.last_error.is_not(None))
        )
        oldest = db.session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
        )
        backlog_age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        return [
            by_status,
            GaugeMetricFamily(
                "gasflow_outbox_backlog",
                "Messages waiting to be sent (pending + sending)",
                found.get("pending", 0) + found.get("sending", 0),
            ),  # fmt: skip
            GaugeMetricFamily("gasflow_outbox_retrying", "Pending messages whose last attempt failed", retrying),
            GaugeMetricFamily(
                "gasflow_outbox_failed", "Messages given up on (shown to admins)", found.get("failed", 0)
            ),
            GaugeMetricFamily(
                "gasflow_outbox_oldest_due_seconds", "How overdue the oldest pending message is", backlog_age
            ),  # fmt: skip
        ]

    def _heartbeats(self, now):
        ages = GaugeMetricFamily(
            "gasflow_scheduler_heartbeat_age_seconds", "Seconds since each scheduler process beat", labels=["scheduler"]
        )
        newest = math.inf
        stale_after = self.app.config["GASFLOW"].heartbeat_stale_seconds
        alive = 0
        for name, beat_at in db.session.execute(select(SchedulerHeartbeat.name, SchedulerHeartbeat.beat_at)):
            age = max((now - beat_at).total_seconds(), 0.0)
            ages.add_metric([name], age)
            newest = min(newest, age)
            alive += age <= stale_after
        return [
            ages,
            GaugeMetricFamily(
                "gasflow_scheduler_last_beat_age_seconds", "Seconds since any scheduler beat (+Inf: none)", newest
            ),  # fmt: skip
            GaugeMetricFamily("gasflow_schedulers_alive", "Schedulers that beat within the stale limit", alive),
        ]

    def _pool(self, _now):
        pool = db.engine.pool
        checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
        size = pool.size() if hasattr(pool, "size") else 0
        overflow = max(pool.overflow(), 0) if hasattr(pool, "overflow") else 0
        return [
            GaugeMetricFamily(
                "gasflow_db_pool_checked_out", "Database connections in use in this process", checked_out
            ),
            GaugeMetricFamily("gasflow_db_pool_size", "Database pool size (+ overflow in use)", size + overflow),
        ]

    def _scripts(self, _now):
        health = engine.script_workers_health()
        return [
            GaugeMetricFamily("gasflow_script_workers_busy", "Script workers running a job", health["busy"]),
            GaugeMetricFamily("gasflow_script_workers_stuck", "Script workers past their limit", len(health["stuck"])),
            GaugeMetricFamily(
                "gasflow_script_workers_killed",
                "Script workers killed at their limit (since start)",
                health["killed_at_limit"],
            ),  # fmt: skip
        ]
