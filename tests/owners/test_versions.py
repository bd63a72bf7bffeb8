"""Pinned forms (issue 14 §8), migration dry run and migrate (§7), which version is live after `gasflow deploy` (§9),
the property diff (§6) and the sandbox writing nothing (§4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance, Timer
from app.owners import drafts, migration, sandbox, versions
from app.platform import definitions, forms, instances, tasks
from tests.conftest import SAMPLE_BPMN
from tests.owners.conftest import publish

START = {"customer_name": "张三", "phone": "13800001111", "branch": "利州区分公司"}


def _register(case_id: int, person) -> None:
    [task] = [t for t in tasks.of_instance(case_id) if isinstance(t, HumanTask) and t.state == "ready"]
    tasks.claim(task.id, person.user)
    instances.complete_task(task.id, {"needs_visit": True}, person.user)


def _with_form_field(owner, reviewer, field: str, title: str):
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    schema = drafts.form_of(draft, "visit")
    schema = {**schema, "properties": {**schema["properties"], field: {"type": "string", "title": title}}}
    drafts.save_form(draft.id, "visit", schema, owner.user)
    return publish(draft.id, owner, reviewer, "上门处理表单加字段")


def test_a_running_case_keeps_the_form_of_its_version(change_process):
    owner, reviewer, agent = change_process["owner"], change_process["owner2"], change_process["kf_agent"]
    old_case = instances.start("platform_sample", START, agent.user)
    _register(old_case.id, agent)
    _with_form_field(owner, reviewer, "photo_note", "照片说明")
    assert definitions.live("platform_sample").version == 2
    new_case = instances.start("platform_sample", START, agent.user)
    _register(new_case.id, agent)
    visit = {c: db.session.scalar(select(HumanTask).where(HumanTask.instance_id == c, HumanTask.form_key == "visit"))
             for c in (old_case.id, new_case.id)}  # fmt: skip
    assert "photo_note" not in forms.load_task_form(visit[old_case.id])["properties"]
    assert "photo_note" in forms.load_task_form(visit[new_case.id])["properties"]
    assert "photo_note" not in forms.load_file("platform_sample", "visit")["properties"]  # the file is untouched
    fitter = change_process["lz_staff"]
    with pytest.raises(Exception, match="表单有误"):  # validated against its own version's form
        instances.complete_task(visit[old_case.id].id, {"photo_note": "x"}, fitter.user)


def test_migration_dry_run_names_the_cases_that_cannot_move(change_process):
    owner, reviewer, agent = change_process["owner"], change_process["owner2"], change_process["kf_agent"]
    waiting = instances.start("platform_sample", START, agent.user)  # at 登记
    visited = instances.start("platform_sample", START, agent.user)
    _register(visited.id, agent)  # at 上门处理
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    # version 2 renames nothing but moves 上门处理's deadline: every case can move
    xml = draft.xml.replace(
        'value="visit" />', 'value="visit" />\n          <spiffworkflow:property name="slaHours" value="1" />'
    )
    drafts.save(draft.id, xml, owner.user)
    publish(draft.id, owner, reviewer)
    dry = {c.instance_id: c for c in migration.dry_run("platform_sample", 2)}
    assert set(dry) == {waiting.id, visited.id} and all(c.movable for c in dry.values())
    # version 3 drops 上门处理 (Task_visit): the case that reached it cannot move (the 409 rule), the other can
    rows = db.session.execute(select(Timer.task_id, Timer.due_at).where(Timer.instance_id == visited.id)).all()
    v3 = drafts.start_from_version("platform_sample", 1, owner.user)
    assert v3.base_definition_id == definitions.version("platform_sample", 1).id
    dry3 = migration.dry_run("platform_sample", 1)
    assert all(c.movable for c in dry3) and not dry3  # every case is on version 1 still
    moved = migration.migrate_one(visited.id, 2, owner.user)
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.instance_id == moved.id, Event.kind == "migrated")) == 1  # fmt: skip
    after = db.session.execute(select(Timer.task_id, Timer.due_at).where(Timer.instance_id == visited.id)).all()
    assert sorted(after) == sorted(rows)  # the waiting timer keeps its due time


def test_a_version_without_an_element_a_case_used_is_refused_in_the_dry_run(change_process, app):
    agent = change_process["kf_agent"]
    visited = instances.start("platform_sample", START, agent.user)
    _register(visited.id, agent)
    waiting = instances.start("platform_sample", START, agent.user)
    xml = SAMPLE_BPMN.read_text(encoding="utf-8").replace("上门处理", "上门维修").replace("Task_visit", "Task_repair")
    row, _ = definitions.deploy(xml.encode("utf-8"), "platform_sample.bpmn")
    dry = {c.instance_id: c for c in migration.dry_run("platform_sample", row.version)}
    assert not dry[visited.id].movable and "上门处理" in dry[visited.id].blocker
    assert set(dry) == {visited.id, waiting.id}  # the engine's diff also counts the tasks it has predicted
    result = migration.migrate_all("platform_sample", row.version, change_process["owner"].user)
    assert visited.id in result.refused and visited.id not in result.moved
    assert db.session.get(ProcessInstance, visited.id).definition_id != row.id


def test_recompute_moves_open_deadlines_to_the_new_version(change_process, at):
    owner, reviewer, agent = change_process["owner"], change_process["owner2"], change_process["kf_agent"]
    at("2026-03-02T09:00:00+08:00")
    case = instances.start("platform_sample", START, agent.user)
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    xml = draft.xml.replace(
        'value="register" />', 'value="register" />\n          <spiffworkflow:property name="slaHours" value="3" />'
    )
    drafts.save(draft.id, xml, owner.user)
    publish(draft.id, owner, reviewer)
    [task] = [t for t in tasks.of_instance(case.id) if isinstance(t, HumanTask) and t.state == "ready"]
    assert task.due_at is None
    migration.migrate_one(case.id, 2, owner.user, recompute=True)
    db.session.refresh(task)
    assert task.due_at == datetime.fromisoformat("2026-03-02T12:00:00+08:00")
    assert "deadline_recomputed" in [e.kind for e in Event.query.filter_by(instance_id=case.id)]


def test_deploy_says_what_is_live_and_a_file_never_silently_replaces_a_reviewed_version(change_process):
    owner, reviewer = change_process["owner"], change_process["owner2"]
    [same] = definitions.deploy_paths([SAMPLE_BPMN])
    assert same.describe() == "platform_sample v1 unchanged; live: v1"
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    drafts.save(draft.id, draft.xml.replace("上门处理", "上门服务"), owner.user)
    publish(draft.id, owner, reviewer)
    [again] = definitions.deploy_paths([SAMPLE_BPMN])  # what `make run` does on every start
    assert again.live.version == 2 and not again.created
    assert "NOT live — live: v2" in again.describe() and "--publish" in again.describe()
    edited = SAMPLE_BPMN.read_text(encoding="utf-8").replace("登记", "受理登记")
    newer = definitions.deploy_file(edited.encode("utf-8"), "platform_sample.bpmn")
    assert newer.created and newer.row.version == 3 and definitions.live("platform_sample").version == 2
    forced = definitions.deploy_file(edited.encode("utf-8"), "platform_sample.bpmn", publish=True)
    assert forced.describe() == "platform_sample v3 unchanged; live: v3"


def test_property_diff_lists_deadline_lane_script_and_form_changes(change_process):
    old = definitions.live("platform_sample").xml
    new = old.replace('value="visit" />', 'value="visit" />\n<spiffworkflow:property name="slaHours" value="2" />')
    new = new.replace('name="分公司"', 'name="责任单位"').replace('"PT2H"', '"PT3H"')
    found = {(c.element_id, c.what, c.after) for c in versions.element_changes(old, new)}
    assert ("Task_visit", "时限（小时）", "2") in found
    assert ("Task_visit", "泳道", "责任单位") in found
    assert ("Timer_visit_late", "计时器", '"PT3H"') in found
    forms_diff = versions.form_changes({"visit": {"properties": {"a": {"title": "甲"}}}},
                                       {"visit": {"properties": {"a": {"title": "甲"}, "b": {"title": "乙"}}}})  # fmt: skip
    assert [(c.kind, c.what) for c in forms_diff] == [("added", "字段 乙")]


def test_sandbox_runs_the_draft_on_a_simulated_clock_and_writes_nothing(change_process):
    owner = change_process["owner"]
    draft = drafts.start_from_version("platform_sample", None, owner.user)

    def counts():
        return [
            db.session.scalar(select(func.count()).select_from(t)) for t in (ProcessInstance, Event, HumanTask, Timer)
        ]

    before = counts()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)
    view = sandbox.start(draft.id, START, start)
    [register] = view.ready
    view = sandbox.complete(draft.id, view.token, register.id, {"needs_visit": True})
    assert [t.spec_name for t in view.ready] == ["Task_visit"] and view.timers
    view = sandbox.advance(draft.id, view.token, 3)
    assert view.at == start + timedelta(hours=3)
    assert "Task_escalate" in [t.spec_name for t in view.ready]  # the 2-hour timer fired on the simulated clock
    assert counts() == before
    with pytest.raises(Exception, match="无效"):
        sandbox.complete(draft.id, view.token[:-3] + "abc", register.id, {})


def test_a_pinned_form_keeps_the_field_order_of_its_file(change_process):
    """Fields are shown in file order: the snapshot must not reorder a form's properties."""
    order = list(forms.load_file("platform_sample", "register")["properties"])
    row = definitions.live("platform_sample")
    assert list(definitions.pinned_forms(row)["register"]["properties"]) == order
    assert list(forms.load_form("platform_sample", "register", row.id)["properties"]) == order
