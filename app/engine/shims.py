"""The places SpiffWorkflow 3.2 reaches for the outside world, or grows without bound, with no hook; routed through
GasFlow.

1. Time: timer events call ``datetime.now(timezone.utc)`` and tasks stamp ``time.time()``. Both now read ``app.clock``,
   so time travel, tests and production agree, and a pinned instant makes a step reproducible.
2. Task ids: tasks take ``uuid4()``. Inside an engine operation ids come from a seeded counter instead, so replaying an
   instance's events creates the same ids and the same state, byte for byte.
3. Loops: a multi-instance activity (cardinality or input collection) or a standard loop adds one child task per
   instance or iteration, recursively and without limit. Each child past MAX_LOOP_INSTANCES is refused with
   LimitExceeded, which becomes an incident on the case (issue 13, items 2 and 12).
Installed once, on first import of the engine package; tested in tests/unit/test_engine_shims.py and
tests/engine/test_isolation.py.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
import SpiffWorkflow.task as spiff_task
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask

from app import clock
from app.engine.errors import LimitExceeded

# Instances of one multi-instance activity, or iterations of one standard loop, within one case.
MAX_LOOP_INSTANCES = 100


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


def _capped(create_child):
    def create_capped_child(self, my_task, *args, **kwargs):
        made = sum(1 for child in my_task.children if child.task_spec.name == self.task_spec)
        if made >= MAX_LOOP_INSTANCES:
            raise LimitExceeded(
                f"循环或多实例超过 {MAX_LOOP_INSTANCES} 次 (more than {MAX_LOOP_INSTANCES} loop iterations or instances)",
                self.name,
            )
        return create_child(self, my_task, *args, **kwargs)

    create_capped_child.gasflow_capped = True
    return create_capped_child


def install() -> None:
    spiff_timer.datetime = _ClockDatetime
    spiff_task.time = _ClockTime
    spiff_task.uuid4 = _task_uuid
    for loop in (MultiInstanceTask, StandardLoopTask):
        if not getattr(loop.create_child, "gasflow_capped", False):
            loop.create_child = _capped(loop.create_child)


install()
