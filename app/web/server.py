"""Serving HTTP with waitress; with one thread, on one thread (issue 18, item 5).

With N threads waitress reads and parses requests in its I/O thread and runs each in one of N worker threads. With
one (``gasflow serve --threads 1``, the one-worker setup of bench/http_completions.py) that hand-off is pure cost:
the two threads trade the GIL at every request and at every database call (sqlite3 releases it), which cost a
quarter of a task completion with four clients. So with one thread the I/O loop runs each request itself, once
waitress has read and parsed it: the same parser, buffering and responses, requests one at a time in arrival order —
what the one worker thread did, minus the hand-offs. As with one worker thread, a long request holds up the others.

waitress has no public switch for this: its server takes a task dispatcher (``_dispatcher``, the seam its own tests
use), and ours queues the ready connections for the loop below to serve between two polls. A channel must not be
served inside the poll that completed its request (waitress holds that channel's request lock there).
"""

from __future__ import annotations

from collections import deque

import waitress
from waitress import wasyncore

# A response bigger than waitress's buffer high-water mark makes the writer wait for the I/O thread to drain it; here
# the writer *is* the I/O thread, so never wait: past ``outbuf_overflow`` (1 MB) waitress spills buffers to disk.
_NEVER = 2**62


class _InlineDispatcher:
    """waitress's task dispatcher interface, serving tasks on the loop's own thread."""

    def __init__(self) -> None:
        self.ready: deque = deque()

    def set_thread_count(self, count: int) -> None:
        pass

    def add_task(self, task) -> None:
        self.ready.append(task)

    def serve_ready(self) -> None:
        while self.ready:
            self.ready.popleft().service()

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        self.ready.clear()
        return True


class InlineServer:
    """waitress on one thread: its I/O loop serves each request it has read (module docstring)."""

    def __init__(self, app, host: str, port: int):
        self.dispatcher, self.sockets = _InlineDispatcher(), {}
        self.server = waitress.create_server(app, map=self.sockets, _dispatcher=self.dispatcher, host=host, port=port,
                                             ident="gasflow", outbuf_high_watermark=_NEVER)  # fmt: skip
        self.port = self.server.effective_port
        self._stopping = False

    def run(self) -> None:
        adj = self.server.adj
        poll = wasyncore.poll2 if adj.asyncore_use_poll else wasyncore.poll
        try:
            while self.sockets and not self._stopping:
                # Wait for I/O only when nothing is ready to serve; the timeout lets waitress close idle connections.
                poll(0.0 if self.dispatcher.ready else adj.asyncore_loop_timeout, self.sockets)
                self.dispatcher.serve_ready()
        except (SystemExit, KeyboardInterrupt):
            pass
        finally:
            wasyncore.close_all(self.sockets)

    def stop(self) -> None:
        """From another thread: the loop ends after the request it is serving."""
        self._stopping = True
        self.server.pull_trigger()


def serve(app, host: str, port: int, threads: int, announce=print) -> None:
    """Serve ``app`` until interrupted: waitress's thread pool for threads > 1, else one thread (above)."""
    if threads > 1:
        announce(f"GasFlow on http://{host}:{port} ({threads} threads)")
        waitress.serve(app, host=host, port=port, threads=threads, ident="gasflow")
        return
    server = InlineServer(app, host, port)
    announce(f"GasFlow on http://{host}:{port} (one thread)")
    server.run()
