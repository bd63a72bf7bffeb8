"""How deep JSON may nest (issue 13, item 9): start data nested 900 levels deep was accepted and then made every read
and replay of its case fail with RecursionError. Every JSON input — request bodies, start data, forms, messages — is
held to MAX_JSON_DEPTH, checked without recursion so the check itself cannot overflow."""

from __future__ import annotations

import re

from app.core.errors import Invalid
from app.engine.script_worker import MAX_DEPTH, depth_exceeds

MAX_JSON_DEPTH = MAX_DEPTH  # one bound for what people send and what scripts leave (engine/script_worker.py)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_text_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text opens more than ``limit`` arrays/objects inside one another (strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than its number of brackets
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def check_depth(value: object, what: str = "数据") -> None:
    if depth_exceeds(value, MAX_JSON_DEPTH):
        raise Invalid(f"{what}嵌套超过 {MAX_JSON_DEPTH} 层 (nested deeper than {MAX_JSON_DEPTH} levels)")
