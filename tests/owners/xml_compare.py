"""Semantic comparison of two BPMN documents: what the first holds that the second lost or changed (element,
attribute, text, extension), regardless of namespace prefixes, attribute order, whitespace and added defaults."""

from __future__ import annotations

from collections import Counter

from lxml import etree

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _qname_value(node, value: str) -> str:
    prefix, _, local = value.rpartition(":")
    ns = node.nsmap.get(prefix or None)
    return f"{{{ns}}}{local}" if ns else value


def _signature(node) -> tuple:
    attrs = {k: (_qname_value(node, v) if k == XSI_TYPE else v) for k, v in node.attrib.items()}
    owner = node.getparent()
    while owner is not None and owner.get("id") is None:
        owner = owner.getparent()
    return (owner.get("id") if owner is not None else "", node.tag, tuple(sorted(attrs.items())),
            (node.text or "").strip())  # fmt: skip


def _elements(xml: str) -> Counter:
    root = etree.fromstring(xml.encode("utf-8"))
    return Counter(_signature(n) for n in root.iter() if isinstance(n.tag, str))


def semantic_difference(original: str, saved: str) -> list[tuple]:
    """Signatures (owner id, tag, attributes, text) of the original missing from the saved document."""
    lost = _elements(original) - _elements(saved)
    return sorted(lost.elements())
