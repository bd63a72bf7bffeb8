"""The printable 缴费及停气通知书 of an arrears case (S24.6): HTML ready to print, and the same text as PDF."""

from __future__ import annotations

from flask import Response, render_template

from app.services import notices
from app.web.pages import pages
from app.web.pages.common import signed_in


@pages.get("/cases/<int:instance_id>/notice")
@signed_in
def arrears_notice(user, instance_id: int):
    notice = notices.arrears_notice(instance_id, user)
    issued = notices.local(notice.issued_at, "%Y年%m月%d日")
    return render_template("notices/arrears.html", notice=notice, lines=notices.body_lines(notice), issued=issued)


@pages.get("/cases/<int:instance_id>/notice.pdf")
@signed_in
def arrears_notice_pdf(user, instance_id: int):
    notice = notices.arrears_notice(instance_id, user)
    return pdf_response(notices.pdf(notice), notice.notice_no)


def pdf_response(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="notice-{name}.pdf"'})  # fmt: skip
