"""A local stand-in for Alibaba Cloud SMS (dysmsapi 2017-05-25) on 127.0.0.1, for the real SDK to talk to.

It answers the two calls the outbox uses — SendSms and QuerySendDetails — the way the service documents them (RPC
style: the action in the x-acs-action header, the parameters in the query string, a JSON body with Code/Message),
keeps what it accepted, and can be told to fail: answer 5xx or a business error code to the next N sends, or take a
send and then hold the response until released (the sender is killed meanwhile)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class StandIn:
    accepted: list[dict] = field(default_factory=list)  # every SendSms taken, in order
    requests: list[str] = field(default_factory=list)  # every action called
    credentials: list[str] = field(default_factory=list)  # the access key id of each request (from Authorization)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (HTTP status, Code) for the next sends
    query_failures: int = 0  # the next QuerySendDetails calls answer 503
    hold: threading.Event | None = None  # set: SendSms records, then waits for release before answering
    received: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def out_ids(self) -> list[str]:
        with self.lock:
            return [m["OutId"] for m in self.accepted]

    def fail_next(self, count: int, status: int = 500, code: str = "ServiceUnavailable") -> None:
        with self.lock:
            self.failures.extend([(status, code)] * count)


def _handler(state: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            params = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            action = self.headers.get("x-acs-action", "")
            authorization = self.headers.get("Authorization", "")
            with state.lock:
                state.requests.append(action)
                state.credentials.append(authorization.split("Credential=")[-1].split(",")[0])
            if action == "SendSms":
                self._send_sms(params)
            elif action == "QuerySendDetails":
                self._query(params)
            else:
                self._answer(404, {"Code": "InvalidAction.NotFound", "Message": action})

        def _send_sms(self, params: dict) -> None:
            with state.lock:
                failure = state.failures.pop(0) if state.failures else None
            if failure is not None:
                status, code = failure
                self._answer(status, {"Code": code, "Message": "stand-in failure"})
                return
            record = {**params, "BizId": uuid.uuid4().hex[:20], "at": datetime.now(UTC)}
            with state.lock:
                state.accepted.append(record)
            state.received.set()
            if state.hold is not None:
                state.hold.wait(60)  # the sender is killed while it waits for this answer
            self._answer(200, {"Code": "OK", "Message": "OK", "BizId": record["BizId"]})

        def _query(self, params: dict) -> None:
            with state.lock:
                if state.query_failures > 0:
                    state.query_failures -= 1
                    self._answer(503, {"Code": "ServiceUnavailable", "Message": "query down"})
                    return
                found = [m for m in state.accepted if m["PhoneNumbers"] == params.get("PhoneNumber")]
            size, page = int(params.get("PageSize", 10)), int(params.get("CurrentPage", 1))
            chunk = found[(page - 1) * size : page * size]
            details = [{"OutId": m.get("OutId"), "PhoneNum": m["PhoneNumbers"], "SendStatus": 3,
                        "TemplateCode": m.get("TemplateCode"), "SendDate": m["at"].isoformat()} for m in chunk]  # fmt: skip
            self._answer(200, {"Code": "OK", "Message": "OK", "TotalCount": len(found),
                               "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}})  # fmt: skip

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps({"RequestId": uuid.uuid4().hex, **body}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed before the answer

        def log_message(self, *args):
            pass

    return Handler


class Server:
    """``with Server() as gw:`` — ``gw.endpoint`` for settings, ``gw.state`` to inspect and steer."""

    def __init__(self):
        self.state = StandIn()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.state.hold is not None:
            self.state.hold.set()
        self._server.shutdown()
        self._server.server_close()
