"""Review and publish as a case (issue 14 §5): author ≠ reviewer, errors block submission, the version goes live only
on approval, sending back reopens the draft, every step is in the case's hash-chained history."""

from __future__ import annotations

import pytest

from app.core.errors import Conflict, Forbidden, Invalid
from app.models import Event
from app.owners import changes, drafts
from app.platform import audit, definitions, instances
from tests.owners.conftest import publish


def _edited_sample(owner):
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    xml = draft.xml.replace('<spiffworkflow:property name="formKey" value="visit" />',
                            '<spiffworkflow:property name="formKey" value="visit" />\n'
                            '          <spiffworkflow:property name="slaHours" value="4" />')  # fmt: skip
    assert xml != draft.xml
    return drafts.save(draft.id, xml, owner.user)


def test_the_author_can_never_approve_their_own_change(change_process):
    owner = change_process["owner"]
    draft = _edited_sample(owner)
    case = changes.submit(draft.id, "上门处理 4 小时内完成", owner.user)
    with pytest.raises(Forbidden, match="作者不能评审"):
        changes.decide(draft.id, "approve", "", owner.user)
    review = changes.open_task(drafts.get(draft.id), changes.REVIEW_TASK)
    assert review.excluded_usernames == "owner"  # notFor=author: no page can hand it to them either
    with pytest.raises(Forbidden):
        instances.complete_task(review.id, {"decision": "approve"}, owner.user)
    assert definitions.live("platform_sample").version == 1
    assert instances.get(case.id).status == "running"


def test_a_second_owner_approves_and_only_then_the_version_is_live(change_process):
    owner, reviewer = change_process["owner"], change_process["owner2"]
    draft = _edited_sample(owner)
    changes.submit(draft.id, "上门处理 4 小时内完成", owner.user)
    assert definitions.live("platform_sample").version == 1
    done = changes.decide(draft.id, "approve", "同意", reviewer.user)
    live = definitions.live("platform_sample")
    assert (done.status, live.version, live.source) == ("published", 2, "browser")
    release = definitions.live_release("platform_sample")
    assert (release.via, release.released_by_id, release.change_instance_id) == ("review", reviewer.user.id,
                                                                               done.change_instance_id)  # fmt: skip
    kinds = [e.kind for e in Event.query.filter_by(instance_id=done.change_instance_id).order_by(Event.seq)]
    assert kinds[0] == "started" and kinds.count("task_completed") == 1
    assert audit.verify(done.change_instance_id)[0].ok  # the hash chain of the change case holds


def test_sent_back_reopens_the_draft_and_resubmission_needs_no_errors(change_process):
    owner, reviewer = change_process["owner"], change_process["owner2"]
    draft = _edited_sample(owner)
    changes.submit(draft.id, "第一次提交", owner.user)
    with pytest.raises(Invalid, match="写明"):
        changes.decide(draft.id, "return", "", reviewer.user)
    back = changes.decide(draft.id, "return", "请同时写明依据", reviewer.user)
    assert back.status == "editing"
    good = back.xml
    broken = drafts.save(draft.id, good.replace('"PT2H"', "import os"), owner.user)
    assert broken.error_count >= 1
    with pytest.raises(Invalid, match="错误"):
        changes.resubmit(draft.id, "已修改", owner.user)
    drafts.save(draft.id, good, owner.user)
    assert changes.resubmit(draft.id, "已修改", owner.user).status == "submitted"
    assert changes.decide(draft.id, "approve", "", reviewer.user).status == "published"


def test_a_draft_with_errors_cannot_be_submitted_and_problems_name_element_and_line(change_process):
    owner = change_process["owner"]
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    bad = drafts.save(draft.id, draft.xml.replace('"PT2H"', "__import__('os')"), owner.user)
    [problem] = [p for p in drafts.problems(bad) if p["severity"] == "error"]
    assert problem["element_id"] == "Timer_visit_late" and problem["line"] and problem["message_zh"]
    with pytest.raises(Invalid, match="错误"):
        changes.submit(draft.id, "试试", owner.user)
    assert drafts.get(draft.id).status == "editing"


def test_unchanged_draft_is_refused_and_rollback_goes_through_the_same_review(change_process):
    owner, reviewer = change_process["owner"], change_process["owner2"]
    same = drafts.start_from_version("platform_sample", None, owner.user)
    with pytest.raises(Conflict, match="相同"):
        changes.submit(same.id, "无变化", owner.user)
    publish(_edited_sample(owner).id, owner, reviewer)
    assert definitions.live("platform_sample").version == 2
    rollback = drafts.start_from_version("platform_sample", 1, owner.user)
    publish(rollback.id, owner, reviewer, "回退到第 1 版")
    assert definitions.live("platform_sample").version == 1  # the old version again, not a copy
    assert [r.via for r in definitions.releases("platform_sample")][:2] == ["review", "review"]


def test_only_process_owners_edit_and_only_the_author_saves(change_process):
    owner, other = change_process["owner"], change_process["owner2"]
    with pytest.raises(Forbidden):
        drafts.start_from_version("platform_sample", None, change_process["admin"].user)
    draft = drafts.start_from_version("platform_sample", None, owner.user)
    with pytest.raises(Forbidden):
        drafts.save(draft.id, draft.xml, other.user)
