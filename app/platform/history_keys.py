"""The keys the history is keyed with (issue 13 §8): kept outside the database, so someone who can rewrite rows cannot
recompute a valid chain.

Each event carries the id of the key its MAC was made with; the keyring holds every key ever used (the last one signs
new events and seals), so keys rotate without re-keying old history. Keys come from the setting GASFLOW_HISTORY_KEY
("id:hex[,id:hex...]") or, when it is empty, from the file ``<instance_dir>/history_keys`` (one "id hex" per line,
made with a fresh random key on first use, mode 0600). Nothing here is ever written to the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from flask import current_app

from app.core.errors import Invalid

FILE_NAME = "history_keys"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
_lock = Lock()


class UnknownKey(Exception):
    """An event or seal names a key id the keyring does not hold."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current_id: str
    source: str  # "setting" or the file's path
    _bases: dict = field(default_factory=dict, compare=False, repr=False)

    def mac(self, message: str, key_id: str | None = None) -> str:
        """HMAC-SHA256 of ``message`` with the named key (default: the current one), as hex."""
        kid = key_id or self.current_id
        base = self._bases.get(kid)
        if base is None:
            key = self.keys.get(kid)
            if key is None:
                raise UnknownKey(kid)
            base = self._bases[kid] = hmac.new(key, f"{kid}\x1f".encode(), hashlib.sha256)
        mac = base.copy()  # the key already absorbed: one copy and one update per event (the completion path)
        mac.update(message.encode())
        return mac.hexdigest()

    def check(self, message: str, key_id: str | None, mac: str | None) -> bool:
        if not key_id or not mac:
            return False
        try:
            return hmac.compare_digest(self.mac(message, key_id), mac)
        except UnknownKey:
            return False

    def fingerprint(self, key_id: str | None = None) -> str:
        """A public fingerprint of a key (sha256 of a derived value, never the key): printed with seals."""
        kid = key_id or self.current_id
        return hashlib.sha256(hmac.new(self.keys[kid], b"gasflow-fingerprint", hashlib.sha256).digest()).hexdigest()


def parse(text: str, separator: str = ",") -> dict[str, bytes]:
    """ "id:hex,id:hex" (setting) or lines "id hex" (file); a bare hex value gets the id "env"."""
    keys: dict[str, bytes] = {}
    for raw in text.replace("\n", separator).split(separator):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        if ":" in item:
            kid, value = item.split(":", 1)
        elif " " in item:
            kid, value = item.split(None, 1)
        else:
            kid, value = "env", item
        kid, value = kid.strip(), value.strip()
        if not _ID.match(kid):
            raise Invalid(f"历史密钥编号 {kid!r} 不合法 (key id: 1-16 letters, digits, . _ -)")
        try:
            key = bytes.fromhex(value)
        except ValueError:
            raise Invalid(f"历史密钥 {kid} 不是十六进制 (key {kid} is not hex)") from None
        if len(key) < 16:
            raise Invalid(f"历史密钥 {kid} 太短，至少 16 字节 (key {kid}: at least 16 bytes)")
        keys[kid] = key
    return keys


def _new_line() -> str:
    return f"k{secrets.token_hex(4)} {secrets.token_hex(32)}\n"


def _from_file(path: Path) -> dict[str, bytes]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # exclusive create, 0600 from the start: two processes starting at once end up with one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_new_line())
    for _try in range(50):  # the other process may still be writing the line it just created
        keys = parse(path.read_text())
        if keys:
            return keys
        time.sleep(0.02)
    return {}


def load(settings) -> Keyring:
    if settings.history_key.strip():
        keys = parse(settings.history_key)
        source = "setting"
    else:
        path = Path(settings.instance_dir) / FILE_NAME
        keys = _from_file(path)
        source = str(path)
    if not keys:
        raise Invalid("没有可用的历史密钥 (the history keyring is empty)")
    return Keyring(keys, list(keys)[-1], source)


def keyring() -> Keyring:
    """This app's keyring, read once (rotate() replaces it)."""
    ring = current_app.extensions.get("gasflow_keyring")
    if ring is None:
        with _lock:
            ring = current_app.extensions.get("gasflow_keyring")
            if ring is None:
                ring = load(current_app.config["GASFLOW"])
                current_app.extensions["gasflow_keyring"] = ring
    return ring


def rotate() -> str:
    """Add a new current key to the keyring file (old keys stay: older events and seals still verify)."""
    settings = current_app.config["GASFLOW"]
    if settings.history_key.strip():
        raise Invalid(
            "密钥来自设置 GASFLOW_HISTORY_KEY：请在其末尾追加新密钥 (keys come from the setting: append the new key there)"
        )
    path = Path(settings.instance_dir) / FILE_NAME
    _from_file(path)
    with path.open("a") as handle:
        handle.write(_new_line())
    current_app.extensions.pop("gasflow_keyring", None)
    return keyring().current_id
