"""Issue 12: complaint.bpmn corrected against the seed (附件3 用户投诉管理办法); each test names the rule it enforces."""

from __future__ import annotations

import pytest

from app.core.errors import Invalid
from app.org import directory
from tests.complaints.test_process import TRIAGE, _case, _intake
from tests.walk import open_tasks as _open
from tests.walk import work as _do


def test_C13_2_5_two_conflicted_investigators_do_not_pass(complaint):
    """Item 11: a second investigator dilutes one conflict; at least one investigator must have none."""
    directory.declare_conflict(complaint["lz_staff"].user, "lz_staff2", "friend", "同组多年")
    directory.declare_conflict(complaint["lz_head"].user, "lz_staff2", "relative", "亲属")
    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    with pytest.raises(Invalid) as err:  # both on record in the directory
        _do(
            iid,
            "Task_assign",
            complaint["lz_head"],
            {"investigators": ["lz_staff", "lz_head"], "conflict_declared": True},
        )
    assert "无利害关系" in err.value.extra["errors"][0]["message"]
    with pytest.raises(Invalid):  # one on record, the other declared on the form
        _do(iid, "Task_assign", complaint["lz_head"],
            {"investigators": ["lz_staff", "kf_agent"], "conflict_declared": True,
             "conflicted_investigators": ["kf_agent"]})  # fmt: skip
    _do(iid, "Task_assign", complaint["lz_head"],
        {"investigators": ["lz_staff", "kf_agent"], "conflict_declared": True})  # fmt: skip
    assert _open(iid)["Task_investigate"].assignee_id == complaint["lz_staff"].user.id


def test_C10_other_case_may_be_ruled_valid_by_csc_with_its_reason(complaint):
    """Item 7: a case outside the C9 lists is ruled by CSC either way, with its own stated reason (C10)."""
    from tests.complaints.test_process import _investigate

    iid = _intake(complaint["kf_agent"]).instance_id
    _do(iid, "Task_triage", complaint["kf_agent"], TRIAGE)
    _investigate(iid, complaint)
    with pytest.raises(Invalid):  # the reason is stated
        _do(iid, "Task_validity", complaint["kf_agent"],
            {"valid": True, "reason": "other", "caused_by_company": True, "disputed": False})  # fmt: skip
    _do(iid, "Task_validity", complaint["kf_agent"],
        {"valid": True, "reason": "other", "reason_note": "燃气表箱位置不当，参照 S21 认定有效",
         "caused_by_company": True, "disputed": False})  # fmt: skip
    case = _case(iid)
    assert case["valid"] is True and case["reason"] == "other" and "Task_answer" in _open(iid)


def test_C12_intake_needs_the_complainants_address_unless_anonymous(complaint):
    """Item 9: C12 asks the complainant's 姓名、地址、电话; an anonymous complaint keeps its own rule (C9 invalid 4)."""
    with pytest.raises(Invalid) as err:
        _intake(complaint["kf_agent"], complainant={"name": "张三", "phone": "13800001234", "anonymous": False})
    assert [e["field"] for e in err.value.extra["errors"]] == ["complainant.address"]
    with pytest.raises(Invalid):
        _intake(
            complaint["kf_agent"], complainant={"name": "张三", "phone": "138000012", "address": "", "anonymous": False}
        )
    anonymous = _intake(complaint["kf_agent"], complainant={"anonymous": True}, matter="匿名")
    assert _case(anonymous.instance_id)["complainant"] == {"anonymous": True}
