"""What every page shares: the signed-in user (with an idle timeout), flash messages, template filters."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for

from app import clock
from app.core.registry import allowed_by, registry
from app.models import ROLES
from app.platform import inbox as inbox_views
from app.platform import sla
from app.platform.forms import choice_label
from app.platform.overview import require_overview
from app.web.auth import current_user

_ENGLISH_TAIL = re.compile(r"\s*\([^()]*\)\s*$")


def plain(detail: str) -> str:
    """A service message without its English tail: staff read one plain Chinese sentence."""
    return _ENGLISH_TAIL.sub("", detail or "").strip() or detail


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site (no scheme, no host): a login link must not send anyone elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["GASFLOW"].session_minutes)


# How stale "seen" may get before a request writes it again. The session is a cookie: every write is a Set-Cookie
# carrying the session as this request read it, so two requests in flight (the inbox's search and a click on 认领)
# could drop a message the other one had just flashed. Writing once a minute keeps the idle timeout honest.
SEEN_GRANULARITY_SECONDS = 60


def _session_expired() -> bool:
    # Real elapsed time, not the business clock: moving the demo clock must not sign everyone out.
    seen = session.get("seen")
    now = clock.system_now().timestamp()
    if seen is not None and now - float(seen) > _idle_limit().total_seconds():
        return True
    if seen is None or now - float(seen) >= SEEN_GRANULARITY_SECONDS:
        session["seen"] = now
    return False


def signed_in(view: Callable) -> Callable:
    """Pages need a browser session; without one (or after the idle timeout) they send the user to the login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if session.get("user_id") and _session_expired():
            session.clear()
            g.pop("user", None)
            flash("您已长时间未操作，请重新登录。", "info")
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        user = current_user() if session.get("user_id") else None
        if user is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(user, *args, **kwargs)

    return wrapper


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.to_local(clock.ensure_aware(value)).strftime(fmt) if value else ""


def due_text(value: datetime | None, short: bool = False) -> str:
    """A deadline as the rule names it (issue 12, item 5): one ending at 24:00 reads "3月9日 24:00" (short:
    "03-09 当日终"), never 00:00 of the next day; any other deadline as its local time."""
    if not value:
        return ""
    day, end_of_day = sla.due_day(value)
    if not end_of_day:
        return local_time(value, "%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")
    last = date.fromisoformat(day)
    return f"{last:%m-%d} 当日终" if short else f"{last.year}年{last.month}月{last.day}日 24:00"


def duration_text(left: timedelta | None, working: bool = False) -> str:
    """“剩 2天3小时” / “超期 5小时”; working-day SLAs count working days (the clock stops on days off)."""
    if left is None:
        return ""
    late = left < timedelta(0)
    minutes = int(abs(left).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    unit = "个工作日" if working and not late else "天"
    if days:
        text = f"{days}{unit}{hours}小时" if hours else f"{days}{unit}"
    elif hours:
        text = f"{hours}小时{mins}分" if mins else f"{hours}小时"
    else:
        text = f"{mins}分钟"
    return f"超期 {text}" if late else f"剩 {text}"


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["choice_label"] = choice_label
    app.jinja_env.filters["role_label"] = lambda role: ROLES.get(role, role)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["due_text"] = due_text
    app.jinja_env.filters["duration"] = duration_text
    app.jinja_env.filters["plain"] = plain

    @app.context_processor
    def _menu():
        user = g.get("user")
        if user is None or not request.endpoint or request.path.startswith("/api/"):
            return {"me": None}
        links = [link for link in registry().menu if link.visible(user)]  # what the business areas add (办理)
        return {"me": user, "views": inbox_views.VIEWS, "view_counts": inbox_views.counts(user), "area_links": links,
                "new_counts": inbox_views.new_counts(user),
                "show_overview": allowed_by(require_overview)(user)}  # fmt: skip
