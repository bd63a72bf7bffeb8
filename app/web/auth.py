"""Who is asking: a bearer token (API clients) or the browser session (with CSRF on every unsafe request)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request, session

from app.core.errors import Unauthenticated
from app.extensions import csrf
from app.models import User
from app.org import users

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def current_user() -> User | None:
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = users.user_for_token(header.removeprefix("Bearer ").strip())
    elif session.get("user_id"):
        user = users.get(session["user_id"])
        if user is not None and (not user.active or session.get("sv") != user.session_version):
            user = None  # deactivated, or signed out since this session began (issue 13, item 11)
        if user is not None and request.method in UNSAFE:
            csrf.protect()
    g.user = user
    return user


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            raise Unauthenticated("请先登录或提供 Bearer 令牌 (authentication required)")
        return view(user, *args, **kwargs)

    return wrapper
