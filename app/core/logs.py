"""Structured logs (issue 18): one JSON object a line on stderr, the request id on every line a request caused, and no
personal data (S21.4): mobile and landline numbers are masked wherever they appear in a line, and values under
personal keys (names, phones) are masked whatever they hold.

Every GasFlow logger is a child of ``gasflow``; ``configure`` gives that logger one handler (stderr unless told), so
waitress and library loggers keep their own defaults.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

request_id: ContextVar[str | None] = ContextVar("gasflow_request_id", default=None)

ROOT = "gasflow"

# 13812345678 -> 138****5678; 0839-3261234 / 08393261234 -> 0839****234 (S21.4). Digits around: not a phone.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?\d{4,5}(\d{3})(?!\d)")
# Values kept under these keys are a person's: masked whatever they look like.
_NAME_KEYS = {"name", "customer_name", "contact", "contact_name", "display_name", "caller", "reporter", "applicant"}
_PHONE_KEYS = {"phone", "phones", "mobile", "tel", "telephone", "contact_phone", "recipient"}
# LogRecord's own attributes: anything else on a record came from ``extra=`` and is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


_PHONE_LIKE = re.compile(r"\d{7}")  # every number either pattern masks has a run of 7 digits; most text has none


def mask_text(text: str) -> str:
    if not _PHONE_LIKE.search(text):
        return text
    return _LANDLINE.sub(r"\1****\2", _MOBILE.sub(r"\1****\2", text))


def mask_name(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def _mask_phone(value: str) -> str:
    return "*" * max(len(value) - 4, 1) + value[-4:] if len(value) > 4 else "****"


def masked(value: object, key: str = "") -> object:
    """A value fit for a log line: personal keys masked, phone numbers masked in any text, containers walked."""
    kind = type(value)
    if kind is str:
        lowered = key.lower()
        if lowered in _NAME_KEYS:
            return mask_name(value)
        if lowered in _PHONE_KEYS:
            return _mask_phone(value)
        return mask_text(value)
    if kind in (int, float, bool) or value is None:
        return value
    if isinstance(value, dict):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [masked(v, key) for v in value]
    if isinstance(value, str):
        return masked(str(value), key)
    return mask_text(str(value))


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", "request_id"?, extra fields..., "exc"?} on one line, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            body["request_id"] = rid
        fields = vars(record)
        for key in fields.keys() - _STANDARD:  # what came from extra=
            if key != "request_id" and not key.startswith("_"):
                body[key] = masked(fields[key], key)
        if record.exc_info:
            body["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(body, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal (GASFLOW_LOG_FORMAT=text): the same masking, key=value extras."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={json.dumps(masked(v, k), ensure_ascii=False, default=str)}"
            for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_")
        )
        rid = request_id.get()
        head = f"{datetime.fromtimestamp(record.created, UTC):%Y-%m-%dT%H:%M:%S} {record.levelname} {record.name}"
        line = f"{head}{f' [{rid}]' if rid else ''} {mask_text(record.getMessage())}{f' {extras}' if extras else ''}"
        if record.exc_info:
            line += "\n" + mask_text(self.formatException(record.exc_info))
        return line


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(fmt: str = "json", level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Give the ``gasflow`` logger its one handler (replacing one an earlier call installed). Returns the handler."""
    logger = logging.getLogger(ROOT)
    for old in [h for h in logger.handlers if getattr(h, "_gasflow", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    handler._gasflow = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level.upper(), logging.INFO))
    logger.propagate = False
    # What a record would gather and no line of ours prints (the logging HOWTO's "Optimization"): the caller's file and
    # line (a stack walk per line), thread and process names. A request line then costs a few microseconds.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging.logProcesses = False
    return handler
