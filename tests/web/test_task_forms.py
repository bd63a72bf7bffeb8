"""Every user-task form of every deployed diagram (processes/*.bpmn) can be filled in on its task page (issue 11):
each required field — conditionally required ones included — has a control a person can operate, labelled with its
title, that submits the field. Proved on the real page HTML through the test client, for real tasks: the live demo
cases (app/demo.py) reach every user task, and each is rendered for the person who works it (claimed, so the form
shows) just before it is completed, or while it waits at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

import lxml.html
import pytest
from lxml import etree
from sqlalchemy import select

from app.core.registry import registry
from app.extensions import db
from app.models import HumanTask, User
from app.platform import demo_cases, forms, tasks
from app.platform.demo_cases import Demo
from app.settings import PROJECT_ROOT
from tests.walk import demo_world
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.slow

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
OPERABLE = ("input", "select", "textarea")


def user_tasks() -> set[tuple[str, str]]:
    """(process id, user-task id) of every diagram in processes/."""
    found = set()
    for path in sorted((PROJECT_ROOT / "processes").glob("*.bpmn")):
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        for process in root.iter(f"{BPMN}process"):
            found |= {(process.get("id"), task.get("id")) for task in process.iter(f"{BPMN}userTask")}
    return found


def required_fields(schema: dict) -> dict[str, dict]:
    """Required top-level fields, and those an ``if``/``then`` makes required (e.g. 延期天数 when extending)."""
    names = set(schema.get("required", []))
    for branch in [schema, *schema.get("allOf", [])]:
        names |= set((branch.get("then") or {}).get("required", []))
        names |= set((branch.get("else") or {}).get("required", []))
    return {name: schema["properties"][name] for name in names}


def _operable(element) -> bool:
    if element.get("disabled") is not None or element.get("readonly") is not None:
        return False
    return not (element.tag == "input" and element.get("type") in ("hidden", "submit", "button", "reset"))


def control_problems(html: str, schema: dict) -> dict[str, str]:
    page = lxml.html.fromstring(html)
    [form] = page.xpath('//form[contains(concat(" ", @class, " "), " schema-form ")]') or [None]
    if form is None:
        return {"*": "no form on the page"}
    problems = {}
    for name, prop in required_fields(schema).items():
        box = form.xpath(f'.//*[@data-field="{name}"]')
        if not box:
            problems[name] = "no field on the page"
            continue
        controls = [e for e in box[0].iter(*OPERABLE) if _operable(e)]
        submits = [e for e in box[0].iter(*OPERABLE) if (e.get("name") or "").split("[")[0].split(".")[0] == name]
        submits += box[0].xpath(f'.//*[contains(@class, "picker") and @data-name="{name}"]')  # adds inputs as picked
        options = [o for s in controls if s.tag == "select" for o in s.iter("option") if o.get("value")]
        title = str(prop.get("title", name))
        if not controls:
            problems[name] = "no control a person can operate"
        elif not submits:
            problems[name] = "no control submits the field"
        elif all(c.tag == "select" for c in controls) and not options:
            problems[name] = "a drop-down without choices"
        elif title not in box[0].text_content():
            problems[name] = f"no label {title}"
    return problems


@dataclass
class Walk:
    app: object
    browsers: dict = field(default_factory=dict)
    seen: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def render(self, task: HumanTask, user: User) -> None:
        browser = self.browsers.get(user.username) or sign_in(self.app, user.username)
        self.browsers[user.username] = browser
        response = browser.get(f"/tasks/{task.id}")
        assert response.status_code == 200, (task.spec_name, user.username, response.status_code)
        schema = forms.load_form(task.process_key, task.form_key) if task.form_key else {"properties": {}}
        nested = [n for n, p in required_fields(schema).items() if p.get("type") == "object" and "x-ui" not in p]
        assert not nested, f"{task.process_key}/{task.form_key}: the walk does not look inside object fields {nested}"
        problems = control_problems(response.get_data(as_text=True), schema)
        self.seen.setdefault((task.process_key, task.spec_name), {}).update(problems)


def _worker(task: HumanTask) -> User:
    if task.assignee_id is not None:
        return db.session.get(User, task.assignee_id)
    excluded = set((task.excluded_usernames or "").split(","))
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        if user.username not in excluded and tasks.is_candidate(task, user):
            tasks.claim(task.id, user)
            return user
    raise AssertionError(f"nobody may work {task.process_key}/{task.spec_name} ({task.candidate_group})")


def test_every_required_field_of_every_user_task_form_has_a_control_on_its_task_page(app, at):
    demo_world(at, "2026-03-04T15:00:00+08:00")
    walk = Walk(app)
    demo = Demo(at("2026-03-04T15:00:00+08:00"))
    cases = [case for describe in registry().demo_cases for case in describe(demo)]
    demo_cases.load(cases, before_work=walk.render)
    for task in db.session.scalars(select(HumanTask).where(HumanTask.state == "ready")).all():
        walk.render(task, _worker(task))

    assert set(walk.seen) == user_tasks(), "user tasks the demo cases never reach: add a demo case that does"
    found = {(process, task, name): problem for (process, task), fields in walk.seen.items()
             for name, problem in fields.items()}  # fmt: skip
    assert found == {}


def test_the_walk_can_fail_on_a_field_without_a_control():
    schema = {"required": ["a", "b", "c"], "properties": {"a": {"title": "甲"}, "b": {"title": "乙"}, "c": {}},
              "allOf": [{"if": {}, "then": {"required": ["d"]}}]}  # fmt: skip
    schema["properties"]["d"] = {"title": "丁"}
    html = """<form class="schema-form">
      <div data-field="a"><span>甲</span><input name="a"></div>
      <div data-field="b"><span>乙</span><div class="choices"></div></div>
      <div data-field="c"><span>c</span><input type="hidden" name="c"></div>
    </form>"""
    assert control_problems(html, schema) == {
        "b": "no control a person can operate",
        "c": "no control a person can operate",
        "d": "no field on the page",
    }
