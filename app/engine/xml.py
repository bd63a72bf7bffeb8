"""Hardened XML parsing: no DTD, no entities, no network (design.md, engine boundary)."""

from __future__ import annotations

import re

from lxml import etree

from app.engine.errors import BpmnInvalid, Problem


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
    )


# The prolog: an optional BOM, XML declaration, comments and processing instructions, then a DOCTYPE (refused).
_DOCTYPE_IN_PROLOG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.S | re.I)


def parse_xml(content: bytes, filename: str) -> etree._ElementTree:
    """Parse BPMN bytes; refuse any DOCTYPE (the door for entity tricks) before lxml sees the body."""
    if not isinstance(content, bytes):
        content = content.encode("utf-8")
    if _DOCTYPE_IN_PROLOG.match(content):
        raise BpmnInvalid(
            [Problem("BPMN 文件不允许 DOCTYPE/实体声明 (DOCTYPE is not allowed: entities are refused)", filename, 1)]
        )
    try:
        tree = etree.fromstring(content, _parser()).getroottree()
    except etree.XMLSyntaxError as err:
        line = err.lineno if getattr(err, "lineno", None) else None
        raise BpmnInvalid([Problem(f"XML 格式错误 (malformed XML): {err.msg}", filename, line)]) from None
    if tree.docinfo.doctype:
        raise BpmnInvalid([Problem("DOCTYPE is not allowed in BPMN files (entities are refused)", filename, 1)])
    for node in tree.iter(etree.Entity, etree.ProcessingInstruction):
        raise BpmnInvalid([Problem("entities and processing instructions are not allowed", filename, node.sourceline)])
    return tree
