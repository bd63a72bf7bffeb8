"""The process diagram code runs in (issue 13, items 1-2): scripts, gateway conditions, timer and multi-instance
expressions are evaluated here, never in the web or scheduler process.

app/engine/pool.py starts it as ``python -I script_worker.py MEMORY_MB`` and talks to it over its stdin/stdout with
length-prefixed JSON frames: one job in (source, mode, case data), registry calls out and their results back, one
answer out. It imports nothing of GasFlow — only the standard library and RestrictedPython — and limits itself before
it reads the first job: address space (RLIMIT_AS, a memory bomb gets MemoryError), CPU seconds per job (RLIMIT_CPU,
SIGXCPU kills a C-level bomb even if the parent could not), no files (RLIMIT_FSIZE 0), no children (RLIMIT_NPROC 0),
no core dumps. The parent kills it on a wall-clock deadline whatever it is doing, so a script that catches every
exception cannot outlive its limit.

The same module is imported by the parent for what both sides must agree on: the RestrictedPython compilation and
the names refused at deploy time.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import operator
import os
import struct
import sys
import traceback
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)

SCRIPT_FILENAME = "<gasflow-script>"
MAX_RANGE = 100_000
# Nesting depth of the data a script may leave behind (the same bound as every JSON input, issue 13 item 9).
MAX_DEPTH = 64

_UNSAFE_BUILTINS = {"__build_class__", "setattr", "delattr", "id", "hash", "_getattr_"}


class RefusedSnippet(Exception):
    """The snippet does not compile under the sandbox's rules; the message names each line."""


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


BUILTIN_NAMES = frozenset(_builtins())

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
        raise TypeError(f"operator {op} is not allowed in scripts")
    return _INPLACE[op](x, y)


def _getitem(obj, key):
    return obj[key]


def _getiter(obj):
    return iter(obj)


def _write(obj):
    # Task data is plain dicts and lists: writing into them is what scripts are for.
    if isinstance(obj, dict | list):
        return obj
    raise TypeError(f"scripts may only change dicts and lists, not {type(obj).__name__}")


GUARDS = {
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
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # RestrictedPython reports it with its line
    refused = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            refused.append(f"line {node.lineno}: import is not allowed")
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            refused.append(f"line {node.lineno}: {node.id} is not allowed")
    return refused


@lru_cache(maxsize=4096)
def compile_snippet(source: str, mode: str):
    """Compile a script ("exec") or an expression ("eval") under the sandbox's rules, or raise RefusedSnippet."""
    refused = _refusals(source, mode)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=SCRIPT_FILENAME)
        errors = refused + list(result.errors)
    except (ValueError, MemoryError, RecursionError, SyntaxError) as err:  # NUL bytes, absurd nesting, huge literals
        errors = refused + [f"{type(err).__name__}: {err}"]
    if errors:
        raise RefusedSnippet("脚本被沙箱拒绝 (refused by the sandbox): " + "; ".join(errors))
    return result.code


def depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """True when lists/dicts nest deeper than ``limit`` (iterative: deep data must not exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))
    return False


# -- the wire: 4-byte big-endian length, then UTF-8 JSON ------------------------------------------------------------
HEADER = struct.Struct(">I")


def frame(message: dict | str) -> bytes:
    body = (message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)).encode("utf-8")
    return HEADER.pack(len(body)) + body


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# -- the worker side ----------------------------------------------------------------------------------------------
_CATCHABLE = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError, "LookupError": LookupError,
              "ArithmeticError": ArithmeticError, "ZeroDivisionError": ZeroDivisionError}  # fmt: skip


class _Channel:
    def __init__(self, rfd: int, wfd: int):
        self.rfd, self.wfd = rfd, wfd

    def read(self) -> dict | None:
        header = _read_exactly(self.rfd, HEADER.size)
        if header is None:
            return None
        body = _read_exactly(self.rfd, HEADER.unpack(header)[0])
        return None if body is None else json.loads(body)

    def write(self, message: dict | str) -> None:
        _write_all(self.wfd, frame(message))


def _stub(name: str, channel: _Channel):
    """A registry function as the script sees it: the call goes to the parent, which runs and records it."""

    def call(*args, **kwargs):
        channel.write({"call": name, "args": list(args), "kwargs": kwargs})
        reply = channel.read()
        if reply is None:
            raise SystemExit(0)
        if "raise" in reply:
            raise _CATCHABLE.get(reply.get("type"), RuntimeError)(reply["raise"])
        return reply.get("result")

    call.__name__ = name
    return call


_stub_cache: dict[tuple, dict] = {}


def _stubs(names: tuple[str, ...], channel: _Channel) -> dict:
    found = _stub_cache.get(names)
    if found is None:
        found = _stub_cache[names] = {name: _stub(name, channel) for name in names}
        if len(_stub_cache) > 64:
            _stub_cache.clear()
            _stub_cache[names] = found
    return found


def _line_of(err: BaseException) -> int | None:
    line = None
    for summary in traceback.extract_tb(err.__traceback__):
        if summary.filename == SCRIPT_FILENAME:
            line = summary.lineno
    return line


def describe(err: BaseException) -> str:
    """``line N: Type: message`` (the line in the script, when the error came from it)."""
    text = f"{type(err).__name__}: {err}"[:2000]
    line = _line_of(err)
    return text if line is None else f"line {line}: {text}"


def _error(kind: str, err: BaseException | str) -> dict:
    return {"error": describe(err) if isinstance(err, BaseException) else err, "kind": kind}


def _new_context(namespace: dict, hidden: set[str]) -> dict:
    return {k: v for k, v in namespace.items() if k not in hidden and not k.startswith("_") and not callable(v)}


def run_job(job: dict, channel: _Channel, builtins: dict) -> dict | str:
    """One evaluation. Returns the answer frame's body (a dict, or a pre-encoded string for a large context)."""
    try:
        code = compile_snippet(job["source"], job["mode"])
    except RefusedSnippet as err:
        return {"error": str(err), "kind": "refused"}
    functions = _stubs(tuple(job.get("functions", ())), channel)
    namespace = {"__builtins__": builtins, **GUARDS, **functions}
    namespace.update(job.get("external") or {})
    namespace.update(job["context"])
    hidden = set(GUARDS) | set(functions) | {"__builtins__"}
    try:
        value = eval(code, namespace)  # noqa: S307 - compiled by RestrictedPython; this process is the sandbox
    except MemoryError as err:
        return _error("memory", err)
    except RecursionError as err:
        return _error("recursion", err)
    except BaseException as err:  # noqa: BLE001 - whatever the script raised (SystemExit too) is its error
        return _error("script", err)
    result = value if job["mode"] == "eval" else _new_context(namespace, hidden)
    try:
        body = json.dumps(result, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError) as err:
        return _error("not_json", f"脚本结果不是 JSON 数据 (a value the script left is not JSON data): {err}")
    # Fewer opening brackets than the limit cannot nest deeper than it (brackets inside strings only overcount).
    if body.count("[") + body.count("{") > MAX_DEPTH and depth_exceeds(result):
        return _error("depth", f"数据嵌套超过 {MAX_DEPTH} 层 (data nested deeper than {MAX_DEPTH} levels)")
    if job["mode"] == "exec" and len(body.encode("utf-8")) > job.get("max_bytes", math.inf):
        return {"error": "too large", "kind": "too_large", "size": len(body.encode("utf-8"))}
    return '{"ok":' + body + "}"


def _limit(resource, which: int, soft: int, hard: int | None = None) -> None:
    # A limit the platform does not have is skipped; the parent's kill still applies.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(which, (soft, soft if hard is None else hard))


def _cpu_seconds(resource) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    import resource

    memory_mb = int(argv[1]) if len(argv) > 1 else 256
    # The protocol moves to private descriptors; 0 and 1 point at /dev/null so nothing a script prints can corrupt it.
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    _limit(resource, resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    _limit(resource, resource.RLIMIT_FSIZE, 0)
    _limit(resource, resource.RLIMIT_CORE, 0)
    _limit(resource, resource.RLIMIT_NPROC, 0)
    hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)[1]
    channel = _Channel(rfd, wfd)
    builtins = _builtins()
    channel.write({"ready": os.getpid(), "cpu": _cpu_seconds(resource)})
    while True:
        job = channel.read()
        if job is None:
            return 0
        # CPU seconds for this job: what it has used so far plus its limit, rounded up (the kernel counts seconds).
        soft = math.ceil(_cpu_seconds(resource) + float(job.get("cpu_seconds", 2))) + 1
        _limit(resource, resource.RLIMIT_CPU, soft, hard_cpu)
        answer = run_job(job, channel, builtins)
        # The CPU this process has used so far: the parent charges a job what it used, not how long it waited.
        cpu = _cpu_seconds(resource)
        if isinstance(answer, str):
            answer = answer[:-1] + f',"cpu":{cpu!r}}}'
        else:
            answer["cpu"] = cpu
        channel.write(answer)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
