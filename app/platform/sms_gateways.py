"""SMS gateways behind the outbox (platform/outbox.py, docs/outbox.md): a local log for `make run` and development,
Alibaba Cloud SMS (dysmsapi 2017-05-25, through its official SDK) for production. ``settings.sms_gateway`` chooses.

A gateway answers two questions. ``send``: did the gateway take the message (Sent), refuse it for good (Rejected),
refuse it for now (Refused: nothing was sent, try again later), or is the answer unknown (Ambiguous: the request
may have arrived — a timeout, a dropped connection, a 5xx)? ``lookup``: after a sender died or an ambiguous answer,
does the gateway's own record hold the message (Found), certainly not (Absent), or can it not tell now (Unknown)?
The message carries ``out_id`` (derived from its idempotency key), which the gateway keeps with what it sent
(Alibaba Cloud's OutId), so the lookup recognises it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from threading import Lock
from typing import Protocol

from app import clock
from app.settings import Settings


@dataclass(frozen=True)
class Outgoing:
    id: int
    out_id: str
    kind: str
    recipient: str
    text: str
    params: dict
    attempted_at: datetime  # when this attempt began (the lookup searches the gateway's records of that day)


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | rejected | refused | ambiguous  (send);  found | absent | unknown  (lookup)
    gateway_id: str | None = None
    error: str | None = None


def sent(gateway_id: str | None) -> Outcome:
    return Outcome("sent", gateway_id=gateway_id)


class Gateway(Protocol):
    name: str

    def send(self, message: Outgoing) -> Outcome: ...

    def lookup(self, message: Outgoing) -> Outcome: ...


class LogGateway:
    """Appends each message as one JSON line to <instance_dir>/outbox.log (flushed and fsynced before it answers),
    and finds a message there again by its out_id."""

    name = "log"

    def __init__(self, path: Path):
        self.path = path
        self._lock = Lock()

    def send(self, message: Outgoing) -> Outcome:
        line = {"at": clock.now().isoformat(), "out_id": message.out_id, "kind": message.kind,
                "to": message.recipient, "text": message.text, "params": message.params}  # fmt: skip
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
        return sent(f"log-{message.out_id}")

    def lookup(self, message: Outgoing) -> Outcome:
        if not self.path.exists():
            return Outcome("absent")
        needle = f'"out_id": "{message.out_id}"'
        with open(self.path, encoding="utf-8") as log:
            if any(needle in line for line in log):
                return Outcome("found", gateway_id=f"log-{message.out_id}")
        return Outcome("absent")


# Alibaba Cloud's business codes that no retry will change (the number, the template, the signature, the content).
PERMANENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT", "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isv.SMS_CONTENT_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL", "isv.EXTEND_CODE_ERROR", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
})  # fmt: skip
# Connection failures that happen before a request leaves this machine: nothing can have been sent.
NOT_CONNECTED = ("connection refused", "failed to establish a new connection", "name or service not known",
                 "connecttimeout", "max retries exceeded", "temporary failure in name resolution")  # fmt: skip
QUERY_PAGE_SIZE = 50  # the largest page QuerySendDetails returns
QUERY_MAX_PAGES = 20


class AliyunSmsGateway:
    """Alibaba Cloud SMS: SendSms with OutId = the message's out_id; QuerySendDetails (by phone and day) to find a
    message again after a sender died. Endpoint, keys, sign name and template codes come from settings."""

    name = "aliyun"

    def __init__(self, settings: Settings):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi

        self.settings = settings
        self.client = Client(
            openapi.Config(
                access_key_id=settings.aliyun_sms_access_key_id,
                access_key_secret=settings.aliyun_sms_access_key_secret,
                endpoint=settings.aliyun_sms_endpoint,
                protocol=settings.aliyun_sms_protocol,
            )
        )

    def _runtime(self):
        from darabonba.runtime import RuntimeOptions

        # No retries inside the SDK: the outbox decides what is retried, and only when it cannot cause a duplicate.
        return RuntimeOptions(
            autoretry=False,
            max_attempts=1,
            connect_timeout=self.settings.sms_connect_timeout_ms,
            read_timeout=self.settings.sms_read_timeout_ms,
        )

    def send(self, message: Outgoing) -> Outcome:
        from alibabacloud_dysmsapi20170525 import models

        template = self.settings.sms_templates.get(message.kind)
        if not template:
            return Outcome("rejected", error=f"未配置短信模板 {message.kind} (no template code for this kind)")
        if not self.settings.sms_sign_name:
            return Outcome("refused", error="未配置短信签名 GASFLOW_SMS_SIGN_NAME (no SMS sign name set)")
        request = models.SendSmsRequest(
            phone_numbers=message.recipient,
            sign_name=self.settings.sms_sign_name,
            template_code=template,
            template_param=json.dumps(message.params, ensure_ascii=False),
            out_id=message.out_id,
        )
        try:
            body = self.client.send_sms_with_options(request, self._runtime()).body
        except Exception as err:  # the SDK raises its own types for HTTP errors and transport failures
            return _failure(err)
        if body.code == "OK":
            return sent(body.biz_id)
        error = f"{body.code}: {body.message}"
        return Outcome("rejected" if body.code in PERMANENT_CODES else "refused", error=error)

    def lookup(self, message: Outgoing) -> Outcome:
        from alibabacloud_dysmsapi20170525 import models

        local = clock.to_local(message.attempted_at)
        days = {local.strftime("%Y%m%d"), (local + timedelta(minutes=10)).strftime("%Y%m%d")}  # near midnight: both
        try:
            for day in sorted(days):
                for page in range(1, QUERY_MAX_PAGES + 1):
                    request = models.QuerySendDetailsRequest(
                        phone_number=message.recipient, send_date=day, page_size=QUERY_PAGE_SIZE, current_page=page
                    )
                    body = self.client.query_send_details_with_options(request, self._runtime()).body
                    if body.code != "OK":
                        return Outcome("unknown", error=f"QuerySendDetails {body.code}: {body.message}")
                    records = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
                    if any(r.out_id == message.out_id for r in records or []):
                        return Outcome("found")
                    if len(records or []) < QUERY_PAGE_SIZE:
                        break
                else:
                    return Outcome("unknown", error="发送记录过多，无法核实 (too many records to search)")
        except Exception as err:
            return Outcome("unknown", error=f"QuerySendDetails: {_describe(err)}")
        return Outcome("absent")


def _describe(err: Exception) -> str:
    code = getattr(err, "code", None)
    message = getattr(err, "message", None) or str(err)
    return f"{code}: {message}"[:500] if code else f"{type(err).__name__}: {message}"[:500]


def _failure(err: Exception) -> Outcome:
    status = getattr(err, "status_code", None) or (getattr(err, "data", None) or {}).get("statusCode")
    text = _describe(err)
    if isinstance(status, int) and 400 <= status < 500:
        return Outcome("refused", error=text)  # the gateway answered and did not take it (throttled, bad key …)
    if status is None and any(mark in str(err).lower() for mark in NOT_CONNECTED):
        return Outcome("refused", error=text)  # never reached the gateway
    return Outcome("ambiguous", error=text)  # a 5xx, a timeout, a reset: it may have been taken


def build(settings: Settings) -> Gateway:
    if settings.sms_gateway == "aliyun":
        return AliyunSmsGateway(settings)
    if settings.sms_gateway == "log":
        return LogGateway(settings.instance_dir / "outbox.log")
    raise ValueError(f"unknown sms_gateway {settings.sms_gateway!r} (log or aliyun)")
