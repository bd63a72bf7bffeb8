"""The customer archive over HTTP (issue 4): search, open, create, change, delete; the unmasked-view log (S21.4)."""

from __future__ import annotations

from flask import jsonify, request

from app.core.errors import BadRequest
from app.customers import records as customers
from app.customers import search as customer_search
from app.web.api.common import iso, json_body, parse_instant
from app.web.auth import login_required
from app.web.blueprints import api
from app.web.guards import MAX_ID as MAX_INT


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} 必须是整数 (must be an integer)") from None
    return max(-MAX_INT, min(value, MAX_INT))  # an id or a page beyond any column's range matches nothing


@api.get("/customers")
@login_required
def search_customers(user):
    """Any staff member may search; lists are always masked (S21.4)."""
    args = request.args
    query = customer_search.CustomerQuery(
        q=args.get("q"),
        account=args.get("account"),
        name=args.get("name"),
        phone=args.get("phone"),
        address=args.get("address"),
        district=args.get("district") or None,
        street=args.get("street") or None,
        branch=args.get("branch") or None,
        customer_class=args.get("class") or None,
        supply_status=args.get("status") or None,
        limit=_int_arg("limit", 20),
        offset=_int_arg("offset", 0),
    )
    result = customer_search.search(query, user)
    return jsonify({"customers": [r.as_dict() for r in result.records], "has_more": result.has_more})


@api.post("/customers")
@login_required
def create_customer(user):
    return jsonify(customers.create(json_body(), user).as_dict()), 201


@api.get("/customers/<int:customer_id>")
@login_required
def open_customer(user, customer_id: int):
    return jsonify(customers.open_record(customer_id, user).as_dict())


@api.patch("/customers/<int:customer_id>")
@login_required
def update_customer(user, customer_id: int):
    body = json_body()
    revision = body.pop("revision", None)
    if revision is not None and not isinstance(revision, int):
        raise BadRequest("revision 必须是整数 (revision must be an integer)")
    return jsonify(customers.update(customer_id, body, user, revision).as_dict())


@api.delete("/customers/<int:customer_id>")
@login_required
def delete_customer(user, customer_id: int):
    customers.delete(customer_id, user)
    return "", 204


@api.get("/customers/unmasked-views")
@login_required
def unmasked_views(user):
    """Auditors: who saw which customer's full phone and ID numbers, and when (S21.4, M5.5)."""
    since, until = request.args.get("since"), request.args.get("until")
    query = customers.ViewLogQuery(
        customer_id=_int_arg("customer_id"),
        user_id=_int_arg("user_id"),
        since=parse_instant(since, "since") if since else None,
        until=parse_instant(until, "until") if until else None,
        page=min(max(_int_arg("page", 1), 1), 100_000),
        page_size=min(max(_int_arg("page_size", 50), 1), 500),
    )
    rows = customers.view_log(user, query)
    views = [
        {
            "id": row.id,
            "viewed_at": iso(row.viewed_at),
            "user_id": row.user_id,
            "customer_id": row.customer_id,
            "account_no": row.account_no,
            "channel": row.channel,
            "note": row.note,
        }
        for row in rows
    ]
    return jsonify({"views": views, "page": query.page})
