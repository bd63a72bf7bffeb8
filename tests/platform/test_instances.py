"""Instances through the service layer on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import Correlation, Event, HumanTask, ProcessInstance, Timer
from app.platform import audit, definitions, instances, messages, tasks, timers
from tests.conftest import SAMPLE_BPMN


def _open(instance_id):
    return list(
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready"))
    )


def test_deploy_is_idempotent_and_versions_by_content(app, people):
    content = SAMPLE_BPMN.read_bytes()
    first, created = definitions.deploy(content, "sample.bpmn")
    again, created_again = definitions.deploy(content, "sample.bpmn")
    assert created and not created_again and again.id == first.id and first.version == 1
    changed = content.replace("登记".encode(), "登记受理".encode())
    second, created_second = definitions.deploy(changed, "sample.bpmn")
    assert created_second and second.version == 2


def test_instances_stay_pinned_to_their_version(app, sample, people):
    old = instances.start("platform_sample", {}, people["kf_agent"].user)
    changed = SAMPLE_BPMN.read_bytes().replace("登记".encode(), "新登记".encode())
    definitions.deploy(changed, "sample.bpmn")
    new = instances.start("platform_sample", {}, people["kf_agent"].user)
    assert old.definition_id == sample.id and new.definition_id != sample.id
    assert _open(old.id)[0].name == "登记" and _open(new.id)[0].name == "新登记"


def test_happy_path_with_message_writes_projections_and_chain(app, sample, people):
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {"account_no": "LZ0001"}, agent, business_key="BK-1")
    [register] = _open(instance.id)
    assert register.candidate_group == "客服中心" and register.form_key == "register"
    instances.complete_task(register.id, {"needs_visit": False}, agent)
    assert db.session.scalars(select(Correlation.key).where(Correlation.instance_id == instance.id)).all() == [
        "business_key"
    ]
    caught = messages.deliver_message("payment_received", {"business_key": "BK-1"}, {"amount": 88}, None)
    assert caught == [instance.id]
    db.session.refresh(instance)
    assert instance.status == "completed"
    assert instances.case_data(instance)["paid_total"] == 88
    kinds = [
        e.kind for e in db.session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.seq))
    ]
    assert kinds == ["started", "task_ready", "task_completed", "message_received", "completed"]
    assert audit.verify(instance.id)[0].ok


def test_message_for_nobody_is_a_clear_404(app, sample):
    with pytest.raises(NotFound, match="payment_received"):
        messages.deliver_message("payment_received", {"business_key": "nope"}, {"amount": 1}, None)


def test_form_data_is_validated_and_lists_failing_fields(app, sample, people):
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {}, agent)
    [register] = _open(instance.id)
    with pytest.raises(Invalid) as err:
        instances.complete_task(register.id, {"note": 5, "bogus": 1}, agent)
    fields = {e["field"] for e in err.value.extra["errors"]}
    assert fields == {"needs_visit", "note", "bogus"}
    assert _open(instance.id)[0].id == register.id  # nothing was applied


def test_user_outside_candidate_group_gets_forbidden(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    [register] = _open(instance.id)
    with pytest.raises(Forbidden):
        tasks.claim(register.id, people["lz_staff"].user)
    with pytest.raises(Forbidden):
        instances.complete_task(register.id, {"needs_visit": False}, people["lz_staff"].user)


def test_claim_unclaim_delegate_rules(app, sample, people):
    agent, head, other = people["kf_agent"].user, people["kf_head"].user, people["owner"].user
    instance = instances.start("platform_sample", {}, agent)
    [register] = _open(instance.id)
    tasks.claim(register.id, agent)
    with pytest.raises(Conflict):
        tasks.claim(register.id, other)
    with pytest.raises(Forbidden):  # someone else's task
        instances.complete_task(register.id, {"needs_visit": False}, other)
    with pytest.raises(Invalid):  # delegate must be a candidate
        tasks.delegate(register.id, agent, "lz_staff")
    tasks.delegate(register.id, agent, "owner")
    assert tasks.get(register.id).assignee_id == other.id
    tasks.unclaim(register.id, head)  # the group's head may give it back
    assert tasks.get(register.id).assignee_id is None
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.instance_id == instance.id))]
    assert kinds.count("claimed") == 1 and "delegated" in kinds and "unclaimed" in kinds


def test_boundary_timer_fires_once_through_the_sweep(app, sample, people, at):
    at("2026-03-02T09:00:00+08:00")
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {"branch": "利州区分公司"}, agent)
    [register] = _open(instance.id)
    instances.complete_task(register.id, {"needs_visit": True}, agent)
    [visit] = _open(instance.id)
    assert visit.candidate_group == "利州区分公司"
    [timer] = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)).all()
    assert timer.due_at - clock.now() == pytest.approx(timedelta(hours=2), abs=timedelta(seconds=5))
    at("2026-03-02T10:00:00+08:00")
    assert timers.sweep() == 0
    at("2026-03-02T11:30:00+08:00")
    assert timers.sweep() == 1
    assert timers.sweep() == 0
    [escalate] = _open(instance.id)
    assert escalate.name == "督办"
    assert tasks.get(visit.id).state == "cancelled"
    fired = db.session.scalars(select(Event).where(Event.instance_id == instance.id, Event.kind == "timer_fired")).all()
    assert len(fired) == 1
    payload = json.loads(fired[0].payload_json)
    assert payload["timers"] == ["Timer_visit_late"] and payload["late_seconds"] > 1700
    [escalated] = db.session.scalars(
        select(Event).where(Event.instance_id == instance.id, Event.kind == "escalated")
    ).all()
    assert json.loads(escalated.payload_json) == {"timer": "Timer_visit_late", "name": "2小时未处理", "rule": "S22.4"}
    assert db.session.scalars(select(Timer)).all() == []


def test_replay_reproduces_every_step_and_names_the_divergence(app, sample, people, at):
    at("2026-03-02T09:00:00+08:00")
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {"branch": "利州区分公司"}, agent)
    instances.complete_task(_open(instance.id)[0].id, {"needs_visit": True}, agent)
    at("2026-03-02T12:00:00+08:00")
    timers.sweep()
    instances.complete_task(_open(instance.id)[0].id, {}, agent)
    report = audit.replay(instance.id)
    assert report.ok and report.events_replayed == 4, report
    # Alter the data recorded for the completion (and re-hash it, as a careful forger would): replay still catches it.
    ev = db.session.scalars(
        select(Event).where(Event.instance_id == instance.id, Event.kind == "task_completed")
    ).first()
    db.session.execute(
        update(Event)
        .where(Event.id == ev.id)
        .values(payload_json=json.dumps({"spec_name": "Task_register", "data": {"needs_visit": False}}))
    )
    db.session.commit()
    broken = audit.replay(instance.id)
    assert not broken.ok and broken.first_divergence_seq == ev.seq


def test_audit_verify_catches_an_edited_event_row(app, sample, people):
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {"customer_name": "张三"}, agent)
    assert audit.verify(instance.id)[0].ok
    first = db.session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.seq)).first()
    db.session.execute(
        update(Event).where(Event.id == first.id).values(payload_json=first.payload_json.replace("张三", "李四"))
    )
    db.session.commit()
    report = audit.verify(instance.id)[0]
    assert not report.ok and report.first_broken_seq == 1


def test_restart_between_every_step_ends_in_the_same_state(settings, sample, people, at):
    """A new app object (cold caches) for every step gives the same state as one app running straight through."""
    from app import create_app
    from app.org import users

    def steps(business_key: str):
        holder = {}

        def start():
            holder["id"] = instances.start(
                "platform_sample", {"branch": "利州区分公司"}, None, business_key=business_key
            ).id

        def register():
            instances.complete_task(_open(holder["id"])[0].id, {"needs_visit": True}, users.get_by_username("kf_agent"))

        def visit():
            instances.complete_task(_open(holder["id"])[0].id, {"result": "已修复"}, users.get_by_username("lz_staff"))

        def pay():
            messages.deliver_message("payment_received", {"business_key": business_key}, {"amount": 5}, None)

        return holder, [start, register, visit, pay]

    def outcome(app_obj, instance_id):
        with app_obj.app_context():
            row = db.session.get(ProcessInstance, instance_id)
            kinds = [
                e.kind
                for e in db.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq))
            ]
            return row.status, row.revision, kinds, instances.case_data(row), audit.replay(instance_id).ok

    def fresh_app():
        app_obj = create_app(settings)
        apps.append(app_obj)
        return app_obj

    apps = []

    at("2026-03-02T09:00:00+08:00")
    straight_app = fresh_app()
    holder, run = steps("STRAIGHT")
    with straight_app.app_context():
        for step in run:
            step()
    straight = outcome(straight_app, holder["id"])

    holder2, run2 = steps("RESTART")
    for step in run2:
        with fresh_app().app_context():
            step()
    restarted = outcome(fresh_app(), holder2["id"])
    for app_obj in apps:
        with app_obj.app_context():
            db.session.remove()
            db.engine.dispose()
    assert straight == restarted
    assert straight[0] == "completed" and straight[4] is True


def test_migrating_to_a_new_version_is_recorded_and_replays(app, sample, people):
    owner, agent = people["owner"].user, people["kf_agent"].user
    instance = instances.start("platform_sample", {}, agent, business_key="MIG-1")
    instances.complete_task(_open(instance.id)[0].id, {"needs_visit": True}, agent)
    v2, _ = definitions.deploy(SAMPLE_BPMN.read_bytes().replace("上门处理".encode(), "上门检修".encode()), "v2.bpmn")
    with pytest.raises(Forbidden):
        instances.migrate(instance.id, v2.version, agent)
    migrated = instances.migrate(instance.id, v2.version, owner)
    assert migrated.definition_id == v2.id
    [visit] = _open(instance.id)
    assert visit.name == "上门检修"  # the open task is predicted again on the new version
    assert len(db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)).all()) == 1
    kinds = [
        e.kind for e in db.session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.seq))
    ]
    assert "migrated" in kinds
    assert audit.replay(instance.id).ok and audit.verify(instance.id)[0].ok


def test_migration_is_refused_when_an_element_the_instance_used_is_gone(app, sample, people):
    owner, agent = people["owner"].user, people["kf_agent"].user
    instance = instances.start("platform_sample", {}, agent)
    instances.complete_task(_open(instance.id)[0].id, {"needs_visit": False}, agent)
    # Version 2 drops 登记 altogether: the start event leads straight to the gateway.
    xml = SAMPLE_BPMN.read_text(encoding="utf-8")
    xml = re.sub(r'<bpmn:userTask id="Task_register".*?</bpmn:userTask>', "", xml, flags=re.S)
    xml = re.sub(r'<bpmn:sequenceFlow id="Flow_2"[^>]*/>', "", xml)
    xml = xml.replace("<bpmn:flowNodeRef>Task_register</bpmn:flowNodeRef>", "")
    xml = xml.replace('targetRef="Task_register"', 'targetRef="Gateway_visit"').replace(
        "<bpmn:incoming>Flow_2</bpmn:incoming>", "<bpmn:incoming>Flow_1</bpmn:incoming>"
    )
    xml = re.sub(
        r'<bpmndi:BPMN(Shape|Edge) id="(Task_register|Flow_2)_di".*?</bpmndi:BPMN(Shape|Edge)>', "", xml, flags=re.S
    )
    v2, _ = definitions.deploy(xml.encode("utf-8"), "v2.bpmn")
    with pytest.raises(Conflict, match="登记"):
        instances.migrate(instance.id, v2.version, owner)
    assert db.session.get(ProcessInstance, instance.id).definition_id == sample.id
