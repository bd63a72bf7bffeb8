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


_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")


def xml_text(content: bytes, filename: str) -> str:
    """The diagram as text, whatever encoding its XML declaration names (GBK from a Windows tool deploys; issue 13
    item 10), with the declaration saying UTF-8 — the text is stored and parsed again as UTF-8. Bytes that do not match
    the declaration are refused with their line (BpmnInvalid), as any malformed XML."""
    tree = parse_xml(content, filename)
    encoding = (tree.docinfo.encoding or "UTF-8").strip()
    try:
        text = content.decode("utf-8-sig" if encoding.upper().replace("_", "-") in ("UTF-8", "UTF8") else encoding)
    except (LookupError, UnicodeDecodeError) as err:
        raise BpmnInvalid([Problem(f"文件编码与声明的 {encoding} 不符 (bytes do not match the declared encoding): {err}",
                                   filename, 1)]) from None  # fmt: skip
    return _DECLARED_ENCODING.sub(
        lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text.lstrip("\ufeff"), count=1
    )
