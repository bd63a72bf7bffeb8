"""Whole-database seals (issue 15 §5, issue 13 §8): a deleted case, a case added afterwards with a back-dated start and
a rolled-back database are found; an untouched database gives no alarm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from app import clock
from app.core.errors import NotFound
from app.extensions import db
from app.models import Correlation, Event, HumanTask, ProcessInstance, Seal, SealLeaf, Timer
from app.platform import instances, merkle, seal_check, seals
from tests.walk import work


def _cases(people, n: int = 3) -> list[int]:
    ids = []
    for i in range(n):
        instance = instances.start("platform_sample", {"customer_name": f"客户{i}"}, people["kf_agent"].user)
        ids.append(instance.id)
    work(ids[0], "Task_register", people["kf_agent"], {"needs_visit": True})
    return ids


def _delete_case(instance_id: int) -> None:
    for model in (Event, HumanTask, Timer, Correlation):
        db.session.execute(delete(model).where(model.instance_id == instance_id))
    db.session.execute(delete(ProcessInstance).where(ProcessInstance.id == instance_id))
    db.session.commit()


def test_an_untouched_database_gives_no_alarm_even_after_more_work(app, sample, people):
    ids = _cases(people)
    record = seals.seal_now(actor="auditor")
    assert record.seq == 1 and record.cases == 3 and record.short_code.startswith("S1-")
    work(ids[0], "Task_visit", people["lz_staff"], {"result": "已修复"})  # cases move on after the seal: not an alarm
    instances.start("platform_sample", {}, people["kf_agent"].user)  # a new case after the seal: not an alarm
    verdict = seal_check.against_latest()
    assert verdict.ok, verdict.findings
    assert verdict.cases_checked == 3
    second = seals.seal_now()
    assert second.prev_hash == record.hash and seal_check.against_latest().ok
    assert seal_check.against_code(record.short_code.lower()).ok


def test_a_deleted_case_is_named(app, sample, people):
    ids = _cases(people)
    seals.seal_now()
    _delete_case(ids[1])
    verdict = seal_check.against_latest()
    assert not verdict.ok
    assert [(f.kind, f.instance_id) for f in verdict.findings] == [("deleted", ids[1])]


def test_a_case_added_afterwards_with_a_back_dated_start_is_named(app, sample, people):
    _cases(people)
    record = seals.seal_now()
    late = instances.start("platform_sample", {}, people["kf_agent"].user)
    back = clock.now() - timedelta(days=3)
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == late.id).values(started_at=back))
    db.session.commit()
    verdict = seal_check.against_latest()
    assert [(f.kind, f.instance_id) for f in verdict.findings] == [("added_after", late.id)]
    assert record.max_instance_id < late.id


def test_a_rolled_back_database_is_named_from_the_seal_log(app, sample, people):
    ids = _cases(people)
    first = seals.seal_now()
    later = instances.start("platform_sample", {}, people["kf_agent"].user)
    second = seals.seal_now()
    # The database as it was before the second seal (a restored backup): the later case and the second seal are gone.
    db.session.execute(
        delete(SealLeaf).where(SealLeaf.seal_id == select(Seal.id).where(Seal.seq == 2).scalar_subquery())
    )
    db.session.execute(delete(Seal).where(Seal.seq == 2))
    db.session.commit()
    _delete_case(later.id)
    verdict = seal_check.against_latest()
    assert verdict.seal.seq == first.seq
    kinds = [f.kind for f in verdict.findings]
    assert kinds == ["rolled_back"] and second.short_code in verdict.findings[0].text
    with pytest.raises(NotFound, match="回退"):
        seal_check.against_code(second.short_code)
    assert ids


def test_history_cut_short_or_rewritten_before_the_seal_is_named(app, sample, people):
    ids = _cases(people)
    seals.seal_now()
    last = db.session.scalars(select(Event).where(Event.instance_id == ids[0]).order_by(Event.seq.desc())).first()
    db.session.execute(delete(Event).where(Event.id == last.id))
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == ids[0]).values(event_seq=last.seq - 1))
    db.session.execute(update(Event).where(Event.instance_id == ids[2], Event.seq == 2).values(hash="0" * 64))
    db.session.commit()
    found = {(f.kind, f.instance_id) for f in seal_check.against_latest().findings}
    assert found == {("cut_short", ids[0]), ("rewritten", ids[2])}


def test_a_seal_whose_leaves_or_signature_were_edited_is_named(app, sample, people):
    ids = _cases(people)
    seals.seal_now()
    db.session.execute(update(SealLeaf).where(SealLeaf.instance_id == ids[1]).values(instance_id=9999))
    db.session.commit()
    texts = " ".join(f.text for f in seal_check.against_latest().findings)
    assert "leaves do not match the root" in texts
    db.session.execute(update(Seal).values(signature="0" * 64))
    db.session.commit()
    assert "signature does not verify" in " ".join(f.text for f in seal_check.against_latest().findings)


def test_the_daily_job_seals_once_a_day(app, sample, people, at):
    at("2026-03-02T01:00:00+08:00")
    _cases(people, 1)
    assert seals.daily() is not None
    assert seals.daily() is None
    at("2026-03-03T01:00:00+08:00")
    assert seals.daily().seq == 2
    assert len(seals.logged()) == 2


def test_inclusion_proofs_tie_each_case_to_the_root():
    leaves = [seals.leaf_bytes(i, i % 5 + 1, f"{i:064x}") for i in range(1, 12)]
    root = merkle.root(leaves)
    for index, leaf in enumerate(leaves):
        proof = merkle.inclusion_proof(leaves, index)
        assert merkle.verify_inclusion(leaf, index, len(leaves), proof, root)
        assert not merkle.verify_inclusion(leaf + b"x", index, len(leaves), proof, root)
