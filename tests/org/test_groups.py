"""Lane names to candidate groups (issue 2 §7) and a user's groups."""

from __future__ import annotations

from types import SimpleNamespace

from app.org.groups import candidate_group, groups_of


def _user(unit: str, kind: str, *roles: str):
    return SimpleNamespace(unit=SimpleNamespace(name=unit, kind=kind), roles=frozenset(roles))


def test_unit_lanes_are_their_own_group():
    assert candidate_group("客服中心", {}) == "客服中心"
    assert candidate_group(None, {}) is None


def test_branch_and_responsible_unit_lanes_follow_the_case():
    case = {"branch": "利州区分公司"}
    assert candidate_group("分公司", case) == "利州区分公司"
    assert candidate_group("责任单位", case) == "利州区分公司"
    assert candidate_group("责任单位", {**case, "responsible_unit": "安装公司"}) == "安装公司"
    assert candidate_group("部门负责人", {**case, "responsible_unit": "安装公司"}) == "部门负责人@安装公司"
    assert candidate_group("分公司", {}) == "分公司"


def test_heads_hold_their_units_head_group_and_branch_staff_the_branch_group():
    head = groups_of(_user("利州区分公司", "branch", "staff", "head"))
    assert {"利州区分公司", "分公司", "部门负责人", "部门负责人@利州区分公司"} <= head
    staff = groups_of(_user("利州区分公司", "branch", "staff"))
    assert "部门负责人@利州区分公司" not in staff
    assert groups_of(_user("客服中心", "csc", "staff")) == frozenset({"客服中心"})
