"""The two places SpiffWorkflow 3.2 reaches for the outside world with no hook, routed through GasFlow.

1. Time: timer events call ``datetime.now(timezone.utc)`` and tasks stamp ``time.time()``. Both now read ``app.clock``,
   so time travel, tests and production agree, and a pinned instant makes a step reproducible.
2. Task ids: tasks take ``uuid4()``. Inside an engine operation ids come from a seeded counter instead, so replaying an
   instance's events creates the same ids and the same state, byte for byte.
Installed once, on first import of the engine package; tested in tests/unit/test_engine_shims.py.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
import SpiffWorkflow.task as spiff_task

from app import clock


class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        value = clock.now()
        return value.astimezone(tz) if tz is not None else value


class _ClockTime:
    @staticmethod
    def time() -> float:
        return clock.now().timestamp()


class _IdSequence:
    def __init__(self, seed: uuid.UUID, start: int):
        self.seed = seed
        self.count = start

    def next(self) -> uuid.UUID:
        self.count += 1
        return uuid.uuid5(self.seed, str(self.count))


_ids: ContextVar[_IdSequence | None] = ContextVar("gasflow_task_ids", default=None)


def _task_uuid() -> uuid.UUID:
    sequence = _ids.get()
    return sequence.next() if sequence is not None else uuid.uuid4()


@contextlib.contextmanager
def task_ids(seed: str, start: int) -> Iterator[_IdSequence]:
    sequence = _IdSequence(uuid.uuid5(uuid.NAMESPACE_URL, f"gasflow:{seed}"), start)
    token = _ids.set(sequence)
    try:
        yield sequence
    finally:
        _ids.reset(token)


def install() -> None:
    spiff_timer.datetime = _ClockDatetime
    spiff_task.time = _ClockTime
    spiff_task.uuid4 = _task_uuid


install()
