"""Complaints (processes/complaint.bpmn) worked to their end in the browser, only through the pages, by each person the
case reaches: 李坐席 (kf_agent, 客服中心) records the call on the hotline intake, triages, rules on validity, checks the
measures and calls back; 赵经理 (lz_head, head of 利州区分公司) assigns the investigators, talks as the direct superior
and signs the 信息处理表; 孙师傅 (lz_staff) investigates, answers the customer within the C14.1 limit, writes the record,
the 四不放过 and the unit's callback.

The clock is moved between steps (setup); nothing but the pages moves the case."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.clock import SHANGHAI
from tests.browser.conftest import add_customer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = "13981230301"
ACCOUNT = "LZ-J0301"
CUSTOMER = {"account_no": ACCOUNT, "name": "王秀英", "customer_class": "B2", "district": "利州区",
            "street": "东坝街道", "estate": "锦绣花园", "room": "2栋3单元601", "phones": [PHONE],
            "branch": "利州区分公司"}  # fmt: skip
CALLED = datetime(2026, 4, 13, 9, 5, tzinfo=SHANGHAI)  # a Monday


def record_call(agent, *, resolved_on_call: bool = False) -> str:
    """The hotline agent takes the call on the intake page: the caller found in the archive by phone, keyboard only."""
    agent.go("/start")
    agent.page.get_by_role("link", name="用户投诉处理").click()
    expect(agent.page.locator("h1")).to_contain_text("投诉快速受理")
    phone = agent.page.locator('[data-field="complainant.phone"] input')
    phone.press_sequentially(PHONE, delay=20)
    pick = agent.page.locator("#lookup-results button.pick").filter(has_text=ACCOUNT)
    expect(pick).to_be_visible()
    phone.press("ArrowDown")
    expect(pick).to_be_focused()
    agent.page.keyboard.press("Enter")
    expect(agent.page.locator('[data-field="account_no"] input')).to_have_value(ACCOUNT)
    expect(agent.page.locator('[data-field="complainant.name"] input')).to_have_value("王秀英")
    agent.type("complainant.address", "利州区东坝街道锦绣花园2栋3单元601")
    agent.pick("about", "利州", "利州区分公司")
    agent.type("matter", "抄表服务")
    agent.page.get_by_role("button", name="受理").click()  # 投诉事由 left empty
    agent.expect_error("description", "必填")
    agent.expect_value("complainant.address", "利州区东坝街道锦绣花园2栋3单元601")
    agent.expect_value("account_no", ACCOUNT)
    agent.expect_no_case_yet("王秀英")
    agent.shot("01_intake_refused")
    agent.type("description", "抄表员连续两个月未上门抄表，按估抄数收费，打电话询问时态度生硬。")
    if resolved_on_call:
        agent.page.get_by_label("坐席当场解决", exact=False).check()
        agent.type("answer", "已核对两个月读数，估抄多收部分下月账单冲抵，客户表示认可。")
    agent.page.get_by_role("button", name="受理").click()
    return agent.started_case_no()


def at(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm)


def triage(agent, case_no: str) -> None:
    """分派定级 (C7): 责任单位 prefilled from the customer's branch; a general complaint."""
    agent.claim(case_no, "分派定级")
    agent.expect_picked("responsible_unit", "利州区分公司")
    expect(agent.page.locator("aside.task-case .case-facts")).to_contain_text("按估抄数收费")  # what the customer said
    agent.choose("severity", "一般投诉")
    agent.choose("misconduct_alleged", "否")
    agent.type("triage_note", "服务态度及抄表规范问题，交利州区分公司调查")
    agent.submit("已提交")


def assign(head, case_no: str) -> None:
    """指派调查人员: the branch picks its investigator and the direct superior of the person complained about."""
    head.claim(case_no, "指派调查人员")
    head.submit()  # nobody picked yet
    head.expect_error("investigators", "必填")
    head.expect_still_open(case_no, "指派调查人员")
    head.pick("investigators", "孙", "孙师傅")
    head.choose("conflict_declared", "否")
    head.pick("superior", "赵", "赵经理")
    head.submit("已提交")


def investigate(staff, head, case_no: str, day: datetime) -> None:
    """调查核实 with the C13.2.4 talks to both sides, then the direct superior's talk."""
    staff.open_mine(case_no, "调查核实")
    find_facts(staff, day)
    superior_talk(head, case_no, day)


