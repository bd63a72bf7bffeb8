"""The hotline board (issue 7 §6): current disconnections for agents answering callers; planned outages (S24.2) join
it once that process exists."""

from __future__ import annotations

from flask import render_template, request

from app import clock
from app.services import board as board_service
from app.web.pages import pages
from app.web.pages.common import signed_in


@pages.get("/board")
@signed_in
def board(user):
    query = request.args.get("q", "").strip()[:64]
    found = board_service.current_disconnections(user, query)
    return render_template("board/index.html", board=found, q=query, now=clock.now(), limit=board_service.LIMIT)
