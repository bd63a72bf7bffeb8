"""One-thread serving (app/web/server.py): keep-alive connections served in turn, big responses, clean stop."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from flask import Flask, Response, request

from app.web.server import InlineServer

CHUNK, CHUNKS = 1024 * 1024, 24  # streamed past waitress's default buffer high-water mark (16 MB)


@pytest.fixture
def served():
    app = Flask("served")

    @app.post("/echo")
    def echo():
        return {"got": request.get_json()["n"], "thread": threading.get_ident()}

    @app.get("/big")
    def big():
        return Response(b"x" * CHUNK for _ in range(CHUNKS))

    server = InlineServer(app, "127.0.0.1", 0)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    yield server, loop
    server.stop()
    loop.join(5)
    assert not loop.is_alive(), "the loop did not stop"


def _echo(connection, n: int) -> dict:
    connection.request("POST", "/echo", body=f'{{"n": {n}}}', headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def test_keep_alive_clients_are_answered_in_turn_on_the_loop_thread(served):
    server, loop = served
    answers: dict[int, list] = {}

    def client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        answers[k] = [_echo(connection, k * 100 + i) for i in range(50)]  # one connection, 50 requests
        connection.close()

    clients = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(30)
    assert {k: [a["got"] for a in v] for k, v in answers.items()} == {
        k: [k * 100 + i for i in range(50)] for k in range(4)
    }
    assert {a["thread"] for v in answers.values() for a in v} == {loop.ident}  # no worker thread


def test_a_response_bigger_than_the_buffers_is_sent_whole(served):
    """The writer is the loop that drains the buffers: it must never wait for them to drain (it would wait for ever
    with waitress's default high-water mark while this client is slow to read)."""
    server, _loop = served
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/big")
    time.sleep(0.5)  # a slow client: the socket buffers fill, the rest waits in waitress's buffers
    response = connection.getresponse()
    assert response.status == 200 and len(response.read()) == CHUNK * CHUNKS
    assert _echo(connection, 7)["got"] == 7  # the same connection goes on
    connection.close()
