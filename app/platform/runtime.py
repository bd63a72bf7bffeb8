"""The engine and the parsed definitions this process keeps in memory (parsing is slow; versions never change)."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app

from app import engine
from app.core.errors import NotFound
from app.extensions import db
from app.models import ProcessDefinition
from app.platform.script_functions import script_functions

_CACHE_SIZE = 256


class Runtime:
    def __init__(self, timeout_seconds: float, max_data_bytes: int, area_functions: dict | None = None,
                 pool: engine.ScriptPool | None = None):  # fmt: skip
        self.engine = engine.Engine(script_functions(area_functions), timeout_seconds, max_data_bytes, pool)
        self._definitions: OrderedDict[int, engine.Definition] = OrderedDict()
        self._lock = Lock()

    def definition(self, definition_id: int) -> engine.Definition:
        with self._lock:
            cached = self._definitions.get(definition_id)
            if cached is not None:
                self._definitions.move_to_end(definition_id)
                return cached
        row = db.session.get(ProcessDefinition, definition_id)
        if row is None:
            raise NotFound(f"流程定义 {definition_id} 不存在 (unknown definition)")
        parsed = engine.parse_definition(row.xml.encode("utf-8"), f"{row.key}.v{row.version}.bpmn")
        with self._lock:
            self._definitions[definition_id] = parsed
            while len(self._definitions) > _CACHE_SIZE:
                self._definitions.popitem(last=False)
        return parsed


def runtime() -> Runtime:
    return current_app.extensions["gasflow_runtime"]