def find_facts(staff, day: datetime) -> None:
    """The findings form (the unit's 调查核实, or 客服中心's for a major complaint)."""
    staff.type("facts", "该片区抄表员请假期间未安排替岗，两个月按估抄计费，电话录音显示答复语气生硬。")
    staff.type("findings", "投诉属实：未按周期实抄，答复态度生硬。")
    staff.type("investigator_signature", "孙师傅")
    staff.type("complainant_talk_with", "王秀英")
    staff.when("complainant_talked_at", at(day, 9, 20))
    staff.select("complainant_talk_how", "电话")
    staff.type("complainant_said", "两个月未见抄表员上门，账单明显偏高，电话询问被对方敷衍")
    staff.choose("complainant_agrees", "是")
    staff.pick("complainee_talk_with", "赵", "赵经理")
    staff.when("complainee_talked_at", at(day, 9, 40))
    staff.select("complainee_talk_how", "当面")
    staff.type("complainee_said", "抄表班承认替岗未安排，按估抄出账")
    staff.choose("complainee_agrees", "是")
    staff.submit("已提交")


def superior_talk(head, case_no: str, day: datetime) -> None:
    head.open_mine(case_no, "与被投诉人直接上级沟通")
    head.when("superior_talked_at", at(day, 11))
    head.select("superior_talk_how", "当面")
    head.type("superior_opinion", "认可调查结论，已对抄表员进行批评教育")
    head.choose("superior_agrees", "是")
    head.submit("已提交")


def rule_validity(agent, case_no: str, valid: bool) -> None:
    """有效性认定 (C9) by 客服中心."""
    agent.claim(case_no, "有效性认定")
    agent.choose("valid", "是" if valid else "否")
    agent.select("reason", "有效2：违反规章制度或服务承诺" if valid else "无效6：对政策的误解")
    agent.choose("caused_by_company", "是" if valid else "否")
    agent.choose("disputed", "否")
    agent.submit("已提交")


def answer_record_sign(staff, head, case_no: str, day: datetime, due: str, left: str) -> None:
    """处置并答复客户 within its C14.1 limit, the 信息处理表 and the head's signature (C15.1)."""
    staff.claim(case_no, "处置并答复客户")
    meta = staff.page.locator(".task-form .meta")
    expect(meta).to_contain_text(f"到期 {due}")  # to the end of the 5th working day (C14.1)
    expect(meta).to_contain_text(left)  # counted in working time, as on every task sharing the deadline
    staff.type("handling", "重新上门实抄，按实际读数退还多收气费 86.40 元，抄表员当面致歉。")
    staff.type("answer_text", "已安排实抄并退还多收气费，对抄表员进行了批评教育，向您致歉。")
    staff.when("answered_at", at(day, 10, 40))
    staff.choose("external_cause", "否")
    staff.submit("已提交")

    staff.claim(case_no, "填写信息处理表")
    staff.type("process", "受理后次日调查核实，上门实抄并答复客户。")
    staff.type("result", "退还多收气费 86.40 元，抄表员批评教育。")
    staff.submit("已提交")

    head.claim(case_no, "部门负责人签字")
    head.type("head_signature", "赵经理")
    head.type("head_opinion", "同意处理结果，落实替岗制度")
    head.submit("已提交")


def account_and_check(staff, agent, case_no: str, clock_at, checked_at: datetime) -> None:
    """四不放过 (C3.5) for a valid complaint caused by the company, then 客服中心 checks the measures at ``checked_at``."""
    staff.claim(case_no, "四不放过：原因、责任与整改")
    staff.type("cause", "抄表员请假期间未安排替岗")
    staff.type("responsible_people", "抄表班班长")
    staff.type("people_handling", "通报批评，扣减当月绩效")
    staff.type("measures", "建立抄表替岗登记制度，估抄须经班长审批")
    staff.submit("已提交")
    clock_at(checked_at)
    agent.claim(case_no, "整改落实检查")
    agent.choose("measures_done", "是")
    agent.type("check_note", "替岗登记表已建立，估抄单均有班长签字")
    agent.submit("已提交")


def unit_callback(staff, case_no: str, day: datetime) -> None:
    staff.claim(case_no, "责任单位回访")
    staff.type("unit_callback", "电话回访客户，已收到退费，表示认可")
    staff.when("unit_callback_at", at(day, 9, 40))
    staff.submit("已提交")


def expect_closed(person, case_no: str, steps: list[str]) -> None:
    person.case_page(case_no, "有效性认定")  # done once, on every path here
    page = person.page
    expect(page.locator(".status-completed")).to_have_text("已办结")
    expect(page.locator("main")).to_contain_text("按估抄数收费")
    timeline = page.locator("ol.timeline")
    for step in steps:
        expect(timeline).to_contain_text(step)
    for who in ["李坐席", "赵经理", "孙师傅"]:
        expect(timeline).to_contain_text(who)
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "1")
    expect(page.locator('.djs-element.gf-done[data-element-id="End_closed"]').first).to_be_visible()


