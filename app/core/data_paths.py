"""Dotted paths into case data, as diagrams name fields in extension properties: ``complainant.phone``,
``investigators.0`` (a list index)."""

from __future__ import annotations


def value_at(data: object, path: str):
    value = data
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
