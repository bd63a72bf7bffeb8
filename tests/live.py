"""A real GasFlow server on a free localhost port (werkzeug, threaded) for tests that need HTTP: the browser journeys,
the API fuzzing (tests/fuzz) and the red-team run (tests/security)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(application) -> Iterator[str]:
    """Serve ``application`` until the block ends; yields its base URL."""
    http = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=5)
