"""Sign in and out (issue 7 §1): CSRF-checked form, a plain message on a wrong password, a wait after several."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for

from app import clock
from app.core.errors import Forbidden, Unauthenticated
from app.extensions import csrf
from app.org import signin
from app.web.auth import current_user
from app.web.blueprints import pages
from app.web.pages.common import plain, safe_next


def _fresh_session() -> None:
    """A new session at sign-in and sign-out (no fixation); the CSRF token cached for this request goes with it."""
    session.clear()
    g.pop("csrf_token", None)


@pages.get("/login")
def login():
    if session.get("user_id") and current_user() is not None:  # a live session (not signed out elsewhere)
        return redirect(safe_next(request.args.get("next"), url_for("pages.inbox")))
    return render_template("login.html", username="", next=request.args.get("next", ""))


@pages.post("/login")
def login_submit():
    csrf.protect()  # no session user yet, so web.auth does not check it for us
    username = request.form.get("username", "").strip()
    target = request.form.get("next", "")
    try:
        user = signin.login(username, request.form.get("password", ""), request.remote_addr or "")
    except (Unauthenticated, Forbidden) as err:
        status = 429 if isinstance(err, Forbidden) else 401
        return render_template("login.html", username=username, next=target, error=plain(err.detail)), status
    _fresh_session()
    session.permanent = True
    session["user_id"] = user.id
    session["sv"] = user.session_version  # a sign-out anywhere ends this session (issue 13, item 11)
    session["seen"] = clock.system_now().timestamp()
    return redirect(safe_next(target, url_for("pages.inbox")), code=303)


@pages.post("/logout")
def logout():
    if session.get("user_id"):
        csrf.protect()
        signin.end_sessions(session["user_id"])  # the cookie, even if copied, no longer signs anyone in
    _fresh_session()
    flash("您已安全退出。", "info")
    return redirect(url_for("pages.login"), code=303)


@pages.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site; answering spares a 404 in every log and console (issue 11, item 13)."""
    return pages.send_static_file("favicon.ico")
