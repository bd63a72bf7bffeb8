"""The one environment for scripts, gateway conditions and timer expressions (design.md, engine boundary).

RestrictedPython compiles every snippet (no imports, no dunder names, guarded attribute/item/iteration access); the
globals hold safe builtins plus a registry of functions diagrams may call. A tracer stops a script that runs longer
than its time limit, and data a script leaves behind is refused past a size limit.
"""

from __future__ import annotations

import ast
import functools
import json
import operator
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.errors import DataTooLarge, ScriptError

SCRIPT_FILENAME = "<gasflow-script>"
MAX_RANGE = 100_000

_UNSAFE_BUILTINS = {"__build_class__", "setattr", "delattr", "id", "hash", "_getattr_"}


def _limited_range(*args):
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ValueError(f"range() longer than {MAX_RANGE} is not allowed in scripts")
    return result


def _builtins() -> dict:
    allowed = {k: v for k, v in safe_builtins.items() if k not in _UNSAFE_BUILTINS}
    allowed.update(
        range=_limited_range,
        min=min,
        max=max,
        sum=sum,
        sorted=sorted,
        any=any,
        all=all,
        dict=dict,
        list=list,
        tuple=tuple,
        set=set,
        enumerate=enumerate,
        zip=zip,
        reversed=reversed,
    )
    return allowed


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
}


def _inplacevar(op: str, x, y):
    if op not in _INPLACE:
        raise ScriptError(f"operator {op} is not allowed in scripts")
    return _INPLACE[op](x, y)


def _getitem(obj, key):
    return obj[key]


def _getiter(obj):
    return iter(obj)


def _write(obj):
    # Task data is plain dicts and lists: writing into them is what scripts are for.
    if isinstance(obj, dict | list):
        return obj
    raise ScriptError(f"scripts may only change dicts and lists, not {type(obj).__name__}")


_GUARDS = {
    "_getattr_": safer_getattr,
    "_getitem_": _getitem,
    "_getiter_": _getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write,
    "_inplacevar_": _inplacevar,
}


# Names no diagram needs: refused at deploy time so a process owner learns at once, not when a case reaches the script.
_FORBIDDEN_NAMES = {
    "open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr", "delattr", "__import__",
    "input", "breakpoint", "memoryview", "type", "object", "super", "dir", "help", "exit", "quit", "classmethod",
    "staticmethod", "property",
}  # fmt: skip


def _refusals(source: str, mode: str) -> list[str]:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return []  # RestrictedPython reports it with its line
    refused = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            refused.append(f"line {node.lineno}: import is not allowed")
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            refused.append(f"line {node.lineno}: {node.id} is not allowed")
    return refused


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    refused = _refusals(source, mode)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename=SCRIPT_FILENAME)
    errors = refused + list(result.errors)
    if errors:
        raise ScriptError("脚本被沙箱拒绝 (refused by the sandbox): " + "; ".join(errors))
    return result.code


class _Deadline:
    """sys.settrace hook that stops script code (not the engine) once its time is up; works in any thread.

    Time spent inside registry functions (a calendar lookup that loads the holiday table, say) is given back, up to
    GRACE times the limit in all: the limit is on what the script itself does."""

    GRACE = 4

    def __init__(self, seconds: float):
        self.until = time.monotonic() + seconds
        self.seconds = seconds
        self.given_back = 0.0

    def give_back(self, elapsed: float) -> None:
        extra = min(elapsed, self.GRACE * self.seconds - self.given_back)
        if extra > 0:
            self.until += extra
            self.given_back += extra

    def global_trace(self, frame, event, arg):
        if frame.f_code.co_filename == SCRIPT_FILENAME:
            self._check()
            return self.local_trace
        return None

    def local_trace(self, frame, event, arg):
        self._check()
        return self.local_trace

    def _check(self):
        if time.monotonic() > self.until:
            raise ScriptError(f"脚本运行超过 {self.seconds:g} 秒，已停止 (script stopped after {self.seconds:g} s)")


_deadline: ContextVar[_Deadline | None] = ContextVar("gasflow_script_deadline", default=None)


def _untraced(fn: Callable) -> Callable:
    """A registry function runs without the tracer (its own code is trusted and may be heavy), and its time is not
    charged to the script."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        deadline = _deadline.get()
        tracer = sys.gettrace()
        sys.settrace(None)
        started = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            sys.settrace(tracer)
            if deadline is not None:
                deadline.give_back(time.monotonic() - started)

    return call


def data_size(data: dict) -> int:
    return len(json.dumps(data, default=str, ensure_ascii=False).encode("utf-8"))


def check_data_size(data: dict, limit: int) -> None:
    size = data_size(data)
    if size > limit:
        raise DataTooLarge(f"任务数据 {size} 字节，超过上限 {limit} 字节 (task data of {size} bytes exceeds {limit})")


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, functions: dict[str, Callable], timeout_seconds: float, max_data_bytes: int):
        registry = {name: _untraced(fn) for name, fn in functions.items()}
        super().__init__({"__builtins__": _builtins(), **_GUARDS, **registry})
        self.timeout_seconds = timeout_seconds
        self.max_data_bytes = max_data_bytes

    def _run(self, code, namespace):
        deadline = _Deadline(self.timeout_seconds)
        previous = sys.gettrace()
        token = _deadline.set(deadline)
        sys.settrace(deadline.global_trace)
        try:
            return eval(code, namespace)  # noqa: S307 - code was compiled by RestrictedPython above
        finally:
            sys.settrace(previous)
            _deadline.reset(token)

    def evaluate(self, expression, context, external_context=None):
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        return self._run(_compile(expression, "eval"), namespace)

    def execute(self, script, context, external_context=None):
        clash = (set(self.globals) | set(external_context or {})) & set(context)
        if clash:
            raise ScriptError(f"任务数据字段与内置函数重名 (data fields shadow functions): {sorted(clash)}")
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        self._run(_compile(script, "exec"), namespace)
        for key, value in namespace.items():
            if key in self.globals or key.startswith("_") or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in namespace]:
            del context[key]
        check_data_size(context, self.max_data_bytes)
        return True


def script_engine(functions: dict[str, Callable], timeout_seconds: float, max_data_bytes: int) -> PythonScriptEngine:
    return PythonScriptEngine(environment=SandboxEnvironment(functions, timeout_seconds, max_data_bytes))
