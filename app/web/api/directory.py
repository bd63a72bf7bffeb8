"""The organisation directory over HTTP: units, staff, conflict-of-interest declarations (C13.2.5)."""

from __future__ import annotations

from flask import jsonify, request

from app.core.errors import BadRequest
from app.org import directory
from app.web.api.common import iso, json_body
from app.web.auth import login_required
from app.web.blueprints import api


def _user_json(user) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "unit": {"id": user.unit.id, "name": user.unit.name, "kind": user.unit.kind},
        "roles": sorted(user.roles),
        "superior_id": user.superior_id,
        "active": user.active,
    }


def _conflict_json(row) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "other_user_id": row.other_user_id,
        "kind": row.kind,
        "kind_label": directory.CONFLICT_KINDS[row.kind],
        "reason": row.reason,
        "declared_at": iso(row.declared_at),
        "declared_by_id": row.declared_by_id,
        "withdrawn_at": iso(row.withdrawn_at),
    }


@api.get("/directory/units")
@login_required
def list_units(user):
    units = [
        {
            "id": unit.id,
            "name": unit.name,
            "kind": unit.kind,
            "kind_label": directory.UNIT_KINDS.get(unit.kind, unit.kind),
            "district": unit.district,
            "users": count,
        }
        for unit, count in directory.list_units()
    ]
    return jsonify({"units": units})


@api.get("/directory/users")
@login_required
def list_users(user):
    found = directory.list_users(unit=request.args.get("unit") or None, role=request.args.get("role") or None)
    return jsonify({"users": [_user_json(u) for u in found]})


@api.get("/directory/conflicts")
@login_required
def list_conflicts(user):
    rows = directory.list_conflicts(user, include_withdrawn=request.args.get("all") in {"1", "true"})
    return jsonify({"conflicts": [_conflict_json(r) for r in rows]})


@api.post("/directory/conflicts")
@login_required
def declare_conflict(user):
    body = json_body()
    other, kind, reason, on_behalf = body.get("with"), body.get("kind"), body.get("reason", ""), body.get("user")
    if not isinstance(other, str) or not other or not isinstance(kind, str) or not isinstance(reason, str):
        raise BadRequest("需要 with（对方用户名）、kind（冲突类型）和可选的 reason (with, kind and reason required)")
    if on_behalf is not None and not isinstance(on_behalf, str):
        raise BadRequest("user 必须是用户名 (user must be a username)")
    row = directory.declare_conflict(user, other, kind, reason, on_behalf_of=on_behalf)
    return jsonify(_conflict_json(row)), 201


@api.post("/directory/conflicts/<int:declaration_id>/withdraw")
@login_required
def withdraw_conflict(user, declaration_id: int):
    return jsonify(_conflict_json(directory.withdraw_conflict(user, declaration_id)))