def test_C9_C14_1_C15_3_ordinary_complaint_from_the_hotline_to_the_satisfied_callback(server, person, clock_at):
    add_customer(server, CUSTOMER)
    clock_at(CALLED + timedelta(minutes=10))
    agent = person("kf_agent", "complaint_ordinary")
    case_no = record_call(agent)
    clock_at(CALLED + timedelta(hours=1))
    triage(agent, case_no)
    clock_at(CALLED + timedelta(hours=3))
    head = person("lz_head", "complaint_ordinary")
    assign(head, case_no)
    day2 = datetime(2026, 4, 14, tzinfo=SHANGHAI)
    clock_at(at(day2, 10))
    staff = person("lz_staff", "complaint_ordinary")
    investigate(staff, head, case_no, day2)
    clock_at(at(day2, 15))
    rule_validity(agent, case_no, valid=True)
    day3 = datetime(2026, 4, 15, tzinfo=SHANGHAI)
    clock_at(at(day3, 11))
    answer_record_sign(staff, head, case_no, day3, "2026年4月20日 24:00", "剩 3个工作日")

    day5 = datetime(2026, 4, 17, tzinfo=SHANGHAI)
    account_and_check(staff, agent, case_no, clock_at, at(day5, 10))

    # Callbacks (C15.3): the unit first, then 客服中心 with the satisfaction that closes the case.
    unit_callback(staff, case_no, day5)
    agent.claim(case_no, "客服中心回访及满意度")
    agent.choose("satisfaction", "不满意")
    agent.type("csc_callback", "客户表示满意")
    agent.submit()  # 不满意 needs its reason (C8)
    agent.expect_error("repeat_reason", "必填")
    agent.expect_value("csc_callback", "客户表示满意")
    agent.expect_still_open(case_no, "客服中心回访及满意度")
    agent.shot("02_callback_refused")
    agent.choose("satisfaction", "满意")  # the agent had clicked the wrong line
    agent.submit("已提交")

    expect_closed(agent, case_no, ["分派定级", "指派调查人员", "调查核实", "与被投诉人直接上级沟通", "有效性认定",
                                   "处置并答复客户", "填写信息处理表", "部门负责人签字", "四不放过：原因、责任与整改",
                                   "整改落实检查", "责任单位回访", "客服中心回访及满意度"])  # fmt: skip
    agent.shot("03_case_closed")


def test_C14_1_complaint_reopened_after_an_unsatisfied_callback_gets_a_fresh_limit_and_closes(server, person, clock_at):
    """C15.2/C14.1 (issue 12): an unsatisfied callback reopens the answer with a fresh 5-working-day limit."""
    add_customer(server, CUSTOMER)
    called = datetime(2026, 5, 11, 9, 5, tzinfo=SHANGHAI)  # a Monday
    clock_at(called + timedelta(minutes=10))
    agent = person("kf_agent", "complaint_reopened")
    case_no = record_call(agent)
    clock_at(called + timedelta(hours=1))
    triage(agent, case_no)
    clock_at(called + timedelta(hours=3))
    head = person("lz_head", "complaint_reopened")
    assign(head, case_no)
    day2 = datetime(2026, 5, 12, tzinfo=SHANGHAI)
    clock_at(at(day2, 10))
    staff = person("lz_staff", "complaint_reopened")
    investigate(staff, head, case_no, day2)
    clock_at(at(day2, 15))
    rule_validity(agent, case_no, valid=False)  # no 四不放过 for an invalid complaint
    day3 = datetime(2026, 5, 13, tzinfo=SHANGHAI)
    clock_at(at(day3, 11))
    answer_record_sign(staff, head, case_no, day3, "2026年5月18日 24:00", "剩 3个工作日")
    clock_at(at(day3.replace(day=14), 10))  # the callback is typed after it happened (a future time is refused)
    unit_callback(staff, case_no, day3.replace(day=14))
    clock_at(datetime(2026, 5, 14, 15, 0, tzinfo=SHANGHAI))
    agent.claim(case_no, "客服中心回访及满意度")
    agent.choose("satisfaction", "不满意")
    agent.select("repeat_reason", "不接受处理结果")
    agent.type("csc_callback", "客户认为退费金额不对，要求重新核算")
    agent.submit("已提交")
    agent.shot("01_unsatisfied")

    # Reopened on 05-14 (Thursday): a fresh limit of 5 working days, to the end of 05-21.
    day6 = datetime(2026, 5, 15, tzinfo=SHANGHAI)
    clock_at(at(day6, 11))
    answer_record_sign(staff, head, case_no, day6, "2026年5月21日 24:00", "剩 4个工作日")
    unit_callback(staff, case_no, day6)
    agent.claim(case_no, "客服中心回访及满意度")
    agent.choose("satisfaction", "满意")
    agent.type("csc_callback", "重新核算后客户认可")
    agent.submit("已提交")

    expect_closed(agent, case_no, ["处置并答复客户", "客服中心回访及满意度"])
    assert agent.page.locator("ol.timeline li", has_text="处置并答复客户").count() >= 2
    agent.shot("02_case_closed")


