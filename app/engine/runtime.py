"""Running instances: start, complete a task, fire timers, deliver a message. Returns plain dataclasses.

Each operation loads the stored state, runs at one pinned instant (app.clock) with seeded task ids (shims), and
returns the new state with its digest, so the service layer can save it and replay can reproduce it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.engine import sandbox, shims
from app.engine.definitions import Definition
from app.engine.errors import (
    DataTooLarge,
    EngineError,
    LimitExceeded,
    MigrationRefused,
    NotWaitingForMessage,
    ScriptError,
    TaskNotReady,
)
from app.engine.pool import ScriptPool
from app.engine.serializer import SERIALIZER_REGISTRY as _SERIALIZER_REGISTRY
from app.engine.serializer import dump_state, load_state
from app.engine.warm import WarmWorkflows


@dataclass(frozen=True)
class ReadyTask:
    id: str
    spec_name: str
    name: str
    lane: str | None
    properties: dict
    data: dict


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    spec_name: str
    due_at: datetime


@dataclass(frozen=True)
class StepResult:
    state_json: str
    digest: str
    completed: bool
    ready_tasks: list[ReadyTask]
    timers: list[WaitingTimer]
    case_data: dict
    fired_timers: list[str]
    # What was open before the step, so the caller can update its projections without reading them back.
    previous_ready_ids: frozenset[str] = frozenset()
    previous_timer_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ElementState:
    """Per diagram element: for marking done/active elements in the viewer and for audits."""

    spec_name: str
    state: str


def digest(state_json: str) -> str:
    return hashlib.sha256(state_json.encode("utf-8")).hexdigest()


def _timer_due(task) -> datetime | None:
    value = task.task_spec.event_definition.details(task).value
    if value is None:
        return None
    if isinstance(value, dict):  # a cycle timer not yet started
        value = value.get("next")
    if not isinstance(value, str):
        return None
    due = TimerEventDefinition.get_datetime(value)
    return datetime.fromtimestamp(due.timestamp(), UTC)  # a plain datetime, not the clock shim's subclass


def _last_data(workflow: BpmnWorkflow) -> dict:
    last = workflow.last_task
    return last.data if last is not None else workflow.task_tree.data


def _engine_cause(err: BaseException) -> BaseException | None:
    """SpiffWorkflow wraps script failures in its own exceptions; find our sandbox's error in the chain (or a failure
    of the database under a registry function, which is not the diagram's fault and goes up as it is)."""
    seen = 0
    current: BaseException | None = err
    while current is not None and seen < 10:
        if isinstance(current, EngineError) or getattr(current, "gasflow_infrastructure", False):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _element_of(err: BaseException) -> str:
    """The element SpiffWorkflow was working on when it failed (its methods name the task ``my_task``)."""
    element, tb = "", err.__traceback__
    while tb is not None:
        task = tb.tb_frame.f_locals.get("my_task")
        name = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        element = name or element
        tb = tb.tb_next
    return element


# Engine tasks (scripts, gateways, events) one step may run: a loop in the diagram that never waits for a person or
# a timer stops here as an incident instead of running until SpiffWorkflow's recursion limit (issue 13, item 12).
MAX_ENGINE_TASKS_PER_STEP = 250


class _StepCounter:
    def __init__(self, limit: int):
        self.limit = limit
        self.count = 0

    def __call__(self, task) -> None:
        self.count += 1
        if self.count > self.limit:
            raise LimitExceeded(
                f"一步之内自动环节执行超过 {self.limit} 次，疑似死循环，已停止 "
                f"(more than {self.limit} automatic steps without waiting: a loop in the diagram?)",
                task.task_spec.name,
            )


@dataclass(frozen=True)
class _Before:
    ready: frozenset[str]
    timers: frozenset[str]
    finished_timers: frozenset[str] = frozenset()


_NOTHING_BEFORE = _Before(frozenset(), frozenset())


