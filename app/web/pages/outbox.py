"""The outbox page (issue 16 §4): every SMS that failed, waits for a retry or is in doubt, for administrators."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from app.core.errors import ServiceError
from app.platform import outbox as outbox_service
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in


@pages.get("/admin/outbox")
@signed_in
def admin_outbox(user):
    outbox_service.require_outbox_admin(user)
    settings = current_app.config["GASFLOW"]
    return render_template(
        "admin/outbox.html",
        counts=outbox_service.counts(),
        troubles=outbox_service.troubles(),
        recent=outbox_service.recent(),
        gateway=settings.sms_gateway,
        max_attempts=settings.outbox_max_attempts,
    )


@pages.post("/admin/outbox/<int:message_id>/retry")
@signed_in
def admin_outbox_retry(user, message_id: int):
    try:
        outbox_service.retry(message_id, user)
    except ServiceError as err:
        flash(plain(err.detail), "error")
    else:
        flash(f"消息 #{message_id} 已重新排队发送。", "ok")
    return redirect(url_for("pages.admin_outbox"), code=303)
