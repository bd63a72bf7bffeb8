"""Unmatched messages (issue 6): payments and other messages no case was waiting for, for staff to resolve."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import ServiceError
from app.platform import messages as unmatched_messages
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in


@pages.get("/unmatched-messages")
@signed_in
def unmatched_list(user):
    show_all = request.args.get("all") == "1"
    views = unmatched_messages.list_messages(user, show_all, request.args.get("account"))
    return render_template("unmatched.html", messages=views, show_all=show_all)


@pages.post("/unmatched-messages/<int:message_id>/resolve")
@signed_in
def unmatched_resolve(user, message_id: int):
    try:
        unmatched_messages.resolve(message_id, user, request.form.get("note"), request.form.get("redeliver") == "1")
    except ServiceError as err:
        flash(plain(err.detail), "error")
    else:
        flash(f"未匹配消息 #{message_id} 已处理。", "ok")
    return redirect(url_for("pages.unmatched_list"), code=303)
