"""The only package that imports SpiffWorkflow (design.md). Everything it returns is a plain dataclass."""

from app.engine import shims  # noqa: F401  (installs the clock and task-id hooks before any workflow runs)
from app.engine.checks import parse_definition
from app.engine.checks import problem as finding_problem
from app.engine.definitions import Definition, UserTaskInfo
from app.engine.errors import (
    BpmnInvalid,
    DataTooLarge,
    EngineError,
    InputTooLarge,
    LimitExceeded,
    MigrationRefused,
    NotWaitingForMessage,
    Problem,
    ScriptError,
    TaskNotReady,
)
from app.engine.pool import ScriptPool, WorkerBusy
from app.engine.pool import all_health as script_workers_health
from app.engine.pool import shared as script_pool
from app.engine.runtime import ElementState, Engine, ReadyTask, StepResult, WaitingTimer, digest
from app.engine.warm import cold
from app.engine.xml import xml_text

__all__ = [
    "BpmnInvalid",
    "DataTooLarge",
    "Definition",
    "ElementState",
    "Engine",
    "EngineError",
    "InputTooLarge",
    "LimitExceeded",
    "MigrationRefused",
    "NotWaitingForMessage",
    "Problem",
    "ReadyTask",
    "ScriptError",
    "ScriptPool",
    "WorkerBusy",
    "StepResult",
    "TaskNotReady",
    "UserTaskInfo",
    "WaitingTimer",
    "cold",
    "finding_problem",
    "digest",
    "parse_definition",
    "script_pool",
    "script_workers_health",
    "xml_text",
]
