"""The one environment for scripts, gateway conditions, timer and multi-instance expressions (design.md, engine
boundary; issue 13 items 1-2).

Every snippet is compiled by RestrictedPython (no imports, no dunder names, guarded attribute/item/iteration access)
at deploy time and again where it runs. It runs in a worker process (app/engine/pool.py, app/engine/script_worker.py)
that has a memory limit, a CPU limit and a wall-clock deadline after which it is killed; the registry functions a
diagram may call run here, in the engine's process, and are recorded for replay as before.

One exception, for speed: an expression that is *provably cheap* is evaluated here without a round trip — see
``provably_cheap``: only constants, data-field names, ``data["key"]`` look-ups, ``len(field)``, comparisons and
``and``/``or``/``not``. No arithmetic, no calls other than ``len``, no attribute access, no comprehension: its cost is
bounded by the size of the case data (itself bounded), it cannot allocate more than the data it reads, and it cannot
loop. Everything else — every script, every expression with an operator or a call — goes to a worker.

All diagram code of one engine step shares one time budget (``step_budget``): a step that evaluates many snippets
(a loop in the diagram) cannot multiply the limit.
"""

from __future__ import annotations

import ast
import contextlib
import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import pool as pools
from app.engine import script_worker, shims
from app.engine.errors import DataTooLarge, InputTooLarge, LimitExceeded, ScriptError

SCRIPT_FILENAME = script_worker.SCRIPT_FILENAME
MAX_RANGE = script_worker.MAX_RANGE
# Multi-instance: at most this many instances of one activity (checked at deploy for constants, at run for all).
MAX_CARDINALITY = shims.MAX_LOOP_INSTANCES


def compile_snippet(source: str, mode: str):
    """Deploy-time check (and the fast path's compiler): the code, or ScriptError naming each refused line."""
    try:
        return script_worker.compile_snippet(source, mode)
    except script_worker.RefusedSnippet as err:
        raise ScriptError(str(err)) from None


_compile = compile_snippet  # the name other engine modules know it by


def data_size(data: dict) -> int:
    return len(json.dumps(data, default=str, ensure_ascii=False).encode("utf-8"))


def too_large(size: int, limit: int) -> DataTooLarge:
    return DataTooLarge(f"任务数据 {size} 字节，超过上限 {limit} 字节 (task data of {size} bytes exceeds {limit})")


def check_input_size(data: dict, limit: int) -> None:
    size = data_size(data)
    if size > limit:
        raise InputTooLarge(too_large(size, limit).message)


# -- the per-step time budget ---------------------------------------------------------------------------------------
class _Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.left = seconds


_budget: ContextVar[_Budget | None] = ContextVar("gasflow_script_budget", default=None)


@contextlib.contextmanager
def step_budget(seconds: float) -> Iterator[None]:
    """Around one engine operation: all diagram code it runs shares ``seconds`` of worker time."""
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


# -- the provably cheap expressions ---------------------------------------------------------------------------------
_CHEAP_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List, ast.Subscript,
    ast.UnaryOp, ast.Not, ast.USub, ast.Call,
)  # fmt: skip
_CHEAP_CONSTANTS = (str, int, float, bool, type(None))


def _cheap(node: ast.AST, reserved: frozenset[str]) -> bool:
    if not isinstance(node, _CHEAP_NODES):
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, _CHEAP_CONSTANTS)
    if isinstance(node, ast.Name):
        return node.id not in reserved and not node.id.startswith("_")
    if isinstance(node, ast.Call):  # len(field) only: O(1) on str, list and dict
        return (
            isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], ast.Name | ast.Subscript) and _cheap(node.args[0], reserved)
        )  # fmt: skip
    if isinstance(node, ast.Subscript):  # data["key"] / data[0], nothing computed
        return (
            isinstance(node.value, ast.Name | ast.Subscript) and _cheap(node.value, reserved)
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str | int)
        )  # fmt: skip
    if isinstance(node, ast.Tuple | ast.List):  # ("a", "b") on the right of ``in``
        return all(isinstance(e, ast.Constant) and isinstance(e.value, _CHEAP_CONSTANTS) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int | float)
    return all(_cheap(child, reserved) for child in ast.iter_child_nodes(node))


