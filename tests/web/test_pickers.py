"""Pickers for fields that name a unit, a user or a customer (issue 11): rendered from the x-ui hints, prefilled from
the case, offered as the person types, and checked on the server (a unit that does not exist is a 422 beside its
field, never a task for a group with no members)."""

from __future__ import annotations

import re

import pytest

from app.complaints import intake as complaints
from app.core.errors import Invalid
from app.customers import records as customers
from app.platform import definitions, forms, instances, pickers, tasks
from app.settings import PROJECT_ROOT
from tests.walk import open_tasks
from tests.walk import work as do
from tests.web.test_pages import sign_in

INTAKE = {"channel": "hotline", "received_at": "2026-03-02T09:00:00+08:00",
          "complainant": {"name": "张三", "phone": "13800001234", "address": "东坝街道1号", "anonymous": False},
          "account_no": "LZ-0001", "about": {"unit": "利州区分公司"}, "description": "抄表员未按约定上门",
          "matter": "抄表服务"}  # fmt: skip


@pytest.fixture
def case(app, people, at):
    at("2026-03-02T09:30:00+08:00")
    definitions.deploy((PROJECT_ROOT / "processes" / "complaint.bpmn").read_bytes(), "complaint.bpmn")
    customers.create(
        {"account_no": "LZ-0001", "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "phones": ["13800001234"], "branch": "利州区分公司"},
        people["admin"].user,
    )  # fmt: skip
    return complaints.intake(INTAKE, people["kf_agent"].user).instance_id


def _claimed_page(app, username: str, task) -> tuple:
    browser = sign_in(app, username)
    browser.post(f"/tasks/{task.id}/claim")
    return browser, browser.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_triage_responsible_unit_is_a_unit_picker_prefilled_from_the_intake(app, people, case):
    triage = open_tasks(case)["Task_triage"]
    _, page = _claimed_page(app, "kf_agent", triage)
    field = re.search(r'data-field="responsible_unit">(.*?)data-field="misconduct_alleged"', page, re.S).group(1)
    assert 'class="picker" data-kind="unit"' in field and 'role="combobox"' in field
    assert 'name="responsible_unit" value="利州区分公司" class="picked"' in field  # the unit complained about
    assert 'type="text" name="responsible_unit"' not in field  # no free-text input carries the value


def test_a_unit_that_does_not_exist_is_refused_beside_its_field_and_no_task_goes_to_nobody(app, people, case):
    triage = open_tasks(case)["Task_triage"]
    browser, _ = _claimed_page(app, "kf_agent", triage)
    typo = {
        "action": "complete",
        "severity": "general",
        "responsible_unit": "利州分公司",
        "misconduct_alleged": "false",
    }
    refused = browser.post(f"/tasks/{triage.id}", typo)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(
        r'data-field="responsible_unit">.*?role="alert">单位“利州分公司”不存在，请从列表中选择', text, re.S
    )
    assert 'value="利州分公司" class="picked"' in text  # what was sent is kept, shown with its error
    assert tasks.get(triage.id).state == "ready" and "Task_assign" not in open_tasks(case)
    with pytest.raises(Invalid) as err:  # the API gets the same check
        instances.complete_task(triage.id, {**{k: v for k, v in typo.items() if k != "action"},
                                            "misconduct_alleged": False}, people["kf_agent"].user)  # fmt: skip
    assert err.value.extra["errors"][0]["field"] == "responsible_unit" and "利州分公司" in err.value.detail


def test_assign_renders_a_multi_user_picker_listing_the_responsible_units_people_first(app, people, case):
    """The required 调查人员 (an array of usernames) was an empty checkbox group that could never be submitted."""
    do(case, "Task_triage", people["kf_agent"],
       {"severity": "general", "responsible_unit": "利州区分公司", "misconduct_alleged": False})  # fmt: skip
    assign = open_tasks(case)["Task_assign"]
    browser, page = _claimed_page(app, "lz_head", assign)
    field = re.search(r'data-field="investigators">(.*?)data-field="conflict_declared"', page, re.S).group(1)
    assert 'data-kind="user"' in field and 'data-multiple="1"' in field and 'data-unit="利州区分公司"' in field
    assert 'type="checkbox"' not in field
    offered = browser.get("/pickers/user?unit=利州区分公司").json["options"]
    assert {o["value"] for o in offered} == {"lz_head", "lz_staff", "lz_staff2", "lz_mgr1", "lz_mgr2"}
    anyone = browser.get("/pickers/user?unit=利州区分公司&q=坐席").json["options"]
    assert [o["value"] for o in anyone] == ["kf_agent"]  # typing finds people of other units too
    refused = browser.post(f"/tasks/{assign.id}", {"action": "complete", "conflict_declared": "false"})
    assert "必填：请从列表中选择" in refused.get_data(as_text=True)
    done = browser.post(f"/tasks/{assign.id}", {"action": "complete", "investigators": ["lz_staff", "lz_staff2"],
                                                "conflict_declared": "false"})  # fmt: skip
    assert done.status_code == 303
    assert instances.case_data(instances.get(case))["investigators"] == ["lz_staff", "lz_staff2"]


def test_picker_options_units_by_kind_and_customers_masked(app, people, case):
    browser = sign_in(app, "kf_agent")
    branches = browser.get("/pickers/unit?unit_kind=branch").json["options"]
    assert branches and all(o["hint"] == "主营分公司" for o in branches)
    assert [o["value"] for o in browser.get("/pickers/unit?q=苍溪").json["options"]] == ["苍溪县分公司"]
    found = browser.get("/pickers/customer?q=1234").json
    assert [o["value"] for o in found["options"]] == ["LZ-0001"]
    assert "138****1234" in found["options"][0]["hint"] and "13800001234" not in str(found)  # S21.4
    assert "后 4 位" in browser.get("/pickers/customer?q=12").json["hint"]  # a phone tail is exactly 4 digits
    assert browser.get("/pickers/nothing").status_code == 404


def test_server_checks_every_picker_kind_role_and_unit_kind(app, people):
    schema = {"properties": {
        "unit": {"type": "string", "title": "分公司", "x-ui": {"widget": "unit-picker", "unitKind": "branch"}},
        "head": {"type": "string", "title": "负责人", "x-ui": {"widget": "user-picker", "role": "head"}},
        "team": {"type": "array", "title": "人员", "items": {"type": "string", "x-ui": {"widget": "user-picker"}}},
        "account": {"type": "string", "title": "户号", "x-ui": {"widget": "customer-picker"}},
        "nested": {"type": "object", "properties": {"who": {"type": "string", "x-ui": {"widget": "user-picker"}}}},
    }}  # fmt: skip
    good = {"unit": "利州区分公司", "head": "lz_head", "team": ["lz_staff", "kf_agent"]}
    assert forms.form_problems(schema, good) == []
    bad = {"unit": "客服中心", "head": "lz_staff", "team": ["lz_staff", "ghost"], "account": "NO-1",
           "nested": {"who": "ghost"}}  # fmt: skip
    messages = {p["field"]: p["message"] for p in forms.form_problems(schema, bad)}
    assert messages == {
        "unit": "分公司：“客服中心”不是主营分公司，请从列表中选择",
        "head": "负责人：孙师傅不是部门负责人，请从列表中选择",
        "team": "人员：用户“ghost”不存在，请从列表中选择",
        "account": "户号：户号“NO-1”不在客户档案中，请从档案中查找选择",
        "nested.who": "who：用户“ghost”不存在，请从列表中选择",
    }


def test_prefill_takes_the_first_path_the_case_knows(app):
    schema = {"properties": {"unit": {"type": "string", "prefill": ["about.unit", "branch"]},
                             "kept": {"type": "string", "prefill": "branch"}}}  # fmt: skip
    case = {"branch": "利州区分公司", "about": {"user": "lz_staff"}}
    assert pickers.prefilled(schema, {"kept": "已填"}, case) == {"unit": "利州区分公司", "kept": "已填"}


def test_validation_messages_say_what_is_wrong(app):
    schema = {"type": "object", "required": ["n", "flag"], "properties": {
        "n": {"type": "integer", "title": "天数", "minimum": 1, "maximum": 90},
        "flag": {"type": "boolean", "title": "已告知"},
        "ok": {"type": "boolean", "title": "确认", "const": True},
        "amount": {"type": "number", "title": "金额", "exclusiveMinimum": 0},
        "kind": {"type": "string", "title": "方式", "oneOf": [{"const": "a", "title": "甲"}, {"const": "b", "title": "乙"}]},
        "about": {"type": "object", "title": "被投诉对象", "minProperties": 1, "properties": {
            "user": {"type": "string", "title": "员工"}, "unit": {"type": "string", "title": "单位"}}},
    }}  # fmt: skip
    said = {p["field"]: p["message"] for p in forms.form_problems(schema, {"n": 0, "ok": False, "amount": 0,
                                                                          "kind": "c", "about": {}})}  # fmt: skip
    assert said == {
        "n": "天数：不能小于 1，请填写 1 或更大的数",
        "flag": "已告知：必填：请选择“是”或“否”",
        "ok": "确认：须选择“是”确认",
        "amount": "金额：必须大于 0，请填写比 0 大的数",
        "kind": "方式：请从选项中选择（甲、乙）",
        "about": "被投诉对象：请至少填写一项（员工或单位）",
    }
