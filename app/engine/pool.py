"""Warm worker processes that run diagram code where it can be killed (issue 13, items 1-2).

Each worker is ``python -I app/engine/script_worker.py`` with its own memory and CPU limits. A job is sent as one
JSON frame; while it runs, the worker may ask for registry functions (``call``), which run here, in the caller's thread
and transaction, and are recorded for replay exactly as before. The job's clock stops while a registry function runs:
the limit is on what the script itself does. When the clock runs out the worker is killed (SIGKILL: a loop that
catches every exception or a C-level ``10 ** (2 * 10 ** 7)`` stops the same way) and a fresh one takes its place.

Workers are shared by every engine in the process (one pool per memory limit), started on first use and kept warm;
at most ``max_workers`` run at once, further jobs wait for one. ``health()`` says how many are busy, how many were
killed, and names any that outlived its limit by more than ``STUCK_GRACE`` seconds (reported by /healthz).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ServiceError
from app.engine import script_worker
from app.engine.errors import EngineError, ScriptError

WORKER = Path(script_worker.__file__).resolve()
STARTUP_SECONDS = 30.0
STUCK_GRACE = 5.0
# Wall-clock ceiling of a job, whatever its CPU use: max(HARD_FACTOR x limit, limit + HARD_EXTRA_SECONDS).
HARD_FACTOR = 10
HARD_EXTRA_SECONDS = 5.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# How long a job waits for a free worker before the step is refused as busy (nothing is recorded; try again).
WAIT_FOR_WORKER_SECONDS = 30.0


class ScriptTimeout(ScriptError):
    pass


class WorkerBusy(EngineError):
    """Every worker was busy for too long: the step was not run (a transient condition, not the diagram's fault)."""


class WorkerFailed(ScriptError):
    """The worker died or answered nonsense (killed by its CPU or memory limit, or crashed)."""


@dataclass
class _Job:
    """One job's clock. The limit is on the worker's CPU time: when the wall-clock deadline passes, the worker's CPU
    use is read from /proc and the deadline moves on by what is left, so a script that merely waited for a CPU on a
    busy machine is not killed for it. Whatever it does, it is killed at ``hard`` (wall clock)."""

    worker: Worker
    limit: float
    cpu_start: float
    started: float = field(default_factory=time.monotonic)
    in_call_since: float | None = None

    def __post_init__(self):
        self.deadline = self.started + self.limit
        self.hard = self.started + max(HARD_FACTOR * self.limit, self.limit + HARD_EXTRA_SECONDS)

    def extend(self) -> bool:
        """At the deadline: True (and a later deadline) if the worker has not used its CPU time yet."""
        now = time.monotonic()
        used = self.worker.cpu_seconds()
        if used is None or now >= self.hard:
            return False
        left = self.limit - (used - self.cpu_start)
        if left <= 0:
            return False
        self.deadline = min(now + left + 0.02, self.hard)
        return True

    def pause(self) -> None:
        self.in_call_since = time.monotonic()

    def resume(self) -> None:
        paused = time.monotonic() - (self.in_call_since or time.monotonic())
        self.deadline += paused  # a registry function's time is not the script's (the worker waits without CPU)
        self.hard += paused
        self.in_call_since = None


@dataclass
class _Deadline:
    """A plain wall-clock deadline (a worker's start-up)."""

    deadline: float

    def extend(self) -> bool:
        return False


class Worker:
    def __init__(self, memory_mb: int):
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-I", str(WORKER), str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C on the server's terminal is not the worker's business
        )
        self.rfd = self.proc.stdout.fileno()
        self.wfd = self.proc.stdin.fileno()
        os.set_blocking(self.wfd, False)
        self._readable = select.poll()
        self._readable.register(self.rfd, select.POLLIN)
        self._writable = select.poll()
        self._writable.register(self.wfd, select.POLLOUT)
        self.ready = False
        self.job: _Job | None = None
        self.cpu_mark = 0.0  # the CPU seconds the worker reported with its last answer

    def cpu_seconds(self) -> float | None:
        """CPU time the worker has used so far, from the kernel (not from the worker, which runs untrusted code)."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def await_ready(self) -> None:
        if self.ready:
            return
        try:
            message = self.receive(_Deadline(time.monotonic() + STARTUP_SECONDS))
        except ScriptTimeout:
            message = None
        if not isinstance(message, dict) or "ready" not in message:
            raise WorkerFailed("脚本进程未能启动 (script worker did not start)")
        self.ready = True
        self.cpu_mark = float(message.get("cpu") or 0.0)

    def send(self, data: bytes, deadline: _Deadline | _Job) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.wfd, view) :]
            except BlockingIOError:  # the pipe is full: wait until the worker reads, within the deadline
                if not self._wait(select.POLLOUT, deadline):
                    raise ScriptTimeout("") from None
            except OSError:
                raise WorkerFailed("脚本进程已退出 (script worker exited)") from None

    def receive(self, deadline: _Deadline | _Job, max_bytes: int = 1 << 30) -> dict:
        header = self._read(script_worker.HEADER.size, deadline)
        size = script_worker.HEADER.unpack(header)[0]
        if size > max_bytes:
            raise WorkerFailed(f"脚本进程返回的数据过大 ({size} bytes from the script worker)")
        try:
            message = json.loads(self._read(size, deadline))
        except (ValueError, RecursionError, MemoryError):
            raise WorkerFailed("脚本进程返回了无法解析的数据 (unreadable answer from the script worker)") from None
        if not isinstance(message, dict):
            raise WorkerFailed("脚本进程返回了无法解析的数据 (unreadable answer from the script worker)")
        return message

    def _read(self, size: int, deadline: _Deadline | _Job) -> bytes:
        chunks, left = [], size
        while left:
            if not self._wait(select.POLLIN, deadline):
                raise ScriptTimeout("")
            chunk = os.read(self.rfd, min(left, 1 << 20))
            if not chunk:
                raise WorkerFailed(self._death())
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _wait(self, event: int, clock: _Deadline | _Job) -> bool:
        poller = self._readable if event == select.POLLIN else self._writable
        while True:
            left = clock.deadline - time.monotonic()
            if left <= 0:
                if clock.extend():
                    continue
                return False
            if poller.poll(min(left, 1.0) * 1000):
                return True

    def _death(self) -> str:
        try:
            code = self.proc.wait(2)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0 and -code in (24, 9):  # SIGXCPU, SIGKILL
            return "脚本超出 CPU 时间上限，已被终止 (script worker killed at its CPU limit)"
        return f"脚本进程意外退出 (script worker exited, code {code})"

    def kill(self) -> bool:
        """SIGKILL and reap; False if it would not die (reported as stuck)."""
        try:
            self.proc.kill()
            self.proc.wait(STUCK_GRACE)
        except subprocess.TimeoutExpired:
            return False
        except OSError:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        return True


Call = Callable[[str, list, dict], object]


class ScriptPool:
    def __init__(self, memory_mb: int = 256, max_workers: int = 4):
        self.memory_mb = memory_mb
        self.max_workers = max_workers
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._unkillable: list[int] = []
        self._cond = threading.Condition()
        self.killed = 0
        self.failed = 0
        self.jobs = 0

    # -- running a job -------------------------------------------------------------------------------------------
    def run(self, job: dict, call: Call, limit: float, max_bytes: int) -> dict:
        """Run ``job`` on a worker within ``limit`` seconds of its CPU time; registry calls go to ``call``.

        Returns the worker's answer (``{"ok": ...}`` or ``{"error": ..., "kind": ...}``, with ``cpu_used``, the
        seconds it charged to the job); raises ScriptTimeout,
        WorkerFailed or WorkerBusy. A registry call that raises is reported to the script as an error it may catch;
        the exception itself is kept and raised here after the job, so a failed database write or a replay mismatch
        cannot be swallowed by the script."""
        worker = self._checkout()
        healthy = False
        fatal: BaseException | None = None
        try:
            worker.await_ready()
            state = worker.job = _Job(worker, limit, worker.cpu_mark)
            worker.send(script_worker.frame({**job, "cpu_seconds": limit}), state)
            frame_limit = max_bytes * 2 + 65_536
            while True:
                message = worker.receive(state, frame_limit)
                if "call" not in message:
                    healthy = message.get("kind") != "memory"  # a worker that ran out of memory is replaced
                    cpu = message.pop("cpu", None)
                    if isinstance(cpu, float | int) and cpu >= worker.cpu_mark:
                        message["cpu_used"] = min(float(cpu) - state.cpu_start, time.monotonic() - state.started)
                        worker.cpu_mark = float(cpu)
                    else:
                        message["cpu_used"] = time.monotonic() - state.started
                    return message
                state.pause()
                reply, error = self._registry_call(call, message)
                fatal = fatal or error
                state.resume()
                worker.send(script_worker.frame(reply), state)
        except ScriptTimeout:
            self.killed += 1
            raise ScriptTimeout(
                f"脚本运行超过 {limit:g} 秒，已终止 (script stopped after {limit:g} s: its process was killed)"
            ) from None
        except WorkerFailed:
            self.failed += 1
            raise
        finally:
            worker.job = None
            self._checkin(worker, healthy and fatal is None)
            if fatal is not None:
                raise fatal

    @staticmethod
    def _registry_call(call: Call, message: dict) -> tuple[dict, BaseException | None]:
        name, args, kwargs = message.get("call"), message.get("args"), message.get("kwargs")
        if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict):
            return {"raise": "bad call", "type": "TypeError"}, WorkerFailed("脚本进程的调用格式错误 (malformed call)")
        try:
            return {"result": call(name, args, kwargs)}, None
        except (
            EngineError,
            ServiceError,
        ) as err:  # a replay mismatch, a refusal: the step fails whatever the script does
            return {"raise": str(err), "type": "RuntimeError"}, err
        except (ValueError, TypeError, LookupError, ArithmeticError) as err:  # bad arguments: the script may catch it
            return {"raise": str(err), "type": type(err).__name__}, None
        except Exception as err:  # noqa: BLE001 - the database failed: not the diagram's fault, it goes up as it is
            err.gasflow_infrastructure = True
            return {"raise": "internal error", "type": "RuntimeError"}, err

    # -- the workers ---------------------------------------------------------------------------------------------
    def _checkout(self) -> Worker:
        until = time.monotonic() + WAIT_FOR_WORKER_SECONDS
        with self._cond:
            while True:
                if self._idle:
                    worker = self._idle.pop()
                elif len(self._busy) < self.max_workers:
                    worker = Worker(self.memory_mb)
                else:
                    if not self._cond.wait(until - time.monotonic()) and time.monotonic() >= until:
                        raise WorkerBusy("脚本进程全部繁忙，请稍后重试 (all script workers are busy, try again)")
                    continue
                self._busy.add(worker)
                self.jobs += 1
                return worker

    def _checkin(self, worker: Worker, healthy: bool) -> None:
        if not healthy:
            if not worker.kill():
                with self._cond:
                    self._unkillable.append(worker.pid)
            replacement = Worker(self.memory_mb)  # started now, warm by the time it is needed
        with self._cond:
            self._busy.discard(worker)
            self._idle.append(worker if healthy else replacement)
            self._cond.notify()

    def warm(self, count: int = 1) -> None:
        """Start workers ahead of the first script (create_app does, so the first case does not wait for one)."""
        with self._cond:
            while len(self._idle) + len(self._busy) < min(count, self.max_workers):
                self._idle.append(Worker(self.memory_mb))

    def health(self) -> dict:
        now = time.monotonic()
        with self._cond:
            busy = list(self._busy)
            stuck = [
                {"pid": w.pid, "seconds": round(now - w.job.started, 1), "limit": w.job.limit}
                for w in busy
                if w.job is not None and w.job.in_call_since is None and now > w.job.hard + STUCK_GRACE
            ]
            stuck += [{"pid": pid, "unkillable": True} for pid in self._unkillable]
            return {
                "workers": len(self._idle) + len(busy),
                "busy": len(busy),
                "max_workers": self.max_workers,
                "jobs": self.jobs,
                "killed_at_limit": self.killed,
                "failed": self.failed,
                "stuck": stuck,
            }

    def close(self) -> None:
        with self._cond:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()


_pools: dict[tuple[int, int], ScriptPool] = {}
_pools_lock = threading.Lock()


def shared(memory_mb: int = 256, max_workers: int = 4) -> ScriptPool:
    """The pool of this process for those limits (every app and engine in a process shares its workers)."""
    with _pools_lock:
        pool = _pools.get((memory_mb, max_workers))
        if pool is None:
            pool = _pools[(memory_mb, max_workers)] = ScriptPool(memory_mb, max_workers)
        return pool


@atexit.register
def _close_all() -> None:
    """At exit, the idle workers go with the process (reaped, not left to the interpreter to warn about)."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.close()


def all_health() -> dict:
    with _pools_lock:
        pools = list(_pools.values())
    if not pools:
        return {"workers": 0, "busy": 0, "jobs": 0, "killed_at_limit": 0, "failed": 0, "stuck": []}
    merged = {"workers": 0, "busy": 0, "jobs": 0, "killed_at_limit": 0, "failed": 0, "stuck": []}
    for pool in pools:
        one = pool.health()
        for key in ("workers", "busy", "jobs", "killed_at_limit", "failed"):
            merged[key] += one[key]
        merged["stuck"] += one["stuck"]
    return merged
