"""The administrators' users page (issue 11): add a person, disable and enable, reset the password, change roles and
unit, issue and revoke the API token. A refused change re-renders the page with the message beside its field and what
was typed kept; a new password or token is shown once in the answer, never flashed (the session is a cookie)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import Invalid
from app.models import ROLES
from app.org import access, accounts, users
from app.org import units as org_units
from app.platform.pickers import Picker
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in


def _unit_field(value: str) -> SimpleNamespace:
    """What templates/_fields.html's picker macro reads: a unit picker over the directory."""
    return SimpleNamespace(name="unit", value=value, labels={}, picker=Picker("unit"), unit=None, unit_field=None)


def _list_page(errors=None, typed=None, secret=None, status=200):
    typed = typed or {}
    body = render_template(
        "admin/users.html",
        people=users.list_users(),
        units=org_units.units(),
        kinds=org_units.UNIT_KINDS,
        roles=ROLES,
        holders=accounts.token_holders(),
        changes=accounts.changes(limit=30),
        errors=errors or {},
        typed=typed,
        unit_field=_unit_field(typed.get("unit", "")),
        secret=secret,
    )
    return body, status


def _person_page(username: str, errors=None, typed=None, secret=None, status=200):
    person = users.get_by_username(username)
    typed = typed or {}
    body = render_template(
        "admin/user.html",
        person=person,
        roles=ROLES,
        changes=accounts.changes(username),
        errors=errors or {},
        typed=typed,
        unit_field=_unit_field(typed.get("unit", person.unit.name)),
        secret=secret,
    )
    return body, status


def _field_error(err: Invalid, default: str) -> dict[str, str]:
    return {err.extra.get("field", default): plain(err.detail)}


@pages.get("/admin/users")
@signed_in
def admin_users(user):
    access.require_role(user, "admin")
    return _list_page()


@pages.post("/admin/users")
@signed_in
def admin_user_add(user):
    access.require_role(user, "admin")
    form = request.form
    typed = {"username": form.get("username", ""), "display_name": form.get("display_name", ""),
             "unit": form.get("unit", ""), "roles": form.getlist("roles")}  # fmt: skip
    try:
        person, password = accounts.add(user, typed["username"], typed["display_name"], typed["unit"], typed["roles"])
    except Invalid as err:
        return _list_page(_field_error(err, "username"), typed, status=422)
    secret = SimpleNamespace(kind="password", who=person.display_name, username=person.username, value=password)
    return _list_page(secret=secret)


@pages.get("/admin/users/<username>")
@signed_in
def admin_user(user, username: str):
    access.require_role(user, "admin")
    return _person_page(username)


def _done(username: str, message: str):
    flash(message, "ok")
    return redirect(url_for("pages.admin_user", username=username), code=303)


@pages.post("/admin/users/<username>/roles")
@signed_in
def admin_user_roles(user, username: str):
    access.require_role(user, "admin")
    roles = request.form.getlist("roles")
    try:
        person = accounts.set_roles(user, username, roles)
    except Invalid as err:
        return _person_page(username, _field_error(err, "roles"), {"roles": roles}, status=422)
    return _done(username, f"{person.display_name} 的角色已保存。")


@pages.post("/admin/users/<username>/unit")
@signed_in
def admin_user_unit(user, username: str):
    access.require_role(user, "admin")
    unit = request.form.get("unit", "")
    try:
        person = accounts.set_unit(user, username, unit)
    except Invalid as err:
        return _person_page(username, _field_error(err, "unit"), {"unit": unit}, status=422)
    return _done(username, f"{person.display_name} 已调到 {person.unit.name}。")


@pages.post("/admin/users/<username>/active")
@signed_in
def admin_user_active(user, username: str):
    access.require_role(user, "admin")
    active = request.form.get("active") == "1"
    try:
        person = accounts.set_active(user, username, active)
    except Invalid as err:
        return _person_page(username, _field_error(err, "active"), status=422)
    return _done(username, f"{person.display_name} 已{'启用' if active else '停用'}。")


@pages.post("/admin/users/<username>/password")
@signed_in
def admin_user_password(user, username: str):
    access.require_role(user, "admin")
    try:
        password = accounts.reset_password(user, username)
    except Invalid as err:
        return _person_page(username, _field_error(err, "password"), status=422)
    return _person_page(username, secret=SimpleNamespace(kind="password", value=password))


@pages.post("/admin/users/<username>/token")
@signed_in
def admin_user_token(user, username: str):
    access.require_role(user, "admin")
    token = accounts.issue_token(user, username)
    return _person_page(username, secret=SimpleNamespace(kind="token", value=token))


@pages.post("/admin/users/<username>/token/revoke")
@signed_in
def admin_user_token_revoke(user, username: str):
    access.require_role(user, "admin")
    try:
        person = accounts.revoke_token(user, username)
    except Invalid as err:
        return _person_page(username, _field_error(err, "token"), status=422)
    return _done(username, f"{person.display_name} 的 API 令牌已吊销，使用它的程序将无法再访问。")
