"""The customer archive through the services on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import Conflict, Forbidden, Invalid
from app.customers import records as customers
from app.customers import search as customer_search
from app.customers.fields import resident_check_digit
from app.customers.search import CustomerQuery
from app.extensions import db
from app.models import Customer, CustomerPhone, CustomerView

CX_CUSTOMER = {
    "account_no": "cx00000001",
    "name": "苍溪县第一小学",
    "customer_class": "A3",
    "district": "苍溪县",
    "street": "陵江镇",
    "estate": "滨江路",
    "room": "88号",
    "phones": "13812345678; 0839-5221234",
    "id_number": "",
    "branch": "苍溪县",
    "manager": "cx_staff",
}


def _add(actor, **changes):
    return customers.create({**CX_CUSTOMER, **changes}, actor)


def _search(**kwargs):
    return [r.account_no for r in customer_search.search(CustomerQuery(**kwargs)).records]


def test_create_normalises_and_stores_phones_with_their_reversed_digits(app, people):
    record = _add(people["kf_agent"].user)
    assert record.account_no == "CX00000001" and record.branch["name"] == "苍溪县分公司"
    assert record.manager["username"] == "cx_staff" and record.class_label == "其他含公福"
    assert record.supply_status == "normal" and record.supply_status_label == "正常"
    rows = db.session.execute(select(CustomerPhone.phone, CustomerPhone.phone_reversed).order_by("position")).all()
    assert [tuple(r) for r in rows] == [("13812345678", "87654321831"), ("08395221234", "43212259380")]


def test_validation_messages_are_chinese_and_complete(app, people):
    with pytest.raises(Invalid) as err:
        _add(people["kf_agent"].user, phones="1234", customer_class="A9", branch="成都分公司")
    problems = err.value.extra["problems"]
    assert any("电话号码“1234”格式不正确" in p for p in problems)
    assert any("客户类别“A9”无效" in p for p in problems)
    assert any("分公司“成都分公司”不存在" in p for p in problems)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize("klass", ["A1", "A2", "A3", "B1"])
def test_M4_manager_required_for_A_and_B1(app, people, klass):
    with pytest.raises(Invalid, match="必须指定客户经理"):
        _add(people["kf_agent"].user, customer_class=klass, manager="")
    with pytest.raises(Invalid, match="客户经理“nobody”不是在职用户"):
        _add(people["kf_agent"].user, customer_class=klass, manager="nobody")


def test_M4_B2_households_need_no_manager_and_duplicates_conflict(app, people):
    _add(people["kf_agent"].user, customer_class="B2", manager="", name="张三")
    with pytest.raises(Conflict, match="已存在"):
        _add(people["kf_agent"].user, customer_class="B2", manager="")


def test_branches_edit_only_their_own_customers(app, people):
    with pytest.raises(Forbidden):
        _add(people["lz_staff"].user)  # a 利州区 fitter cannot file a 苍溪县 customer
    record = _add(people["cx_staff"].user)
    with pytest.raises(Forbidden):
        customers.update(record.id, {"name": "改名"}, people["lz_staff"].user)
    with pytest.raises(Forbidden, match="客服中心"):
        customers.update(record.id, {"branch": "利州区"}, people["cx_staff"].user)
    changed = customers.update(record.id, {"supply_status": "停气", "phones": "13900001111"}, people["cx_staff"].user)
    assert changed.supply_status == "disconnected" and changed.phones == ["13900001111"] and changed.revision == 2
    with pytest.raises(Conflict, match="已被他人修改"):
        customers.update(record.id, {"name": "x"}, people["cx_staff"].user, revision=1)
    with pytest.raises(Invalid, match="必须指定客户经理"):
        customers.update(record.id, {"manager": ""}, people["kf_agent"].user)


def test_only_admin_deletes_and_the_view_log_outlives_the_customer(app, people):
    record = _add(people["kf_agent"].user)
    customers.open_record(record.id, people["kf_agent"].user)
    with pytest.raises(Forbidden):
        customers.delete(record.id, people["kf_agent"].user)
    customers.delete(record.id, people["admin"].user)
    assert db.session.scalar(select(func.count()).select_from(CustomerPhone)) == 0
    logged = db.session.scalars(select(CustomerView).where(CustomerView.channel == "view")).all()
    assert [(v.customer_id, v.account_no) for v in logged] == [(None, "CX00000001")]


def test_search_by_phone_suffix_account_name_and_address(app, people):
    agent = people["kf_agent"].user
    _add(agent)
    _add(agent, account_no="LZ00000002", name="张三", branch="利州区", district="利州区", street="东坝街道",
         estate="滨江花园", phones="13900005678", customer_class="B2", manager="")  # fmt: skip
    _add(agent, account_no="LZ00000003", name="张三丰", branch="利州区", district="利州区", street="嘉陵街道",
         estate="凤凰城", phones="0839-3265678", customer_class="B2", manager="")  # fmt: skip
    # ordered by the reversed number (the index order): ...0000931 < ...4321831 < ...6239380
    assert _search(phone="5678") == ["LZ00000002", "CX00000001", "LZ00000003"]
    assert _search(q="5678", district="利州区") == ["LZ00000002", "LZ00000003"]
    assert _search(phone="0839-326-5678") == ["LZ00000003"]
    assert _search(q="1234") == ["CX00000001"]  # the landline 0839-5221234, the second phone
    assert _search(q="lz0000000") == ["LZ00000002", "LZ00000003"]
    assert _search(account="LZ00000003") == ["LZ00000003"]
    assert _search(q="张三") == ["LZ00000002", "LZ00000003"]
    assert _search(name="张三丰") == ["LZ00000003"]
    assert _search(address="滨江") == ["LZ00000002", "CX00000001"]  # 滨江花园 < 滨江路 (estate order)
    assert _search(address="滨江", branch="利州区分公司") == ["LZ00000002"]
    assert _search(customer_class="A3") == ["CX00000001"]
    page = customer_search.search(CustomerQuery(q="张", limit=1))
    assert [r.account_no for r in page.records] == ["LZ00000002"] and page.has_more
    with pytest.raises(Invalid, match="后 4 位"):
        _search(phone="78")


def test_S21_4_search_lists_are_masked_for_everyone(app, people):
    _add(people["kf_agent"].user)
    logged = db.session.scalar(select(func.count()).select_from(CustomerView))
    [record] = customer_search.search(CustomerQuery(q="CX00000001")).records
    assert record.masked and record.phones == ["138****5678", "083****1234"]
    assert db.session.scalar(select(func.count()).select_from(CustomerView)) == logged


def test_S21_4_lizhou_branch_sees_cangxi_phone_masked_manager_sees_it_whole_and_is_logged(app, people, at):
    moved_to = at("2026-03-02T09:00:00+08:00")
    id_number = "51082419900101123" + resident_check_digit("51082419900101123")
    record = _add(people["kf_head"].user, id_number=id_number, manager="lz_head")
    lizhou = customers.open_record(record.id, people["lz_staff"].user)
    assert lizhou.masked and lizhou.phones == ["138****5678", "083****1234"]
    assert lizhou.id_number == "510" + "*" * 11 + id_number[-4:]
    manager = customers.open_record(record.id, people["lz_head"].user)  # in 利州区 too, but the manager (M4)
    assert not manager.masked and manager.phones == ["13812345678", "08395221234"]
    assert manager.id_number == id_number
    views = customers.view_log(people["auditor"].user, customers.ViewLogQuery(customer_id=record.id))
    [seen] = [v for v in views if v.channel == "view"]
    assert seen.user_id == people["lz_head"].user.id and seen.account_no == "CX00000001"
    assert timedelta(0) <= seen.viewed_at - moved_to < timedelta(minutes=1)  # the clock, moved by time travel
    assert people["lz_staff"].user.id not in {v.user_id for v in views}  # a masked view is not an unmasked one


@pytest.mark.parametrize("reader", ["cx_staff", "kf_agent", "auditor"])
def test_S21_4_branch_csc_and_auditors_see_whole_numbers(app, people, reader):
    record = _add(people["kf_head"].user, manager="lz_head")
    assert not customers.open_record(record.id, people[reader].user).masked


def test_S21_4_only_auditors_read_the_view_log(app, people):
    with pytest.raises(Forbidden):
        customers.view_log(people["admin"].user, customers.ViewLogQuery())
