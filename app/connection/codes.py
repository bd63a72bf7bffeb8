"""SMS verification codes for the online application (issue 17 §1): sent through the platform's notification outbox
(docs/outbox.md, one outbox for the whole system), kept only as a keyed hash, valid 10 minutes, 5 tries, and limited
per phone (one a minute, five an hour) and per requesting address (twenty an hour)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app import clock
from app.core.errors import Invalid, TooManyRequests
from app.core.tx import writes
from app.extensions import db
from app.models import ConnectionCode
from app.platform import outbox

VALID = timedelta(minutes=10)
MAX_TRIES = 5
PHONE = re.compile(r"^1[3-9][0-9]{9}$")


def _hash(phone: str, code: str) -> str:
    key = (current_app.secret_key or "").encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(ConnectionCode).where(*where)) or 0


@writes
def send(phone: str, client: str) -> None:
    phone = (phone or "").strip()
    if not PHONE.match(phone):
        raise Invalid("请填写 11 位手机号 (phone)", errors=[{"field": "phone", "message": "请填写 11 位手机号"}])
    now = clock.now()
    if _count(ConnectionCode.phone == phone, ConnectionCode.created_at > now - timedelta(minutes=1)):
        raise TooManyRequests("验证码已发送，请 1 分钟后再试 (one code a minute)")
    if (
        _count(ConnectionCode.phone == phone, ConnectionCode.created_at > now - timedelta(hours=1)) >= 5
        or _count(ConnectionCode.client == client[:64], ConnectionCode.created_at > now - timedelta(hours=1)) >= 20
    ):
        raise TooManyRequests("验证码请求过于频繁，请稍后再试 (too many codes requested)")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = ConnectionCode(phone=phone, code_hash=_hash(phone, code), client=client[:64], created_at=now,
                         expires_at=now + VALID, attempts=0)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    outbox.enqueue(
        outbox.Message(
            key=f"connection_code:{row.id}",
            kind="connection_code",
            recipient=phone,
            text=f"【广元燃气】您的用气报装申请验证码为 {code}，10 分钟内有效。如非本人操作请忽略。",
            params={"code": code},
        )  # fmt: skip
    )


WRONG = "验证码不正确或已过期，请重新获取"


@writes
def check(phone: str, code: str) -> bool:
    """The newest live code of the phone; right: used up; wrong: one try counted (committed either way)."""
    now = clock.now()
    row = db.session.scalar(
        select(ConnectionCode)
        .where(ConnectionCode.phone == phone, ConnectionCode.used_at.is_(None), ConnectionCode.expires_at > now)
        .order_by(ConnectionCode.created_at.desc(), ConnectionCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.attempts >= MAX_TRIES:
        return False
    if not hmac.compare_digest(row.code_hash, _hash(phone, (code or "").strip())):
        row.attempts += 1
        return False
    row.used_at = now
    return True
