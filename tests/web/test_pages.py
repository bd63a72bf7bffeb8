"""The staff pages through the Flask test client (issue 7): sign-in, inbox, task actions, forms, case, errors.

Runs on SQLite and, with GASFLOW_TEST_POSTGRES, on PostgreSQL (the shared fixtures)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.platform import attachments, case_view, instances, tasks

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A signed-in test client that sends the CSRF token like the pages do."""

    def __init__(self, client):
        self.client = client
        self.token = ""

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def sign_in(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.get("/login")
    response = browser.post("/login", {"username": username, "password": "gasflow-demo"})
    assert response.status_code == 303
    browser.get("/inbox")
    return browser


def field_error(page: str, field: str) -> str:
    """The error text a page shows beside a form field ("" when there is none)."""
    found = re.search(rf'data-field="{field}">.*?<span class="error-text" role="alert">([^<]+)</span>', page, re.S)
    return found.group(1) if found else ""


def claimed(app, username: str, task) -> Browser:
    """``username`` signed in, the task claimed and its page opened."""
    person = sign_in(app, username)
    person.post(f"/tasks/{task.id}/claim")
    person.get(f"/tasks/{task.id}")
    return person


def _start(people, business_key=None, **data):
    return instances.start("platform_sample", data, people["kf_agent"].user, business_key=business_key)


def _open_task(instance_id):
    return next(t for t in tasks.of_instance(instance_id) if t.state == "ready")


def test_pages_send_strangers_to_the_login_page(client):
    response = client.get("/inbox?view=group")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/inbox")


def test_login_needs_the_csrf_token_and_explains_a_wrong_password(client, people):
    refused = client.post("/login", data={"username": "kf_agent", "password": "gasflow-demo"})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    browser = Browser(client)
    browser.get("/login")
    wrong = browser.post("/login", {"username": "kf_agent", "password": "nope-nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)


def test_after_several_wrong_passwords_the_login_page_says_how_long_to_wait(client, people):
    browser = Browser(client)
    browser.get("/login")
    for _ in range(5):
        browser.post("/login", {"username": "kf_agent", "password": "nope-nope"})
    locked = browser.post("/login", {"username": "kf_agent", "password": "gasflow-demo"})
    text = locked.get_data(as_text=True)
    assert locked.status_code == 429 and re.search(r"请 \d+ 秒后再试", text) and "(too many" not in text


def test_login_goes_to_next_only_on_this_site(app, people):
    browser = Browser(app.test_client())
    browser.get("/login")
    outside = browser.post("/login", {"username": "kf_agent", "password": "gasflow-demo", "next": "//evil.example/x"})
    assert outside.headers["Location"] == "/inbox"
    browser = Browser(app.test_client())
    browser.get("/login")
    inside = browser.post("/login", {"username": "kf_agent", "password": "gasflow-demo", "next": "/start"})
    assert inside.headers["Location"] == "/start"


def test_an_idle_session_times_out(app, people):
    browser = sign_in(app, "kf_agent")
    with browser.client.session_transaction() as session:
        session["seen"] = clock.system_now().timestamp() - app.config["GASFLOW"].session_minutes * 60 - 5
    response = browser.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "长时间未操作" in browser.get("/login").get_data(as_text=True)


def test_a_page_view_rewrites_the_session_cookie_at_most_once_a_minute(app, people):
    """Found by the journeys (issue 11): the session is a cookie, and each page view wrote it back, so the inbox's
    search request still in flight when 认领 was clicked answered with the old session and dropped "已认领"."""
    browser = sign_in(app, "kf_agent")
    for path in ("/inbox?view=group", "/inbox?view=group&q=BT", "/start"):
        assert "Set-Cookie" not in browser.get(path).headers, path  # nothing changed: nothing to overwrite with
    with browser.client.session_transaction() as session:
        session["seen"] -= 61
    assert "Set-Cookie" in browser.get("/inbox").headers  # the idle timer still moves on
    assert browser.get("/inbox").status_code == 200


def test_logout_ends_the_session(app, people):
    browser = sign_in(app, "kf_agent")
    assert browser.post("/logout").status_code == 303
    assert browser.get("/inbox").status_code == 302


def test_inbox_views_counts_search_and_case_number(app, people, sample):
    first = _start(people, "BK-100", customer_name="张三", phone="13800000001")
    second = _start(people, None, customer_name="李四", account_no="LZ7788")
    browser = sign_in(app, "kf_agent")
    group = browser.get("/inbox?view=group").get_data(as_text=True)
    assert "BK-100" in group and "李四" in group
    assert re.search(r'data-view="group">\s*组内待办 <span class="count">2</span>', group)
    by_phone = browser.get("/inbox?view=group&q=13800000001").get_data(as_text=True)
    assert "BK-100" in by_phone and "李四" not in by_phone
    by_number = browser.get(f"/inbox?view=group&q={second.id}").get_data(as_text=True)
    assert "李四" in by_number and "BK-100" not in by_number
    assert "张三" in browser.get("/inbox?view=group&group=客服中心&process=platform_sample").get_data(as_text=True)
    assert "没有符合条件的任务" in browser.get("/inbox?view=group&group=利州区分公司").get_data(as_text=True)
    partial = browser.get("/inbox?view=group", headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    assert "<html" not in partial.get_data(as_text=True) and "BK-100" in partial.get_data(as_text=True)
    assert first.id != second.id


def test_inbox_pages_of_fifty(app, people, sample):
    for n in range(51):
        _start(people, f"P-{n:03d}")
    browser = sign_in(app, "kf_agent")
    page_one = browser.get("/inbox?view=group").get_data(as_text=True)
    assert page_one.count("data-task=") == 50 and "第 1/2 页" in page_one and "下一页" in page_one
    page_two = browser.get("/inbox?view=group&page=2").get_data(as_text=True)
    assert page_two.count("data-task=") == 1


def test_claim_then_a_second_claim_gets_a_plain_409_sentence(app, people, sample):
    task = _open_task(_start(people, "BK-409").id)
    agent, head = sign_in(app, "kf_agent"), sign_in(app, "kf_head")
    assert agent.post(f"/tasks/{task.id}/claim", {"next": "/inbox?view=group"}).status_code == 303
    late = head.post(f"/tasks/{task.id}/claim", {"next": "/inbox?view=group"})
    assert late.status_code == 303 and late.headers["Location"] == "/inbox?view=group"
    text = head.get("/inbox?view=group").get_data(as_text=True)
    assert "任务刚被他人认领。请刷新列表后选择其他任务。" in text and "just claimed" not in text


def test_claim_by_a_non_member_is_refused_with_a_next_step(app, people, sample):
    task = _open_task(_start(people, "BK-403").id)
    stranger = sign_in(app, "cx_staff")
    stranger.post(f"/tasks/{task.id}/claim", {"next": "/inbox"})
    text = stranger.get("/inbox").get_data(as_text=True)
    assert "您不在“客服中心”组，不能认领此任务。如需办理，请联系本组部门负责人。" in text


def test_task_form_inline_errors_draft_and_completion(app, people, sample):
    task = _open_task(_start(people, "BK-FORM").id)
    agent = sign_in(app, "kf_agent")
    agent.post(f"/tasks/{task.id}/claim")
    page = agent.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="needs_visit" value="true"' in page and "是" in page and 'id="complete"' in page
    invalid = agent.post(f"/tasks/{task.id}", {"action": "complete", "note": "x" * 2001})
    text = invalid.get_data(as_text=True)
    assert invalid.status_code == 422
    assert re.search(
        r'data-field="needs_visit">.*?<span class="error-text" role="alert">必填：请选择“是”或“否”</span>', text, re.S
    )
    assert re.search(
        r'data-field="note">.*?<span class="error-text" role="alert">最多 2000 个字（现有 2001 个）</span>', text, re.S
    )
    agent.get(f"/tasks/{task.id}")
    saved = agent.post(f"/tasks/{task.id}", {"action": "draft", "note": "先记下"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "草稿已保存" in saved.get_data(as_text=True)
    assert 'value="先记下"' in agent.get(f"/tasks/{task.id}").get_data(as_text=True)
    done = agent.post(f"/tasks/{task.id}", {"action": "complete", "needs_visit": "false", "note": "无需上门"})
    assert done.status_code == 303 and done.headers["Location"] == "/inbox"
    assert instances.case_data(instances.get(task.instance_id))["needs_visit"] is False
    assert "已载入草稿" not in agent.get(f"/tasks/{task.id}").get_data(as_text=True)  # draft discarded


def test_an_unclaimed_task_shows_claim_not_the_form(app, people, sample):
    task = _open_task(_start(people, "BK-UNCL").id)
    page = sign_in(app, "kf_agent").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "认领并办理" in page and 'id="complete"' not in page


def test_delegate_from_the_task_page(app, people, sample):
    instance = _start(people, "BK-DEL", branch="利州区分公司")
    register = _open_task(instance.id)
    tasks.claim(register.id, people["kf_agent"].user)
    instances.complete_task(register.id, {"needs_visit": True}, people["kf_agent"].user)
    visit = _open_task(instance.id)
    worker = sign_in(app, "lz_staff")
    worker.post(f"/tasks/{visit.id}/claim")
    page = worker.get(f"/tasks/{visit.id}").get_data(as_text=True)
    assert 'value="lz_staff2"' in page and 'value="cx_staff"' not in page  # only members of the group
    worker.post(f"/tasks/{visit.id}/delegate", {"to": "cx_staff"})
    assert "不能接办" in worker.get(f"/tasks/{visit.id}").get_data(as_text=True)
    worker.post(f"/tasks/{visit.id}/delegate", {"to": "lz_staff2"})
    assert tasks.get(visit.id).assignee_id == people["lz_staff2"].user.id


def test_case_page_marks_done_active_and_overdue_elements(app, people, sample, at):
    at("2026-03-02T09:00:00+08:00")
    instance = _start(people, "BK-CASE", customer_name="王五")
    register = _open_task(instance.id)
    tasks.claim(register.id, people["kf_agent"].user)
    instances.complete_task(register.id, {"needs_visit": True}, people["kf_agent"].user)
    marks = case_view.element_marks(instances.get(instance.id))
    assert marks["Task_register"] == "done" and marks["StartEvent_1"] == "done" and marks["Task_visit"] == "active"
    page = sign_in(app, "kf_agent").get(f"/cases/{instance.id}").get_data(as_text=True)
    assert "BK-CASE" in page and "王五" in page and "办理完成" in page and '"Task_visit": "active"' in page
    xml = sign_in(app, "kf_agent").get(f"/cases/{instance.id}/diagram.xml")
    assert xml.status_code == 200 and b"Task_visit" in xml.data


def test_overdue_mark_follows_the_task_due_time(app, people):
    from app.platform import definitions
    from tests.browser.conftest import SLA_SAMPLE

    definitions.deploy(SLA_SAMPLE.encode("utf-8"), "platform_sample.bpmn")
    instance = _start(people, "BK-LATE", branch="利州区分公司")
    register = _open_task(instance.id)
    tasks.claim(register.id, people["kf_agent"].user)
    instances.complete_task(register.id, {"needs_visit": True}, people["kf_agent"].user)
    assert case_view.element_marks(instances.get(instance.id))["Task_visit"] == "active"
    from app.platform import clock_admin

    clock_admin.set_clock(clock.system_now() + timedelta(hours=3))
    assert case_view.element_marks(instances.get(instance.id))["Task_visit"] == "overdue"
    text = sign_in(app, "lz_staff").get("/inbox?view=overdue").get_data(as_text=True)
    assert "BK-LATE" in text and 'class="badge late">已超期' in text and "超期 1小时" in text


def test_strangers_get_a_chinese_403_page_and_unknown_cases_a_404_page(app, people, sample):
    instance = _start(people, "BK-SECRET")
    stranger = sign_in(app, "cx_staff")
    forbidden = stranger.get(f"/cases/{instance.id}")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.get_data(as_text=True)
    assert "您与此案件无关，无权查看" in forbidden.get_data(as_text=True)
    missing = stranger.get("/cases/999999")
    assert missing.status_code == 404 and "请返回待办列表" in missing.get_data(as_text=True)
    assert stranger.get("/no/such/page").status_code == 404


def test_the_api_keeps_json_errors(client, people):
    response = client.get("/api/v1/no-such-thing", headers=people["kf_agent"].headers)
    assert response.status_code == 404 and response.is_json


def test_a_completed_task_refuses_a_second_submission_with_a_sentence(app, people, sample):
    task = _open_task(_start(people, "BK-TWICE").id)
    agent = sign_in(app, "kf_agent")
    agent.post(f"/tasks/{task.id}/claim")
    agent.post(f"/tasks/{task.id}", {"action": "complete", "needs_visit": "false"})
    again = agent.post(f"/tasks/{task.id}", {"action": "complete", "needs_visit": "false"})
    assert again.status_code == 303
    assert "此任务已办结，无需再办理" in agent.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_attachments_are_kept_with_the_case_and_size_limited(app, people, sample):
    instance = _start(people, "BK-FILE")
    agent = people["kf_agent"].user
    reference = attachments.add(instance.id, agent, "photo", "../现场照片.jpg", "image/jpeg", b"\xff\xd8data")
    assert reference["name"] == "现场照片.jpg" and reference["size"] == 6
    with sign_in(app, "kf_agent").get(f"/cases/{instance.id}/attachments/{reference['attachment_id']}") as download:
        assert download.status_code == 200 and download.data == b"\xff\xd8data"
    assert any(e.label == "上传附件" for e in case_view.timeline(instance))
    with pytest.raises(Exception, match="超过 5 MB"):
        attachments.add(instance.id, agent, "photo", "big.bin", "", b"x" * (attachments.MAX_ATTACHMENT_BYTES + 1))
    assert (
        sign_in(app, "cx_staff").get(f"/cases/{instance.id}/attachments/{reference['attachment_id']}").status_code
        == 403
    )


def test_start_page_validates_inline_and_starts_a_case(app, people, sample):
    agent = sign_in(app, "kf_agent")
    assert "平台示例流程" in agent.get("/start").get_data(as_text=True)
    agent.get("/start/platform_sample")
    bad = agent.post("/start/platform_sample", {"phone": "abc"})
    assert bad.status_code == 422 and re.search(r'data-field="phone">.*?格式不正确', bad.get_data(as_text=True), re.S)
    good = agent.post(
        "/start/platform_sample", {"business_key": "BK-START", "customer_name": "赵六", "branch": "利州区分公司"}
    )
    assert good.status_code == 303 and good.headers["Location"].startswith("/cases/")


def test_overview_is_for_heads_and_csc_and_counts_per_unit(app, people, sample):
    _start(people, "BK-OV1")
    _start(people, "BK-OV2")
    assert sign_in(app, "lz_staff").get("/overview").status_code == 403
    page = sign_in(app, "kf_head").get("/overview").get_data(as_text=True)
    assert re.search(r"<td>客服中心</td><td>2</td>", page) and 'href="/board"' in page


def test_admin_pages_for_admins_only(app, people):
    admin = sign_in(app, "admin")
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert "孙师傅" in users_page and "利州区分公司" in users_page and "部门负责人" in users_page
    calendar = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'title="2026-10-01 国庆节"' in calendar or "国庆" in calendar
    assert "尚未录入" in admin.get("/admin/calendar?year=2031").get_data(as_text=True)
    admin.get("/admin/calendar?year=2031")
    imported = admin.post("/admin/calendar/import", {"csv": "date,workday,name\n2031-01-01,0,元旦\n"})
    assert imported.status_code == 303
    assert "尚未录入" not in admin.get("/admin/calendar?year=2031").get_data(as_text=True)
    assert "系统时钟" in admin.get("/admin/settings").get_data(as_text=True)
    assert sign_in(app, "kf_agent").get("/admin/users").status_code == 403


def test_start_page_customer_lookup_is_masked_and_fills_the_form(app, people, sample):
    from app.customers import records as customers
    from tests.customers.test_records import CX_CUSTOMER

    customers.create(CX_CUSTOMER, people["admin"].user)
    agent = sign_in(app, "kf_agent")
    assert 'id="customer-lookup"' in agent.get("/start/platform_sample").get_data(as_text=True)
    found = agent.get("/customers/lookup?q=5678", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "苍溪县第一小学" in found and 'data-account_no="CX00000001"' in found and 'data-phone="5678"' in found
    assert "13812345678" not in found  # lists are masked (S21.4)
    short = agent.get("/customers/lookup?q=56").get_data(as_text=True)
    assert "号码后 4 位" in short  # a whole number or its last 4 digits (issue 13, item 7)
    assert "没有找到" in agent.get("/customers/lookup?q=无此客户").get_data(as_text=True)


def test_overview_on_time_rate_counts_tasks_done_before_their_due_time(app, people, at):
    from app.platform import definitions, overview
    from tests.browser.conftest import SLA_SAMPLE

    definitions.deploy(SLA_SAMPLE.encode("utf-8"), "platform_sample.bpmn")
    agent, worker = people["kf_agent"].user, people["lz_staff"].user
    at("2026-03-02T09:00:00+08:00")
    visits = []
    for key in ("ON-TIME", "LATE"):
        instance = _start(people, key, branch="利州区分公司")
        register = _open_task(instance.id)
        tasks.claim(register.id, agent)
        instances.complete_task(register.id, {"needs_visit": True}, agent)
        visits.append(_open_task(instance.id))
    at("2026-03-02T10:00:00+08:00")
    tasks.claim(visits[0].id, worker)
    instances.complete_task(visits[0].id, {"result": "按时处理"}, worker)
    at("2026-03-02T10:30:00+08:00")
    tasks.claim(visits[1].id, worker)
    visits[1] = tasks.get(visits[1].id)
    at("2026-03-02T12:00:00+08:00")  # past the 2-hour SLA (the boundary timer is not swept here)
    instances.complete_task(visits[1].id, {"result": "超时处理"}, worker)
    [line] = [x for x in overview.per_unit(clock.now()) if x.unit == "利州区分公司"]
    assert (line.done_month, line.on_time_month, line.on_time_rate) == (2, 1, 0.5)
    page = sign_in(app, "lz_head").get("/overview").get_data(as_text=True)
    assert "50.0%（1/2）" in page
