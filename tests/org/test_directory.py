"""The directory: units, staff, and conflict-of-interest declarations for complaint recusal (C13.2.5)."""

from __future__ import annotations

import pytest

from app import demo
from app.core.errors import Forbidden, Invalid, NotFound
from app.org import directory


def test_units_and_users_with_roles_and_superiors(app, people):
    units = {unit.name: (unit.kind, unit.district, count) for unit, count in directory.list_units()}
    assert units["客服中心"][0] == "csc" and units["苍溪县分公司"] == ("branch", "苍溪县", 1)
    assert {name for name, (kind, _, _) in units.items() if kind == "branch"} == {f"{d}分公司" for d in demo.BRANCHES}
    lizhou = {u.username: u for u in directory.list_users(unit="利州区分公司")}
    assert set(lizhou) == {"lz_head", "lz_staff", "lz_staff2", "lz_mgr1", "lz_mgr2"}
    assert [u.username for u in directory.list_users(role="customer_manager")] == ["lz_mgr1", "lz_mgr2"]  # M4
    assert lizhou["lz_staff"].superior_id == lizhou["lz_head"].id and "head" in lizhou["lz_head"].roles
    assert [u.username for u in directory.list_users(role="auditor")] == ["auditor"]
    with pytest.raises(Invalid, match="未知角色"):
        directory.list_users(role="boss")


def test_C13_2_5_conflict_binds_both_ways_until_withdrawn(app, people):
    staff, colleague, other = people["lz_staff"].user, people["lz_staff2"].user, people["cx_staff"].user
    assert not directory.conflicted(staff, colleague)
    row = directory.declare_conflict(staff, "lz_staff2", "relative", "表兄弟")
    assert directory.conflicted(staff, colleague) and directory.conflicted(colleague.id, staff.id)
    assert not directory.conflicted(staff, other)
    assert directory.conflicted(staff, staff)  # nobody investigates a complaint about themselves
    assert directory.declare_conflict(colleague, "lz_staff", "friend").id == row.id  # already declared
    assert [r.id for r in directory.list_conflicts(colleague)] == [row.id]
    assert directory.list_conflicts(other) == [] and len(directory.list_conflicts(people["auditor"].user)) == 1
    with pytest.raises(Forbidden):
        directory.withdraw_conflict(other, row.id)
    directory.withdraw_conflict(staff, row.id)
    assert not directory.conflicted(staff, colleague)
    assert directory.list_conflicts(staff) == [] and len(directory.list_conflicts(staff, include_withdrawn=True)) == 1


def test_C13_2_5_declarations_are_checked(app, people):
    staff = people["lz_staff"].user
    with pytest.raises(Invalid, match="利益冲突类型“enemy”无效"):
        directory.declare_conflict(staff, "lz_staff2", "enemy")
    with pytest.raises(Invalid, match="不能与本人"):
        directory.declare_conflict(staff, "lz_staff", "interest")
    with pytest.raises(NotFound):
        directory.declare_conflict(staff, "ghost", "friend")
    with pytest.raises(Forbidden):
        directory.declare_conflict(staff, "cx_staff", "friend", on_behalf_of="lz_staff2")
    made = directory.declare_conflict(people["admin"].user, "cx_staff", "colleague", on_behalf_of="lz_staff2")
    assert made.user_id == people["lz_staff2"].user.id and made.declared_by_id == people["admin"].user.id
    assert directory.conflicted(people["cx_staff"].user, people["lz_staff2"].user)


def test_full_demo_directory_has_managers_for_every_branch(app):
    demo.load_full_directory()
    for district in demo.BRANCHES:
        managers = directory.list_users(unit=f"{district}分公司")
        assert {demo.manager_username(district, 1), demo.manager_username(district, 2)} <= {
            u.username for u in managers
        }
