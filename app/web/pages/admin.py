"""Administration pages (issue 7 §7; users and units in users.py): the holiday calendar year view and import, settings."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, flash, redirect, render_template, request, url_for

from app import clock
from app.calendar import admin as calendar_admin
from app.calendar import table as workcalendar
from app.calendar import views as calendar_views
from app.core.errors import Invalid, ServiceError
from app.org import access
from app.platform import attachments, clock_admin, company_settings, deadlines
from app.platform import inbox as inbox_views
from app.web.blueprints import pages
from app.web.pages.common import plain, signed_in


def _admin(user) -> None:
    access.require_role(user, "admin")


def _year() -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.to_local(clock.now()).year


def _calendar_page(year: int, csv_text: str = "", problems: list[str] | None = None, summary: str = "",
                   status: int = 200):  # fmt: skip
    months, covered = calendar_views.year_view(year)
    body = render_template(
        "admin/calendar.html", year=year, months=months, covered=covered, warning=workcalendar.coverage_warning(),
        csv_text=csv_text, problems=problems or [], summary=summary,
    )  # fmt: skip
    return body, status


@pages.get("/admin/calendar")
@signed_in
def admin_calendar(user):
    _admin(user)
    return _calendar_page(_year())


@pages.post("/admin/calendar/import")
@signed_in
def admin_calendar_import(user):
    """A refused import shows the page again with the text kept in the box (an uploaded file's text too, so it can
    be corrected there) and every bad line explained beside it."""
    _admin(user)
    upload = request.files.get("file")
    text = (
        upload.read().decode("utf-8-sig", errors="replace")
        if upload and upload.filename
        else request.form.get("csv", "")
    )
    try:
        result = deadlines.import_year(text, user.id)
    except Invalid as err:
        return _calendar_page(_year(), text, [str(e) for e in err.extra.get("errors", [])], plain(err.detail), 422)
    years = "、".join(str(y) for y in result.years)
    flash(f"已导入 {result.rows} 天（{years} 年），重算了 {result.tasks_recomputed} 个暂定期限。", "ok")
    return redirect(url_for("pages.admin_calendar", year=result.years[0]), code=303)


@pages.post("/admin/calendar/confirm")
@signed_in
def admin_calendar_confirm(user):
    _admin(user)
    year = int(request.form.get("year", "0") or 0)
    result = deadlines.confirm_year(year, user.id)
    flash(f"{year} 年已确认录入完整，重算了 {result.tasks_recomputed} 个暂定期限。", "ok")
    return redirect(url_for("pages.admin_calendar", year=year), code=303)


@pages.post("/admin/calendar/day")
@signed_in
def admin_calendar_day(user):
    _admin(user)
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash("日期格式应为 2026-10-01。", "error")
        return redirect(url_for("pages.admin_calendar"), code=303)
    calendar_admin.set_day(day, request.form.get("workday") == "1", request.form.get("name", ""), user.id)
    flash(f"{day.isoformat()} 已改为{'工作日' if request.form.get('workday') == '1' else '休息日'}。", "ok")
    return redirect(url_for("pages.admin_calendar", year=day.year), code=303)


def _settings_page(errors: dict[str, str] | None = None, submitted: dict[str, str] | None = None, status: int = 200):
    settings = current_app.config["GASFLOW"]
    limits = [
        ("会话空闲超时", f"{settings.session_minutes} 分钟"),
        ("脚本运行时限", f"{settings.script_timeout_seconds} 秒"),
        ("任务数据上限", f"{settings.max_task_data_bytes:,} 字节"),
        ("BPMN 文件上限", f"{settings.max_bpmn_bytes:,} 字节"),
        ("单个附件上限", f"{attachments.MAX_ATTACHMENT_BYTES:,} 字节"),
        ("“即将到期”窗口", f"{int(inbox_views.DUE_SOON.total_seconds() // 3600)} 小时"),
    ]
    body = render_template(
        "admin/settings.html",
        limits=limits,
        company=company_settings.all_values(),
        errors=errors or {},
        submitted=submitted or {},
        time_travel=settings.time_travel,
        now=clock.now(),
        offset=clock.offset(),
    )
    return body, status


@pages.get("/admin/settings")
@signed_in
def admin_settings(user):
    _admin(user)
    return _settings_page()


@pages.post("/admin/settings/company/<name>")
@signed_in
def admin_company_setting(user, name: str):
    """One company setting (S24.6 notice days ...) per form; the service checks the range, its message shows inline."""
    _admin(user)
    raw = request.form.get("value", "").strip()
    known = company_settings.SETTINGS.get(name)
    try:
        value: object = raw if known is not None and known.text else int(raw)
    except ValueError:
        value = raw  # not a whole number: the service refuses it with the setting's own message
    try:
        saved = company_settings.put(name, value, user)
    except Invalid as err:
        return _settings_page({name: plain(err.detail)}, {name: raw}, 422)
    flash(f"{company_settings.SETTINGS[name].label} 已改为 {saved}。", "ok")
    return redirect(url_for("pages.admin_settings"), code=303)


@pages.post("/admin/settings/clock")
@signed_in
def admin_clock(user):
    _admin(user)
    try:
        if request.form.get("reset"):
            clock_admin.reset_clock()
        else:
            local = datetime.fromisoformat(request.form.get("at", ""))
            clock_admin.set_clock(local if local.tzinfo else local.replace(tzinfo=clock.SHANGHAI))
    except ValueError:
        flash("时间格式不正确。", "error")
    except ServiceError as err:
        flash(plain(err.detail), "error")
    else:
        flash("系统时钟已调整。", "ok")
    return redirect(url_for("pages.admin_settings"), code=303)
