"""Pages added with issue 6 (issue 7 §6, §7): the hotline board of current disconnections (S24.6, S24.7, S24.8) with
masked phones (S21.4) and the planned-outage note (S24.2), the editable company settings, and the links to the
printable notice (S24.6) and to the unmatched messages.

Runs on SQLite and, with GASFLOW_TEST_POSTGRES, on PostgreSQL (the shared fixtures)."""

from __future__ import annotations

import re

import pytest

from app.customers import records as customers
from app.platform import company_settings, definitions, instances, messages, timers
from app.settings import PROJECT_ROOT
from app.supply import arrears, hazard
from tests.walk import work as _do
from tests.web.test_pages import sign_in

ARREARS_ACCOUNT, HAZARD_ACCOUNT, PLAIN_ACCOUNT, NO_CASE_ACCOUNT = "LZ-0001", "LZ-0009", "LZ-0005", "CX-0003"


def _customer(people, account_no, name, phone, branch="利州区分公司", **extra):
    customers.create(
        {"account_no": account_no, "name": name, "customer_class": "B2", "district": "利州区", "street": "东坝街道",
         "estate": "滨江小区", "room": "1-2-301", "phones": [phone], "branch": branch, **extra},
        people["admin"].user,
    )  # fmt: skip


@pytest.fixture
def cases(app, people, at):
    # After what the tests record on that day (reminder 10:00-15:00, services 10:00 and 16:00): a time of what
    # happened is never in the future (x-past).
    at("2026-03-02T16:30:00+08:00")
    for name in ("arrears_disconnection", "hazard_disconnection"):
        definitions.deploy((PROJECT_ROOT / "processes" / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
    _customer(people, ARREARS_ACCOUNT, "张三", "13800001234")
    _customer(people, HAZARD_ACCOUNT, "王五", "13900009999")
    _customer(people, PLAIN_ACCOUNT, "赵六", "13700005555")
    _customer(people, NO_CASE_ACCOUNT, "钱七", "13600007777", branch="苍溪县分公司", supply_status="停气")
    return people


def _pay(amount: float, paid_at: str):
    messages.deliver_message(
        "payment_received", {"account_no": ARREARS_ACCOUNT}, {"amount": amount, "paid_at": paid_at}, None
    )


TOLD = {"csc_informed_at": "2026-03-10T09:00:00+08:00", "hotline_informed": True}
SIGNOFF = {"signoff_decision": "approve", "head_signature": "赵经理", "signoff_opinion": "逾期未处理，同意停气"}


def _open_arrears(people) -> int:
    return arrears.open_or_update(
        {"account_no": ARREARS_ACCOUNT, "amount_owed": 300.5, "since": "2026-01-01"}, people["kf_agent"].user
    ).instance_id


def _remind(iid: int, people) -> None:
    """S19.3 reminder done: the diagram issues the 缴费及停气通知书 (S24.6)."""
    _do(iid, "Task_reminder", people["lz_staff"], {
        "reminder_method": "phone", "reminded_at": "2026-03-02T10:00:00+08:00", "reminder_result": "答应缴费",
        "reminder_slip_no": "CJ-001", "reminder_slip_delivered_at": "2026-03-02T15:00:00+08:00",
        "reminder_slip_delivered_to": "张三"})  # fmt: skip


def _both_disconnected(people, at) -> tuple[int, int]:
    """An arrears case (S24.6) and a hazard case (S24.7) each cut the supply on 2026-03-10."""
    arrears_id = _open_arrears(people)
    _remind(arrears_id, people)
    _do(arrears_id, "Task_notice", people["lz_staff"],
        {"served_how": "in_person", "served_at": "2026-03-02T16:00:00+08:00", "served_to": "张三"})  # fmt: skip
    hazard_id = hazard.open_case(
        {"account_no": HAZARD_ACCOUNT, "hazard_description": "私接橡胶软管", "found_at": "2026-03-02T09:00:00+08:00"},
        people["lz_staff"].user,
    ).instance_id
    _do(hazard_id, "Task_hazard_notice", people["lz_staff"], {
        "notice_no": "YH-001", "rectification_required": "改用金属波纹管", "rectify_days": 5, "major_hazard": False,
        "branch_can_handle": True, "served_how": "in_person", "served_at": "2026-03-02T10:00:00+08:00",
        "served_to": "王五"})  # fmt: skip
    at("2026-03-10T00:00:01+08:00")  # the arrears notice's deadline has passed
    timers.sweep()
    _do(arrears_id, "Task_signoff", people["lz_head"], SIGNOFF)
    at("2026-03-10T09:10:00+08:00")
    _do(arrears_id, "Task_notify_csc", people["kf_agent"], TOLD)  # S24.8: before the cut
    at("2026-03-10T10:30:00+08:00")
    _do(arrears_id, "Task_disconnect", people["lz_staff"],
        {"disconnected_at": "2026-03-10T10:00:00+08:00", "meter_reading": 1234.5, "disconnect_method": "valve_lock"})  # fmt: skip
    _do(hazard_id, "Task_reinspect", people["lz_staff"],
        {"reinspected_at": "2026-03-10T10:30:00+08:00", "rectified": False, "reinspect_findings": "未整改"})  # fmt: skip
    _do(hazard_id, "Task_hazard_signoff", people["lz_head"], SIGNOFF)
    _do(hazard_id, "Task_hazard_notify_csc", people["kf_agent"], TOLD)
    _do(hazard_id, "Task_hazard_disconnect", people["lz_staff"],
        {"disconnected_at": "2026-03-10T10:20:00+08:00", "meter_reading": 88, "disconnect_method": "valve_lock"})  # fmt: skip
    return arrears_id, hazard_id


def _row(page: str, account: str) -> str:
    found = re.search(rf'<tr[^>]*data-account="{account}">(.*?)</tr>', page, re.S)
    assert found, f"no board row for {account}"
    return found.group(0)


def test_S24_6_S24_7_board_lists_current_disconnections_with_case_since_payment_and_restore_deadline(app, cases, at):
    arrears_id, hazard_id = _both_disconnected(cases, at)
    agent = sign_in(app, "kf_agent")
    page = agent.get("/board").get_data(as_text=True)
    unpaid = _row(page, ARREARS_ACCOUNT)
    assert f'href="/cases/{arrears_id}"' in unpaid and "欠费停气" in unpaid and "利州区分公司" in unpaid
    assert "2026-03-10 10:00" in unpaid  # the time recorded on site, Beijing time
    assert "未收到缴费" in unpaid and "缴清后 6 小时内" in unpaid
    cut = _row(page, HAZARD_ACCOUNT)
    assert f'href="/cases/{hazard_id}"' in cut and "隐患停气" in cut and "2026-03-10 10:20" in cut
    assert "不适用（隐患停气）" in cut and "复验合格后恢复" in cut and "整改复验（恢复供气前）" in cut
    orphan = _row(page, NO_CASE_ACCOUNT)
    assert "无停气案件记录" in orphan and "苍溪县分公司" in orphan
    assert PLAIN_ACCOUNT not in page  # supply normal: not on the board

    _pay(100, "2026-03-10T12:00:00+08:00")
    partial = _row(agent.get("/board").get_data(as_text=True), ARREARS_ACCOUNT)
    assert "已部分缴费 100.00 元，尚未缴清" in partial and "2026-03-10 12:00" in partial

    _pay(200.5, "2026-03-10T13:00:00+08:00")
    at("2026-03-10T14:00:00+08:00")
    settled = _row(agent.get("/board").get_data(as_text=True), ARREARS_ACCOUNT)
    assert "已缴清" in settled and "2026-03-10 13:00" in settled
    assert "2026-03-10 19:00" in settled and "剩 5小时" in settled  # S24.6: 6 hours from the payment
    assert "恢复供气（缴清后6小时内）" in settled and 'class="overdue"' not in settled

    at("2026-03-10T20:00:00+08:00")
    late_page = agent.get("/board").get_data(as_text=True)
    late = _row(late_page, ARREARS_ACCOUNT)
    assert 'class="overdue"' in late and "超期 1小时" in late
    assert late_page.index(f'data-account="{ARREARS_ACCOUNT}"') < late_page.index(f'data-account="{HAZARD_ACCOUNT}"')


def test_S21_4_board_masks_phones_and_finds_a_caller_by_phone_tail_name_or_account(app, cases, at):
    _both_disconnected(cases, at)
    page = sign_in(app, "kf_agent").get("/board").get_data(as_text=True)
    assert "138****1234" in page and "13800001234" not in page
    assert "139****9999" in page and "13900009999" not in page
    head = sign_in(app, "lz_head")
    by_tail = head.get("/board?q=1234").get_data(as_text=True)
    assert f'data-account="{ARREARS_ACCOUNT}"' in by_tail and f'data-account="{HAZARD_ACCOUNT}"' not in by_tail
    by_name = head.get("/board?q=王五").get_data(as_text=True)
    assert f'data-account="{HAZARD_ACCOUNT}"' in by_name and f'data-account="{ARREARS_ACCOUNT}"' not in by_name
    by_account = head.get("/board?q=cx-0003").get_data(as_text=True)
    assert f'data-account="{NO_CASE_ACCOUNT}"' in by_account and "张三" not in by_account
    assert "没有符合“nobody”的停气用户" in head.get("/board?q=nobody").get_data(as_text=True)


def test_S24_8_board_lists_outages_and_is_for_csc_and_heads(app, cases):
    agent = sign_in(app, "kf_agent")
    page = agent.get("/board").get_data(as_text=True)
    assert "当前没有停气用户" not in page  # the orphan 停气 record is listed
    assert "尚未上线" not in page and "当前没有计划停气或紧急停气" in page and "S24.5" in page
    inbox = agent.get("/inbox").get_data(as_text=True)
    assert 'href="/board"' in inbox and "停气看板" in inbox
    assert 'href="/board"' in sign_in(app, "lz_head").get("/inbox").get_data(as_text=True)
    fitter = sign_in(app, "lz_staff")
    assert 'href="/board"' not in fitter.get("/inbox").get_data(as_text=True)
    refused = fitter.get("/board")
    assert refused.status_code == 403 and "停气看板只对客服中心和部门负责人开放" in refused.get_data(as_text=True)


def test_menu_links_unmatched_messages_for_those_allowed(app, cases):
    assert 'href="/unmatched-messages"' in sign_in(app, "lz_staff").get("/inbox").get_data(as_text=True)
    assert sign_in(app, "lz_staff").get("/unmatched-messages").status_code == 200
    assert 'href="/unmatched-messages"' in sign_in(app, "admin").get("/inbox").get_data(as_text=True)


def test_S24_6_arrears_case_page_links_its_notice_once_issued(app, cases):
    iid = _open_arrears(cases)
    staff = sign_in(app, "lz_staff")
    before = staff.get(f"/cases/{iid}").get_data(as_text=True)
    assert "缴费及停气通知书" not in before and f"/cases/{iid}/notice" not in before  # reminder first; no notice yet
    _remind(iid, cases)
    after = staff.get(f"/cases/{iid}").get_data(as_text=True)
    assert f'href="/cases/{iid}/notice"' in after and f'href="/cases/{iid}/notice.pdf"' in after
    case_no = instances.get(iid).business_key
    assert f"缴费及停气通知书 {case_no}-1" in after
    assert staff.get(f"/cases/{iid}/notice").status_code == 200


def test_admin_edits_company_settings_with_inline_chinese_errors(app, cases):
    admin = sign_in(app, "admin")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "缴费及停气通知书缴费期限（天）" in page and 'name="value" value="7"' in page
    url = "/admin/settings/company/arrears_notice_days"
    for bad in ("0", "61", "七天", "7.5", ""):
        refused = admin.post(url, {"value": bad})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422, bad
        assert re.search(r'data-field="arrears_notice_days">[^<]*须为 1-60 的整数', text), bad
        assert "(integer in range required)" not in text  # one plain Chinese sentence
        assert f'name="value" value="{bad}"' in text  # what the admin typed stays in the field
    assert company_settings.get("arrears_notice_days") == 7
    saved = admin.post(url, {"value": "10"})
    assert saved.status_code == 303 and saved.headers["Location"] == "/admin/settings"
    assert company_settings.get("arrears_notice_days") == 10
    shown = admin.get("/admin/settings").get_data(as_text=True)
    assert "已改为 10" in shown and 'name="value" value="10"' in shown
    assert admin.post("/admin/settings/company/no_such_setting", {"value": "1"}).status_code == 404


def test_company_settings_refuse_non_admins_with_the_chinese_403_page(app, cases):
    head = sign_in(app, "kf_head")
    for response in (head.get("/admin/settings"), head.post("/admin/settings/company/arrears_notice_days",
                                                             {"value": "30"})):  # fmt: skip
        text = response.get_data(as_text=True)
        assert response.status_code == 403 and "没有权限" in text and "需要以下角色之一：admin" in text
    assert company_settings.get("arrears_notice_days") == 7


def _ids(html: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', html))


def test_arrears_start_page_opens_the_case_as_billing_does_and_keeps_bad_input(app, cases):
    """Issue 11 §6: /start/arrears_disconnection showed the generic form and failed with a NameError."""
    staff = sign_in(app, "lz_staff")
    page = staff.get("/start/arrears_disconnection").get_data(as_text=True)
    assert _ids(page) == {"account_no", "amount_owed", "since", "billing_ref"} and "业务编号" not in page
    refused = staff.post("/start/arrears_disconnection",
                         {"account_no": ARREARS_ACCOUNT, "amount_owed": "0", "since": "2026-01-01"})  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "必须大于 0" in html and 'value="2026-01-01"' in html
    assert arrears.open_case_of(ARREARS_ACCOUNT) is None  # nothing saved
    done = staff.post("/start/arrears_disconnection",
                      {"account_no": ARREARS_ACCOUNT, "amount_owed": "300.5", "since": "2026-01-01"})  # fmt: skip
    case = arrears.open_case_of(ARREARS_ACCOUNT)
    assert done.status_code == 303 and done.headers["Location"] == f"/cases/{case.id}"
    data = instances.case_data(case)
    assert data["branch"] == "利州区分公司" and data["customer_name"] == "张三" and case.business_key.startswith("QF")
    again = staff.post("/start/arrears_disconnection",
                       {"account_no": ARREARS_ACCOUNT, "amount_owed": "420", "since": "2026-01-01"},
                       follow_redirects=True)  # fmt: skip
    assert f"已有在办欠费案件 {case.business_key}，欠费已更新到该案件" in again.get_data(as_text=True)
    assert instances.case_data(instances.get(case.id))["amount_owed"] == 420  # one open case per account (S24.6)


def test_hazard_start_page_takes_its_own_start_form(app, cases):
    """Issue 11 §6: the hazard start page ignored its start form (no hazard description, no time found)."""
    staff = sign_in(app, "lz_staff")
    assert _ids(staff.get("/start/hazard_disconnection").get_data(as_text=True)) == {
        "account_no", "hazard_description", "found_at", "found_by"
    }  # fmt: skip
    refused = staff.post("/start/hazard_disconnection", {"account_no": HAZARD_ACCOUNT, "found_at": "2026-03-02T09:00"})
    assert refused.status_code == 422 and "必填" in refused.get_data(as_text=True)
    done = staff.post(
        "/start/hazard_disconnection",
        {
            "account_no": HAZARD_ACCOUNT,
            "found_at": "2026-03-02T09:00",
            "hazard_description": "私接橡胶软管",
            "found_by": "lz_staff",
        },
    )
    assert done.status_code == 303
    case = instances.get(int(done.headers["Location"].rsplit("/", 1)[1]))
    data = instances.case_data(case)
    assert data["hazard_description"] == "私接橡胶软管" and data["found_at"] == "2026-03-02T09:00:00+08:00"
    assert data["branch"] == "利州区分公司" and case.business_key.startswith("YH")
