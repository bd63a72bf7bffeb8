"""Workflows this process has just saved, kept so the next step on the same instance skips deserialising them.

An entry is keyed by the exact state it was saved as (and the spec and seed), so it can only ever stand for that
state: if the save was rolled back or another process moved the instance on, the stored state differs and the entry
is simply never found. A step *takes* its entry, so two threads never share one object; a step that fails drops it.
A read (the case data a page shows right after a step) *peeks* at it under the lock and copies what it needs.
Replay runs cold (``cold()``): an auditor's rebuild starts from the stored events and states only.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from threading import Lock
from typing import TypeVar

T = TypeVar("T")

_cold: ContextVar[bool] = ContextVar("gasflow_engine_cold", default=False)


@contextlib.contextmanager
def cold() -> Iterator[None]:
    token = _cold.set(True)
    try:
        yield
    finally:
        _cold.reset(token)


class WarmWorkflows:
    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._lock = Lock()

    def take(self, spec, seed: str, state_json: str) -> tuple[object, int] | None:
        if _cold.get():
            return None
        with self._lock:
            return self._entries.pop((id(spec), seed, state_json), None)

    def peek(self, spec, seed: str, state_json: str, read: Callable[[object], T]) -> T | None:
        """``read(workflow)`` on the entry for that state, under the lock (no step can take it meanwhile), or None.
        ``read`` must copy what it returns and change nothing."""
        if _cold.get():
            return None
        with self._lock:
            found = self._entries.get((id(spec), seed, state_json))
            return read(found[0]) if found is not None else None

    def keep(self, spec, seed: str, state_json: str, workflow, id_seq: int) -> None:
        if _cold.get():
            return
        with self._lock:
            self._entries[(id(spec), seed, state_json)] = (workflow, id_seq)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
