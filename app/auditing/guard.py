"""The door of every auditor page and API route: role auditor, and the view written to the access log first."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import request

from app.auditing import access
from app.web.auth import login_required
from app.web.pages.common import signed_in


def _checked(action: str, view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(user, *args, **kwargs):
        access.require_auditor(user)
        access.record(user, action, kwargs.get("instance_id"), request.full_path.rstrip("?"))
        return view(user, *args, **kwargs)

    return wrapper


def auditor_page(action: str) -> Callable[[Callable], Callable]:
    return lambda view: signed_in(_checked(action, view))


def auditor_api(action: str) -> Callable[[Callable], Callable]:
    return lambda view: login_required(_checked(action, view))
