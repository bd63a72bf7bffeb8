"""Browser sign-in and sign-out (issue 13, item 11).

- The same work whoever asks: an unknown name, a system client or an inactive user costs one password hash like a real
  one (no 111 ms vs 4 ms), and gets the same answer.
- Wrong passwords wait per (address, username) and per address — never per username alone, so nobody can keep another
  person locked out from elsewhere: after FAILURES_BEFORE_DELAY failures each further try waits, doubling from
  LOCK_SECONDS up to MAX_WAIT_SECONDS. The wait applies to any name typed, so a 429 says nothing about who exists.
- Signing out bumps the user's session version: a copied session cookie stops working at once, everywhere.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.core.errors import Forbidden, Unauthenticated
from app.core.tx import writes
from app.extensions import db
from app.models import LoginThrottle, User

FAILURES_BEFORE_DELAY = 5
ADDRESS_FAILURES_BEFORE_DELAY = 30  # one address trying many names
LOCK_SECONDS = 30
MAX_WAIT_SECONDS = 900


@lru_cache(maxsize=4)
def _decoy_hash(method: str) -> str:
    """A hash to check against when there is no real one, so every attempt costs the same."""
    return generate_password_hash("gasflow-decoy-password", method=method)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    return [(_key("user", address, username.strip().lower()), FAILURES_BEFORE_DELAY),
            (_key("address", address), ADDRESS_FAILURES_BEFORE_DELAY)]  # fmt: skip


def _wait(row: LoginThrottle | None, allowed: int, now: datetime) -> int:
    if row is None or row.failures < allowed:
        return 0
    seconds = min(LOCK_SECONDS * 2 ** (row.failures - allowed), MAX_WAIT_SECONDS)
    left = clock.ensure_aware(row.last_failed_at) + timedelta(seconds=seconds) - now
    return int(left.total_seconds()) + 1 if left > timedelta(0) else 0


def login(username: str, password: str, address: str) -> User:
    """The user, or Unauthenticated / Forbidden (429 on the page: wait N seconds). Failures are committed."""
    user, error = _attempt(username, password, address or "?")
    if error is not None:
        raise error
    return user


@writes
def _attempt(username: str, password: str, address: str) -> tuple[User | None, Exception | None]:
    now = clock.now()
    keys = _keys(username, address)
    rows = {
        row.key: row
        for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_([k for k, _ in keys])))
    }
    wait = max(_wait(rows.get(key), allowed, now) for key, allowed in keys)
    if wait:
        return None, Forbidden(f"密码错误次数过多，请 {wait} 秒后再试 (too many failures, wait {wait} s)")
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    usable = user is not None and user.active and user.kind != "system"
    method = current_app.config["GASFLOW"].password_hash_method
    matches = check_password_hash(user.password_hash if usable else _decoy_hash(method), password)
    if not (usable and matches):
        for key, _allowed in keys:
            row = rows.get(key)
            if row is None:
                db.session.add(LoginThrottle(key=key, failures=1, last_failed_at=now))
            else:
                row.failures, row.last_failed_at = row.failures + 1, now
        return None, Unauthenticated("用户名或密码错误 (wrong username or password)")
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
    return user, None


@writes
def end_sessions(user_id: int) -> int:
    """Sign-out: every session signed in before now stops working. Returns the new session version."""
    db.session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))
    return db.session.scalar(select(User.session_version).where(User.id == user_id))
