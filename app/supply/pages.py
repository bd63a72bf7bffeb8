"""The hotline board (issue 7 §6): current disconnections and outages for agents answering callers (S24.8); the
printable notices (S24.6 arrears, S24.4 the letter to the housing authority); the public outage page and feed (S24.2)
for the website and WeChat, open to anyone and free of personal data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from app import clock
from app.core.registry import CaseLink
from app.supply import board as board_service
from app.supply import housing_letter, notices, outage_list, outages
from app.web.pages.common import signed_in

blueprint = Blueprint("supply", __name__, template_folder="templates")


@blueprint.get("/board")
@signed_in
def board(user):
    query = request.args.get("q", "").strip()[:64]
    found = board_service.current_disconnections(user, query)
    return render_template("supply/board.html", board=found, q=query, now=clock.now(), limit=board_service.LIMIT,
                           outages=outage_list.live())  # fmt: skip


# The public outage page and feed (issue 16 §7): no sign-in, no personal data, cached a minute by browsers and proxies.
PUBLIC_CACHE = "public, max-age=60"


@blueprint.get("/outages")
def public_outages():
    found = outage_list.public()
    body = render_template("supply/public_outages.html", districts=outage_list.by_district(found), now=clock.now())
    return Response(body, headers={"Cache-Control": PUBLIC_CACHE})


@blueprint.get("/outages/feed.json")
def public_outages_feed():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "广元燃气停气公告",
            "home_page_url": url_for("supply.public_outages", _external=True),
            "feed_url": url_for("supply.public_outages_feed", _external=True),
            "items": [outage_list.feed_item(o) for o in outage_list.public()]}  # fmt: skip
    response = jsonify(feed)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@blueprint.get("/cases/<int:instance_id>/housing-notice")
@signed_in
def outage_housing_notice(user, instance_id: int):
    """S24.4: the written notice to the housing authority, ready to print."""
    found = housing_letter.letter(instance_id, user)
    return render_template("supply/housing_notice.html", letter=found, authority=housing_letter.AUTHORITY,
                           company=housing_letter.COMPANY, dated=notices.local(found.dated, "%Y年%m月%d日"))  # fmt: skip


# The printable 缴费及停气通知书 of an arrears case (S24.6): HTML ready to print, and the same text as PDF.


@blueprint.get("/cases/<int:instance_id>/notice")
@signed_in
def arrears_notice(user, instance_id: int):
    notice = notices.arrears_notice(instance_id, user)
    issued = notices.local(notice.issued_at, "%Y年%m月%d日")
    return render_template("supply/notice.html", notice=notice, lines=notices.body_lines(notice), issued=issued,
                           title=notices.ARREARS_TITLE, pdf_url=url_for("supply.arrears_notice_pdf", instance_id=instance_id))  # fmt: skip


@blueprint.get("/cases/<int:instance_id>/notice.pdf")
@signed_in
def arrears_notice_pdf(user, instance_id: int):
    notice = notices.arrears_notice(instance_id, user)
    return pdf_response(notices.pdf(notice), notice.notice_no)


# The printable 安全隐患整改通知书 of a hazard case (S24.7, issue 12 item 14): the same page and PDF.


@blueprint.get("/cases/<int:instance_id>/hazard-notice")
@signed_in
def hazard_notice(user, instance_id: int):
    notice = notices.hazard_notice(instance_id, user)
    issued = notices.local(notice.issued_at, "%Y年%m月%d日")
    return render_template("supply/notice.html", notice=notice, lines=notices.hazard_lines(notice),
                           issued=issued, title=notices.HAZARD_TITLE,
                           pdf_url=url_for("supply.hazard_notice_pdf", instance_id=instance_id))  # fmt: skip


@blueprint.get("/cases/<int:instance_id>/hazard-notice.pdf")
@signed_in
def hazard_notice_pdf(user, instance_id: int):
    notice = notices.hazard_notice(instance_id, user)
    return pdf_response(notices.pdf(notice), notice.notice_no)


def pdf_response(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="notice-{name}.pdf"'})  # fmt: skip


def notice_links(process_key: str, data: dict, instance_id: int) -> list[CaseLink]:
    """S24.6/S24.7: a written notice exists once it was issued (notice_no is set in the same step). S24.4: an
    emergency outage, or a planned one past 24 hours, has its letter to the housing authority."""
    if process_key == outages.EMERGENCY or (process_key == outages.PLANNED and outages.past_24_hours(data)):
        return [CaseLink("致城乡规划和住房保障局书面通知（打印）", url_for("supply.outage_housing_notice",
                                                                          instance_id=instance_id))]  # fmt: skip
    if process_key == notices.HAZARD_PROCESS and data.get("notice_no"):
        label = f"{notices.HAZARD_TITLE} {data['notice_no']}"
        return [CaseLink(f"{label}：打印版", url_for("supply.hazard_notice", instance_id=instance_id)),
                CaseLink("PDF", url_for("supply.hazard_notice_pdf", instance_id=instance_id))]  # fmt: skip
    if process_key != notices.PROCESS or not data.get("notice_no"):
        return []
    label = f"缴费及停气通知书 {data['notice_no']}"
    return [CaseLink(f"{label}：打印版", url_for("supply.arrears_notice", instance_id=instance_id)),
            CaseLink("PDF", url_for("supply.arrears_notice_pdf", instance_id=instance_id))]  # fmt: skip
