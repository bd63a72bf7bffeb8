"""The administrators' users page (issue 11): add, disable/enable, reset password, roles, unit, API tokens; every
change recorded; bad input refused beside its field with what was typed kept; admins only; CSRF like every form."""

from __future__ import annotations

import html
import re

from tests.web.test_pages import Browser, sign_in

SECRET = re.compile(r'<code class="secret-value" data-kind="(\w+)">([^<]+)</code>')


def _login(app, username: str, password: str):
    browser = Browser(app.test_client())
    browser.get("/login")
    return browser.post("/login", {"username": username, "password": password})


def test_admin_adds_a_user_who_signs_in_with_the_password_shown_once(app, people):
    admin = sign_in(app, "admin")
    admin.get("/admin/users")
    added = admin.post("/admin/users", {"username": "lz_wang", "display_name": "王建国", "unit": "利州区分公司",
                                        "roles": ["staff", "head"]})  # fmt: skip
    page = added.get_data(as_text=True)
    kind, password = SECRET.search(page).groups()
    assert added.status_code == 200 and kind == "password" and "王建国" in page
    assert _login(app, "lz_wang", password).status_code == 303
    assert password not in admin.get("/admin/users").get_data(as_text=True)  # shown once
    person = admin.get("/admin/users/lz_wang").get_data(as_text=True)
    assert "利州区分公司" in person and "部门负责人" in person and "新增用户" in person and ">admin<" in person


def test_bad_input_is_refused_beside_the_field_and_what_was_typed_is_kept(app, people):
    admin = sign_in(app, "admin")
    admin.get("/admin/users")
    typo = admin.post("/admin/users", {"username": "lz_li", "display_name": "李四", "unit": "利州分公司",
                                       "roles": ["staff"]})  # fmt: skip
    page = typo.get_data(as_text=True)
    assert typo.status_code == 422
    unit_field = page[page.index('data-field="unit"') :]
    assert re.search(r'class="error-text" role="alert">没有名为“利州分公司”的单位，请从列表中点选<', unit_field)
    assert 'value="lz_li"' in page and 'value="李四"' in page and "(unknown unit)" not in page
    taken = admin.post("/admin/users", {"username": "kf_agent", "display_name": "重名", "unit": "客服中心"})
    text = taken.get_data(as_text=True)
    assert taken.status_code == 422 and "用户名 kf_agent 已被占用" in text and 'value="重名"' in text
    no_role = admin.post("/admin/users", {"username": "cx_new", "display_name": "新人", "unit": "苍溪县分公司"})
    assert "请至少勾选一个角色" in no_role.get_data(as_text=True)
    assert "cx_new" not in admin.get("/admin/users").get_data(as_text=True)  # nothing saved


def test_disable_reset_roles_and_unit_are_recorded_with_who_and_when(app, people):
    admin = sign_in(app, "admin")
    staff = sign_in(app, "lz_staff")
    admin.get("/admin/users/lz_staff")
    assert admin.post("/admin/users/lz_staff/active", {"active": "0"}).status_code == 303
    assert staff.get("/inbox").status_code == 302  # the signed-in page stops working at once
    assert _login(app, "lz_staff", "gasflow-demo").status_code == 401
    admin.post("/admin/users/lz_staff/active", {"active": "1"})
    reset = admin.post("/admin/users/lz_staff/password").get_data(as_text=True)
    _, password = SECRET.search(reset).groups()
    assert _login(app, "lz_staff", "gasflow-demo").status_code == 401
    assert _login(app, "lz_staff", password).status_code == 303
    assert admin.post("/admin/users/lz_staff/roles", {"roles": ["staff", "head"]}).status_code == 303
    assert admin.post("/admin/users/lz_staff/unit", {"unit": "苍溪县分公司"}).status_code == 303
    page = admin.get("/admin/users/lz_staff").get_data(as_text=True)
    assert "苍溪县分公司" in page and "部门负责人" in page
    history = page[page.index('id="changes"') :]
    for label in (
        "停用",
        "启用",
        "重置密码",
        "修改角色：员工 → 员工、部门负责人",
        "调整单位：利州区分公司 → 苍溪县分公司",
    ):
        assert label in history
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td><td>admin</td><td>lz_staff</td>", history)
    assert password not in page


