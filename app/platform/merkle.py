"""A Merkle tree hash with inclusion proofs, as Certificate Transparency defines it (RFC 6962 §2.1): leaves and
inner nodes hashed with different prefixes, the tree split at the largest power of two below its size. Pure functions
over bytes, so an audit bundle is checked without the database."""

from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(_root(hashes[:k]), _root(hashes[k:]))


def root(leaves: list[bytes]) -> str:
    """The tree head over the leaves' data, hex."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(leaf) for leaf in leaves]
    return _root(level).hex()


def _path(index: int, hashes: list[bytes]) -> list[bytes]:
    if len(hashes) <= 1:
        return []
    k = _split(len(hashes))
    if index < k:
        return [*_path(index, hashes[:k]), _root(hashes[k:])]
    return [*_path(index - k, hashes[k:]), _root(hashes[:k])]


def inclusion_proof(leaves: list[bytes], index: int) -> list[str]:
    """The audit path of leaf ``index`` (hex hashes, bottom up)."""
    return [h.hex() for h in _path(index, [leaf_hash(leaf) for leaf in leaves])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[str], expected_root: str) -> bool:
    """RFC 9162 §2.1.3.2: recompute the root from the leaf and its audit path."""
    if index < 0 or index >= size:
        return False
    fn, sn = index, size - 1
    current = leaf_hash(leaf)
    for hex_hash in proof:
        sibling = bytes.fromhex(hex_hash)
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            current = node_hash(sibling, current)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and current.hex() == expected_root