class Engine:
    def __init__(self, functions: dict[str, Callable], timeout_seconds: float = 0.5, max_data_bytes: int = 1_000_000,
                 pool: ScriptPool | None = None, max_engine_tasks: int = MAX_ENGINE_TASKS_PER_STEP):  # fmt: skip
        self.max_data_bytes = max_data_bytes
        self.timeout_seconds = timeout_seconds
        self.max_engine_tasks = max_engine_tasks
        self.script_engine = sandbox.script_engine(functions, timeout_seconds, max_data_bytes, pool)
        self.pool = self.script_engine.environment.pool
        self.warm = WarmWorkflows()

    # -- operations ---------------------------------------------------------------------------------------------
    def start(self, definition: Definition, data: dict, seed: str, at: datetime) -> StepResult:
        sandbox.check_input_size(data, self.max_data_bytes)
        with clock.pinned(at), shims.task_ids(seed, 0) as ids, sandbox.step_budget(self.timeout_seconds):
            workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs, script_engine=self.script_engine)
            workflow.task_tree.data.update(data)
            return self._run(definition, seed, workflow, ids, before=_NOTHING_BEFORE, fired=[])

    def complete_task(
        self, definition: Definition, state_json: str, seed: str, task_id: str, data: dict, at: datetime
    ) -> StepResult:
        sandbox.check_input_size(data, self.max_data_bytes)

        def complete(workflow: BpmnWorkflow) -> list[str]:
            task = self._ready_task(workflow, task_id)
            task.data.update(data)
            self._guard(task.run)
            return []

        return self._step(definition, state_json, seed, at, complete)

    def fire_timers(self, definition: Definition, state_json: str, seed: str, at: datetime) -> StepResult:
        def fire(workflow: BpmnWorkflow) -> list[str]:
            waiting = {str(t.id): (t.task_spec.name, _timer_due(t)) for t in self._timer_tasks(workflow)}
            self._guard(workflow.refresh_timers)
            fired = []
            for tid, (name, due) in waiting.items():
                task = workflow.get_task_from_id(UUID(tid))
                # a cycle timer (R6/P1D) fires and keeps waiting for its next time: it fired when its due time moved
                if task.state != TaskState.WAITING or _timer_due(task) != due:
                    fired.append(name)
            return fired

        return self._step(definition, state_json, seed, at, fire)

    def reevaluate_timers(
        self, definition: Definition, state_json: str, seed: str, at: datetime, uses: str,
        changes: list[dict] | None = None,
    ) -> StepResult:  # fmt: skip
        """Evaluate again the expressions of waiting (non-cycle) timers whose text calls ``uses`` — e.g.
        add_working_days once the holiday table holds a year it had to guess (rules.md, issue 3 §2). Each expression
        is evaluated at the instant its timer started waiting, as the first time; the timer fires in a later sweep.

        ``changes`` (issue 12, item 2): data values a script derived from the calendar and that the calendar now
        answers differently, ``{"key", "old", "new"}`` each; every task holding ``key == old`` gets ``new`` first, so
        timers and deadlines that read the variable (``answer_due``) follow."""

        def reevaluate(workflow: BpmnWorkflow) -> list[str]:
            for change in changes or []:
                for task in workflow.get_tasks():
                    if change["key"] in task.data and task.data[change["key"]] == change["old"]:
                        task.data[change["key"]] = change["new"]
            for task in self._timer_tasks(workflow):
                event = task.task_spec.event_definition
                if isinstance(event, CycleTimerEventDefinition) or uses not in str(event.expression or ""):
                    continue
                task.internal_data.pop("event_value", None)
                task.internal_data.pop("event_fired", None)
                with clock.pinned(datetime.fromtimestamp(task.last_state_change, UTC)):
                    self._guard(lambda t=task: t.task_spec.event_definition.has_fired(t))
            return []

        return self._step(definition, state_json, seed, at, reevaluate)

    def deliver_message(
        self, definition: Definition, state_json: str, seed: str, name: str, payload: dict, at: datetime
    ) -> StepResult:
        sandbox.check_input_size(payload, self.max_data_bytes)

        def deliver(workflow: BpmnWorkflow) -> list[str]:
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload))
            except WorkflowException:
                raise NotWaitingForMessage(f"此流程当前不在等待消息 {name} (not waiting for message {name})") from None
            return []

        return self._step(definition, state_json, seed, at, deliver)

    def _step(
        self, definition: Definition, state_json: str, seed: str, at: datetime,
        action: Callable[[BpmnWorkflow], list[str]],
    ) -> StepResult:  # fmt: skip
        """Load the state, do ``action`` (it returns the timers it fired) and the engine steps after it, at one pinned
        instant with seeded task ids."""
        with clock.pinned(at), sandbox.step_budget(self.timeout_seconds):
            workflow, id_seq = self._take(definition, seed, state_json)
            with shims.task_ids(seed, id_seq) as ids:
                before = self._before(workflow, definition.has_timers)
                fired = action(workflow)
                return self._run(definition, seed, workflow, ids, before=before, fired=fired)

    def migrate(self, old: Definition, new: Definition, state_json: str, seed: str, at: datetime) -> StepResult:
        """Move a running instance onto another version of its process (design.md, migration facts).

        Refused when any task of the instance — done or open — has no counterpart in the new version: the stored
        state would name an element the new spec lacks and could not be loaded again. Waiting timers keep their due
        times (only READY tasks are reset and predicted again)."""
        with clock.pinned(at), sandbox.step_budget(self.timeout_seconds):
            workflow, id_seq = self._load(old, state_json)
            top, subs = self._migration_diff(old, new, workflow)
            with shims.task_ids(seed, id_seq) as ids:
                before = self._before(workflow, timers=True)
                migrate_workflow(top, workflow, new.spec, reset_mask=TaskState.READY)
                for sub_id, sub_diff in subs.items():
                    sub = workflow.subprocesses[sub_id]
                    migrate_workflow(sub_diff, sub, new.subprocess_specs[sub.spec.name], reset_mask=TaskState.READY)
                workflow.subprocess_specs = new.subprocess_specs
                return self._run(new, seed, workflow, ids, before=before, fired=[])

    @staticmethod
    def _migration_diff(old: Definition, new: Definition, workflow: BpmnWorkflow):
        """The engine's diff of a running workflow against the new spec; MigrationRefused (the 409 rule) when a task
        it used — done or open — has no counterpart there."""
        top, subs = diff_workflow(_SERIALIZER_REGISTRY, workflow, new.spec, new.subprocess_specs)
        removed = {t.task_spec.name for t in top.removed}
        for sub in subs.values():
            if sub is None:
                raise MigrationRefused("新版本缺少实例正在使用的子流程，不能迁移 (a subprocess in use is missing)")
            removed |= {t.task_spec.name for t in sub.removed}
        if removed:
            names = "、".join(sorted(old.element_names.get(r, r) for r in removed))
            raise MigrationRefused(
                f"新版本删除了本实例已经过或正在进行的环节：{names}，不能迁移 (removed: {sorted(removed)})"
            )
        return top, subs

    def migration_dry_run(self, old: Definition, new: Definition, state_json: str) -> str | None:
        """Why this instance cannot move to ``new`` (None when it can); nothing is changed or kept."""
        workflow, _ = self._load(old, state_json)
        try:
            self._migration_diff(old, new, workflow)
        except MigrationRefused as err:
            return err.message
        return None

    # -- read-only views ----------------------------------------------------------------------------------------
    def task_data(self, definition: Definition, state_json: str, task_id: str) -> dict:
        workflow, _ = self._load(definition, state_json)
        task = workflow.get_task_from_id(UUID(str(task_id)))
        return dict(task.data) if task is not None else {}

    def case_data(self, definition: Definition, state_json: str, seed: str | None = None) -> dict:
        """The data the last step left. With the instance's ``seed``, read from the workflow this process saved that
        state from when it is still warm (a page read right after a step skips deserialising it)."""
        if seed is not None:
            found = self.warm.peek(definition.spec, seed, state_json, lambda wf: copy.deepcopy(_last_data(wf)))
            if found is not None:
                return found
        workflow, _ = self._load(definition, state_json)
        return dict(_last_data(workflow))

    def element_states(self, definition: Definition, state_json: str) -> list[ElementState]:
        """Every task in the tree, whatever its parent's state (get_tasks(state=...) would not descend)."""
        workflow, _ = self._load(definition, state_json)
        tasks = list(workflow.get_tasks())
        for sub in workflow.subprocesses.values():
            tasks.extend(sub.get_tasks())
        return [ElementState(t.task_spec.name, TaskState.get_name(t.state)) for t in tasks]

    # -- internals ----------------------------------------------------------------------------------------------
    def _take(self, definition: Definition, seed: str, state_json: str):
        """The workflow in that state: the object this process saved it from if still warm, else deserialised."""
        return self.warm.take(definition.spec, seed, state_json) or self._load(definition, state_json)

    def _load(self, definition: Definition, state_json: str):
        try:
            return load_state(state_json, definition.spec, definition.subprocess_specs, self.script_engine)
        except (KeyError, ValueError) as err:
            raise EngineError(f"stored state does not match definition {definition.key}: {err}") from None

    @staticmethod
    def _ready_task(workflow: BpmnWorkflow, task_id: str):
        try:
            task = workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, TypeError, WorkflowException):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"任务 {task_id} 不是待办状态 (task is not ready)")
        return task

    def _before(self, workflow: BpmnWorkflow, timers: bool) -> _Before:
        ready = frozenset(str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True))
        if not timers:
            return _Before(ready, frozenset())
        return _Before(
            ready,
            frozenset(str(t.id) for t in self._timer_tasks(workflow)),
            frozenset(str(t.id) for t in self._finished_timers(workflow)),
        )

    @staticmethod
    def _finished_timers(workflow: BpmnWorkflow) -> list:
        return [
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)
        ]

    @staticmethod
    def _timer_tasks(workflow: BpmnWorkflow) -> list:
        return [
            t
            for t in workflow.event_manager.tasks.values()
            if isinstance(t.task_spec.event_definition, TimerEventDefinition) and t.state == TaskState.WAITING
        ]

    def _guarded_due(self, task) -> datetime | None:
        found: list[datetime | None] = []
        self._guard(lambda: found.append(_timer_due(task)))
        return found[0]

    def _guard(self, step: Callable[[], object]) -> None:
        try:
            step()
        except SpiffWorkflowException as err:
            cause = _engine_cause(err)
            element = getattr(getattr(err, "task_spec", None), "name", "") or ""
            if cause is not None and not isinstance(cause, EngineError):
                raise cause from None  # the database failed under a registry function: not the diagram's fault
            if isinstance(cause, DataTooLarge):
                raise DataTooLarge(cause.message, element or cause.element_id) from None
            if isinstance(cause, EngineError):
                kind = LimitExceeded if isinstance(cause, LimitExceeded) else ScriptError
                element = element or cause.element_id
                raise kind(f"{element}: {cause.message}" if element else cause.message, element) from None
            raise ScriptError(f"{element}: {err}", element) from None
        except EngineError:
            raise
        except RecursionError:
            raise LimitExceeded("流程嵌套或循环过深 (the diagram recursed too deep)") from None
        except Exception as err:  # SpiffWorkflow raises bare Exception for a bad timer value ('not-a-duration')
            if getattr(err, "gasflow_infrastructure", False):
                raise
            element = _element_of(err)
            message = f"{type(err).__name__}: {err}"
            raise ScriptError(f"{element}: {message}" if element else message, element) from None

    def _run(self, definition: Definition, seed: str, workflow: BpmnWorkflow, ids, before: _Before,
             fired: list[str]) -> StepResult:  # fmt: skip
        counter = _StepCounter(self.max_engine_tasks)
        self._guard(lambda: workflow.do_engine_steps(will_complete_task=counter))
        # A timer whose time had already passed when it started waiting fires within the step that reached it (a
        # 信息处理表 filed after its day opens the late-signature escalation at once): report it as fired too.
        if definition.has_timers:
            fired = fired + [
                t.task_spec.name
                for t in self._finished_timers(workflow)
                if str(t.id) not in before.finished_timers and str(t.id) not in before.timers
            ]
        state_json = dump_state(workflow, ids.count)
        self.warm.keep(definition.spec, seed, state_json, workflow, ids.count)
        ready = [
            ReadyTask(
                id=str(t.id),
                spec_name=t.task_spec.name,
                name=t.task_spec.bpmn_name or t.task_spec.name,
                lane=t.task_spec.lane,
                properties=dict((getattr(t.task_spec, "extensions", None) or {}).get("properties", {})),
                data=t.data,
            )
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        ]
        timers = []
        for t in self._timer_tasks(workflow) if definition.has_timers else ():
            due = self._guarded_due(t)
            if due is not None:
                timers.append(WaitingTimer(str(t.id), t.task_spec.name, due))
        return StepResult(
            state_json=state_json,
            digest=digest(state_json),
            completed=workflow.completed,
            ready_tasks=ready,
            timers=timers,
            case_data=dict(_last_data(workflow)),
            fired_timers=fired,
            previous_ready_ids=before.ready,
            previous_timer_ids=before.timers,
        )
