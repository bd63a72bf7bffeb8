"""Errors the engine raises; every one carries text a process owner or operator can act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    message: str
    file: str = ""
    line: int | None = None
    element_id: str = ""
    name: str = ""  # the element's name and BPMN type, its fix and the message in each language (issue 19)
    kind: str = ""
    fix: str = ""
    message_zh: str = ""
    message_en: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = self.file or "<bpmn>"
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" ({self.element_id})"
        return f"{where}: {self.message}"


class EngineError(Exception):
    """A process could not run a step; the instance keeps its last good state."""

    def __init__(self, message: str, element_id: str = ""):
        super().__init__(message)
        self.message = message
        self.element_id = element_id


class BpmnInvalid(EngineError):
    """The diagram was refused; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ScriptError(EngineError):
    """A script, condition or timer expression failed or was refused by the sandbox."""


class DataTooLarge(EngineError):
    pass


class InputTooLarge(DataTooLarge):
    """The data given to a step (start data, a form, a message) is too large: the caller's error, not the diagram's."""


class LimitExceeded(EngineError):
    """A loop ran more engine steps than one step may, or a multi-instance asked for more instances than allowed."""


class TaskNotReady(EngineError):
    pass


class NotWaitingForMessage(EngineError):
    pass


class MigrationRefused(EngineError):
    """The instance cannot move to that version (an element it used is gone)."""
