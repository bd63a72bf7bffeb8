"""A real GasFlow server on a free localhost port (werkzeug, threaded) for tests that need HTTP: the browser journeys,
the API fuzzing (tests/fuzz) and the red-team run (tests/security)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

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


@dataclass
class LiveApi:
    """A live server with a bearer token per demo user (and ``fuzzer``, who has every role)."""

    url: str
    app: object
    tokens: dict[str, str]

    def headers(self, username: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def client(self, username: str | None) -> Client:
        return Client(self.url, self.tokens[username] if username else None)


class Client:
    """One keep-alive HTTP connection, as a separate API client would hold; every call timed."""

    def __init__(self, base: str, token: str | None, timeout: float = 60):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.seconds: list[float] = []

    def call(self, method: str, path: str, body: dict | bytes | None = None) -> tuple[int, dict]:
        headers = dict(self.headers)
        if isinstance(body, dict):
            body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        self.seconds.append(time.perf_counter() - started)
        is_json = (response.getheader("Content-Type") or "").startswith("application/json")
        return response.status, (json.loads(raw) if is_json and raw else {})

    def close(self) -> None:
        self.conn.close()
