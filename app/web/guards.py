"""What every request and response passes through (issue 13, items 6, 9, 10).

- Headers on every response: a Content-Security-Policy that allows scripts from this site only (no inline script, no
  eval), ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``; with secure cookies (TLS) also Strict-Transport-Security. A diagram's XML is served
  as a download under ``sandbox`` (a browser opening it runs nothing in it).
- JSON bodies nested deeper than MAX_JSON_DEPTH, or carrying a NUL character, and any NUL in the path, the query or a
  form field are refused with 400 before a view sees them (a body nested 100,000 deep used to crash the parser, and a
  NUL reached PostgreSQL as a 500).
- Integer URL parts are bounded to the range every id column holds (2^31 - 1): a larger one is a 404, not a database
  overflow.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.routing import IntegerConverter

from app.core.json_depth import MAX_JSON_DEPTH, json_text_too_deep
from app.web.pages.errors import html_error

MAX_ID = 2**31 - 1  # PostgreSQL integer; SQLite takes more, but an id never gets there

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
_XML = {"application/xml", "text/xml", "application/bpmn+xml"}


class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches 0..2^31-1 only."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:  # fmt: skip
        super().__init__(url_map, fixed_digits, min, MAX_ID if max is None else max, signed)


def _refuse(detail: str):
    if (page := html_error(400, detail)) is not None:
        return page
    return jsonify({"error": "bad_request", "detail": detail}), 400


def _has_nul() -> bool:
    # A NUL reaches a query value only as %00 (or raw) in the query string: looking there spares parsing the query.
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        return True
    if request.mimetype == "application/x-www-form-urlencoded":  # multipart waits for the upload limit of its page
        return any("\x00" in v for v in request.form.values())
    return False


def check_request():
    if _has_nul():
        return _refuse("请求中含有 NUL 字符 (a NUL character is not allowed in a request)")
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        body = request.get_data(cache=True)
        if b"\\u0000" in body:
            return _refuse("JSON 中含有 NUL 字符 (\\u0000 is not allowed)")
        if json_text_too_deep(body):
            return _refuse(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层 (JSON nested deeper than {MAX_JSON_DEPTH} levels)")
    return None


_PAGE = (("Content-Security-Policy", PAGE_POLICY),)
_ALWAYS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))
_TLS = (("Strict-Transport-Security", "max-age=31536000"),)


def secure_headers(response, secure_cookies: bool):
    headers = response.headers
    if response.mimetype in _XML:  # a diagram: never rendered as a page of this site
        headers["Content-Security-Policy"] = DOWNLOAD_POLICY
        headers.setdefault("Content-Disposition", "attachment")
    present = {name.lower() for name, _value in headers.items()}  # one pass; a view may set its own (a page CSP)
    wanted = (*_PAGE, *_ALWAYS, *(_TLS if secure_cookies else ()))
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def install(app: Flask) -> None:
    """Before any blueprint: the converter must be in place when the routes are added."""
    app.url_map.converters["int"] = BoundedInt
    secure = app.config["GASFLOW"].secure_cookies
    app.before_request(check_request)
    app.after_request(lambda response: secure_headers(response, secure))

    @app.errorhandler(RecursionError)
    def _too_deep(_err):  # data nested deeper than anything accepted now (a case stored before the bound)
        detail = "数据嵌套过深，无法处理 (data nested too deep to process)"
        if (page := html_error(422, detail)) is not None:
            return page
        return jsonify({"error": "invalid", "detail": detail}), 422
