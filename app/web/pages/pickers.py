"""What a picker offers as the person types (issue 11): units, active users, customers from the archive (masked,
S21.4). JSON for app/web/static/picker.js; the value picked is checked again by the service on submit."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, jsonify, request

from app.platform import pickers
from app.web.blueprints import pages
from app.web.pages.common import signed_in


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:64]


@pages.get("/pickers/<kind>")
@signed_in
def picker_options(user, kind: str):
    q = _arg("q")
    hint = ""
    if kind == "unit":
        options = pickers.unit_options(q, _arg("unit_kind") or None)
    elif kind == "user":
        options = pickers.user_options(q, _arg("unit") or None, _arg("role") or None)
    elif kind == "customer":
        options, hint = pickers.customer_options(q, user)
    elif kind == "place":
        options = pickers.place_options(q)
    else:
        abort(404)
    if not options and not hint:
        hint = f"没有找到“{q}”，请换个写法" if q else "没有可选项"
    return jsonify({"options": [asdict(o) for o in options], "hint": hint})
