"""The only package that imports SpiffWorkflow (design.md). Everything it returns is a plain dataclass."""

from app.engine import shims  # noqa: F401  (installs the clock and task-id hooks before any workflow runs)
from app.engine.definitions import Definition, UserTaskInfo, parse_definition
from app.engine.errors import (
    BpmnInvalid,
    DataTooLarge,
    EngineError,
    MigrationRefused,
    NotWaitingForMessage,
    Problem,
    ScriptError,
    TaskNotReady,
)
from app.engine.runtime import ElementState, Engine, ReadyTask, StepResult, WaitingTimer, digest
from app.engine.warm import cold

__all__ = [
    "BpmnInvalid",
    "DataTooLarge",
    "Definition",
    "ElementState",
    "Engine",
    "EngineError",
    "MigrationRefused",
    "NotWaitingForMessage",
    "Problem",
    "ReadyTask",
    "ScriptError",
    "StepResult",
    "TaskNotReady",
    "UserTaskInfo",
    "WaitingTimer",
    "cold",
    "digest",
    "parse_definition",
]