def test_C7_1_1_C15_3_complaint_resolved_on_the_call_is_called_back_and_closed(server, person, clock_at):
    add_customer(server, CUSTOMER)
    clock_at(CALLED + timedelta(days=14, minutes=10))
    agent = person("kf_agent", "complaint_first_contact")
    case_no = record_call(agent, resolved_on_call=True)

    # C7.1.1: no triage, no investigation; both callback rounds still happen (C15.3), the first by 客服中心 itself.
    clock_at(CALLED + timedelta(days=15))
    agent.claim(case_no, "责任单位回访")
    agent.type("unit_callback", "回访客户，下月账单冲抵已确认")
    agent.when("unit_callback_at", CALLED + timedelta(days=15, minutes=-20))
    agent.submit("已提交")
    agent.claim(case_no, "客服中心回访及满意度")
    agent.choose("satisfaction", "满意")
    agent.type("csc_callback", "客户确认下月账单已冲抵，表示满意")
    agent.submit("已提交")

    agent.case_page(case_no, "客服中心回访及满意度")
    page = agent.page
    expect(page.locator(".status-completed")).to_have_text("已办结")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("客服中心回访及满意度")
    expect(timeline).not_to_contain_text("分派定级")
    expect(page.locator('.djs-element.gf-done[data-element-id="End_closed"]')).to_have_count(1)
    agent.shot("01_case_closed")


def test_C7_2_C4_C6_major_complaint_investigated_by_csc_with_the_unit_and_a_discipline_check(server, person, clock_at):
    """C7.2 major, C4(二)/C5.2 客服中心 investigates with the unit's help, C6 misconduct checked by 纪检监审法务部."""
    add_customer(server, CUSTOMER)
    called = datetime(2026, 6, 1, 9, 5, tzinfo=SHANGHAI)  # a Monday
    clock_at(called + timedelta(minutes=10))
    agent = person("kf_agent", "complaint_major")
    case_no = record_call(agent)

    clock_at(called + timedelta(hours=1))
    agent.claim(case_no, "分派定级")
    agent.choose("severity", "重大投诉")
    agent.submit()  # major without its C7.2 criterion
    agent.expect_error("major_criteria", "必填")
    agent.expect_still_open(case_no, "分派定级")
    agent.field("major_criteria").get_by_label("员工违反规定或服务承诺").check()
    agent.choose("misconduct_alleged", "是")
    agent.type("triage_note", "抄表员估抄并态度恶劣，涉嫌违反服务承诺")
    agent.submit("已提交")

    day2 = datetime(2026, 6, 2, tzinfo=SHANGHAI)
    clock_at(at(day2, 9))
    discipline = person("jj_staff", "complaint_major")
    discipline.claim(case_no, "违纪线索核查")
    discipline.type("discipline_findings", "未发现索拿卡要，属服务规范问题，不构成违纪")
    discipline.type("discipline_action", "建议由所在单位批评教育")
    discipline.submit("已提交")

    staff = person("lz_staff", "complaint_major")
    staff.claim(case_no, "配合客服中心调查（重大投诉）")
    staff.pick("assist_contact", "孙", "孙师傅")
    staff.type("assist_materials", "提供两个月抄表排班表、估抄单及通话录音")
    staff.pick("superior", "赵", "赵经理")
    staff.submit("已提交")

    agent.claim(case_no, "客服中心调查核实（重大投诉）")
    find_facts(agent, day2)
    head = person("lz_head", "complaint_major")
    superior_talk(head, case_no, day2)

    clock_at(at(day2, 15))
    rule_validity(agent, case_no, valid=True)
    day3 = datetime(2026, 6, 3, tzinfo=SHANGHAI)
    clock_at(at(day3, 11))
    answer_record_sign(staff, head, case_no, day3, "2026年6月8日 24:00", "剩 3个工作日")
    day5 = datetime(2026, 6, 5, tzinfo=SHANGHAI)
    account_and_check(staff, agent, case_no, clock_at, at(day5, 10))
    unit_callback(staff, case_no, day5)
    agent.claim(case_no, "客服中心回访及满意度")
    agent.choose("satisfaction", "满意")
    agent.type("csc_callback", "客户对处理结果表示满意")
    agent.submit("已提交")

    expect_closed(agent, case_no, ["违纪线索核查", "客服中心调查核实（重大投诉）", "配合客服中心调查（重大投诉）",
                                   "与被投诉人直接上级沟通", "四不放过：原因、责任与整改"])  # fmt: skip
    expect(agent.page.locator("ol.timeline")).to_contain_text("郑监察")
    agent.shot("01_case_closed")
