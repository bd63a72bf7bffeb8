"""Times of what happened on a process's forms (``"x-past": true``, app/platform/validation_messages.py): each such
field refuses a moment after now with a message naming it, and takes one before now; a planned time (an announced
outage, an appointment) takes the future. Used by the area tests (tests/supply, tests/connection)."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.platform import forms

TIME_FORMATS = ("date-time", "date")


def time_fields(process: str) -> dict[tuple[str, str], dict]:
    """Every top-level date or date-time field of every form of ``process`` on disk: (form, field) -> its schema."""
    found = {}
    for form in forms.keys_on_disk(process):
        for name, prop in forms.load_file(process, form).get("properties", {}).items():
            if isinstance(prop, dict) and prop.get("format") in TIME_FORMATS:
                found[(form, name)] = prop
    return found


def refusal(process: str, form: str, field: str, value: str) -> str | None:
    """The message the form gives ``field`` holding ``value`` (None when it takes it)."""
    problems = forms.form_problems(forms.load_file(process, form), {field: value})
    return next((p["message"] for p in problems if p["field"] == field), None)


def later_and_earlier(prop: dict) -> tuple[str, str]:
    """A value an hour (a date: a day) after now and one before it, in the field's format."""
    now = clock.to_local(clock.now())
    if prop["format"] == "date":
        return (now + timedelta(days=1)).date().isoformat(), (now - timedelta(days=1)).date().isoformat()
    return (now + timedelta(hours=1)).isoformat(), (now - timedelta(hours=1)).isoformat()


def check(process: str, past: dict[str, list[str]], planned: dict[str, list[str]]) -> None:
    """Every time field of the process is named once, as past or planned; the past ones refuse a later value with
    "<title>：不能晚于…" and take an earlier one; the planned ones take a later value."""
    fields = time_fields(process)
    named = [(form, f) for group in (past, planned) for form, names in group.items() for f in names]
    assert sorted(named) == sorted(set(named)), f"{process}: a field named twice"
    assert set(fields) == set(named), f"{process}: time fields not classified {sorted(set(fields) ^ set(named))}"
    now = clock.to_local(clock.now())
    for form, names in past.items():
        for name in names:
            prop = fields[(form, name)]
            later, earlier = later_and_earlier(prop)
            expected = (
                f"不能晚于今天（今天是 {now:%m-%d}），请填写实际发生的日期"
                if prop["format"] == "date"
                else f"不能晚于现在（现在是 {now:%m-%d %H:%M}），请填写实际发生的时间"
            )
            assert refusal(process, form, name, later) == f"{prop['title']}：{expected}", (form, name)
            assert refusal(process, form, name, earlier) is None, (form, name)
    for form, names in planned.items():
        for name in names:
            later, _ = later_and_earlier(fields[(form, name)])
            assert refusal(process, form, name, later) is None, (form, name)