def test_an_admin_cannot_lock_himself_out(app, people):
    admin = sign_in(app, "admin")
    admin.get("/admin/users/admin")
    refused = admin.post("/admin/users/admin/roles", {"roles": ["staff"]})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不能取消自己的管理员角色" in page
    assert re.search(r'name="roles" value="staff" checked', page) and not re.search(r'value="admin" checked', page)
    assert "不能停用自己的账户" in admin.post("/admin/users/admin/active", {"active": "0"}).get_data(as_text=True)


def test_api_token_issued_shown_once_listed_with_last_use_and_revoked(app, people, client):
    admin = sign_in(app, "admin")
    admin.get("/admin/users/cx_staff")
    kind, token = SECRET.search(admin.post("/admin/users/cx_staff/token").get_data(as_text=True)).groups()
    assert kind == "token"
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = admin.get("/admin/users").get_data(as_text=True)
    row = re.search(r'<tr data-username="cx_staff">.*?</tr>', listing[listing.index('id="tokens"') :], re.S).group(0)
    assert "从未使用" not in row and len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)) == 2 and token not in listing
    assert admin.post("/admin/users/cx_staff/token/revoke").status_code == 303
    from app.org import users

    users.forget_tokens()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    history = admin.get("/admin/users/cx_staff").get_data(as_text=True)
    assert "吊销 API 令牌" in history and "签发 API 令牌：替换了原令牌" in history  # the fixture issued one before


def test_users_page_is_for_admins_and_needs_the_csrf_token(app, people):
    staff = sign_in(app, "kf_head")
    assert staff.get("/admin/users").status_code == 403
    assert staff.post("/admin/users/lz_staff/active", {"active": "0"}).status_code == 403
    admin = sign_in(app, "admin")
    admin.get("/admin/users")
    admin.token = "forged"
    assert admin.post("/admin/users/lz_staff/active", {"active": "0"}).status_code == 400
    assert "已停用" not in admin.get("/admin/users/lz_staff").get_data(as_text=True)


def test_a_bad_calendar_csv_keeps_the_pasted_text_and_explains_each_line_in_chinese(app, people):
    admin = sign_in(app, "admin")
    admin.get("/admin/calendar?year=2031")
    pasted = "date,workday,name\n2031-01-01,0,元旦\n2031-02-30,0,春节\n2031-02-01,也许,春节\n2031-01-01,1,补班\n"
    refused = admin.post("/admin/calendar/import?year=2031", {"csv": pasted})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    box = re.search(r'<textarea name="csv"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert html.unescape(box) == pasted  # nothing typed is lost
    problems = re.findall(r"<li>(第 \d+ 行：[^<]+)</li>", page[page.index('id="csv-errors"') :])
    assert problems == [
        "第 3 行：日期“2031-02-30”不存在，请核对月份和日子",
        "第 4 行：是否上班“也许”无法识别，应填 1（上班）或 0（休息），也可写 是/否、班/休",
        "第 5 行：日期 2031-01-01 重复，第 2 行已有这一天",
    ]
    assert "日历有 3 行有误，整份未导入" in page and "(nothing imported)" not in page
    assert not re.search(r"[A-Za-z]{4,} (date|flag|line)", page[page.index('id="csv-errors"') :].split("</div>")[0])
    assert "尚未录入" in admin.get("/admin/calendar?year=2031").get_data(as_text=True)  # nothing saved
    empty = admin.post("/admin/calendar/import?year=2031", {"csv": "date,workday,name\n"}).get_data(as_text=True)
    assert "表头之后没有数据行" in empty