@lru_cache(maxsize=4096)
def provably_cheap(source: str, reserved: frozenset[str]) -> bool:
    """True when ``source`` is an expression built only from the cheap forms above (see the module docstring)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return _cheap(tree, reserved)


_CHEAP_GLOBALS = {"__builtins__": {"len": len}, "_getitem_": script_worker.GUARDS["_getitem_"]}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


# -- the environment SpiffWorkflow calls --------------------------------------------------------------------------
class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, functions: dict[str, Callable], timeout_seconds: float, max_data_bytes: int,
                 pool: pools.ScriptPool):  # fmt: skip
        super().__init__(dict(functions))
        self.functions = functions
        self.function_names = sorted(functions)
        self.timeout_seconds = timeout_seconds
        self.max_data_bytes = max_data_bytes
        self.pool = pool
        self.reserved = frozenset(script_worker.BUILTIN_NAMES | set(script_worker.GUARDS) | set(functions))

    def evaluate(self, expression, context, external_context=None):
        if provably_cheap(expression, self.reserved):
            namespace = dict(_CHEAP_GLOBALS)
            namespace.update(external_context or {})
            namespace.update(context)
            try:
                return _plain(eval(compile_snippet(expression.strip(), "eval"), namespace))  # noqa: S307 - see above
            except Exception as err:  # noqa: BLE001 - reported as the worker would report it
                raise ScriptError(_script_error(script_worker.describe(err))) from None
        return self._remote("eval", expression, context, external_context)

    def execute(self, script, context, external_context=None):
        clash = (self.reserved | {"__builtins__"} | set(external_context or {})) & set(context)
        if clash:
            raise ScriptError(f"任务数据字段与内置函数重名 (data fields shadow functions): {sorted(clash)}")
        new_context = self._remote("exec", script, context, external_context)
        context.clear()
        context.update(new_context)
        return True

    def _remote(self, mode: str, source: str, context: dict, external_context: dict | None):
        budget = _budget.get()
        limit = budget.left if budget is not None else self.timeout_seconds
        configured = budget.seconds if budget is not None else self.timeout_seconds
        if limit <= 0:
            raise _timeout(configured)
        job = {"mode": mode, "source": source, "context": context, "external": external_context or {},
               "functions": self.function_names, "max_bytes": self.max_data_bytes}  # fmt: skip
        try:
            answer = self.pool.run(job, self._call, limit, self.max_data_bytes)
        except pools.ScriptTimeout:
            if budget is not None:
                budget.left = 0
            raise _timeout(configured) from None
        if budget is not None:
            budget.left -= answer.get("cpu_used", 0.0)
        if "ok" in answer:
            return answer["ok"]
        kind, message = answer.get("kind"), str(answer.get("error", ""))
        if kind == "too_large":
            raise too_large(int(answer.get("size", 0)), self.max_data_bytes)
        if kind == "memory":
            raise ScriptError(
                f"脚本超出内存上限 {self.pool.memory_mb} MB (script ran out of memory, limit {self.pool.memory_mb} MB): {message}"
            )
        if kind == "recursion":
            raise ScriptError(f"脚本递归过深 (script recursion too deep): {message}")
        if kind == "refused":
            raise ScriptError(message)
        raise ScriptError(_script_error(message))

    def _call(self, name: str, args: list, kwargs: dict):
        fn = self.functions.get(name)
        if fn is None:
            raise ScriptError(f"未知函数 {name} (unknown function)")
        return fn(*args, **kwargs)


def _script_error(message: str) -> str:
    return f"脚本出错 (script error): {message}"


def _timeout(seconds: float) -> ScriptError:
    return ScriptError(
        f"脚本运行超过 {seconds:g} 秒，已终止 (diagram code of this step stopped after {seconds:g} s; "
        "its process was killed)"
    )


class GuardedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with the run-time limits it lacks: a multi-instance cardinality above
    MAX_CARDINALITY is refused before any instance is made."""

    def evaluate(self, task, expression, external_context=None):
        value = super().evaluate(task, expression, external_context)
        if expression is not None and expression == getattr(task.task_spec, "cardinality", None):
            check_cardinality(value, task.task_spec.name)
        return value


def check_cardinality(value, element: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LimitExceeded(
            f"多实例数量必须是非负整数 (loopCardinality must be a non-negative integer): {value!r}", element
        )
    if value > MAX_CARDINALITY:
        raise LimitExceeded(
            f"多实例数量 {value} 超过上限 {MAX_CARDINALITY} (loopCardinality {value} exceeds {MAX_CARDINALITY})",
            element,
        )


def script_engine(functions: dict[str, Callable], timeout_seconds: float, max_data_bytes: int,
                  pool: pools.ScriptPool | None = None) -> GuardedScriptEngine:  # fmt: skip
    environment = SandboxEnvironment(functions, timeout_seconds, max_data_bytes, pool or pools.shared())
    return GuardedScriptEngine(environment=environment)
