"""Demo cases of the supply area for `make run` (issue 11): arrears (S19.3, S24.6) and hazard (S24.7) disconnections
in 利州区分公司 at every stage — just opened, waiting for the payment deadline, overdue, at the head's sign-off,
disconnected, paid and awaiting restore (one within the 6 hours, one past them), restored, paid before the cut —
and outages (issue 16: S24.1-S24.5, S24.8, S25.4): planned ones awaiting the branch, being published, published,
missed publication, running past 24 hours; emergencies just reported, major and past 24 hours, restored.

Built by app/platform/demo_cases.py from the same use cases billing and staff use; the people are the demo users of
README.md (孙师傅 lz_staff, 赵经理 lz_head, 李坐席 kf_agent; 安全部 aq_head and 应急中心 yj_head of the full
directory).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app import clock
from app.models import Customer
from app.org import users
from app.platform import company_settings, script_functions
from app.platform.demo_cases import Demo, DemoCase, beijing
from app.supply import arrears, hazard, outages

BRANCH = "利州区分公司"
STAFF, HEAD, AGENT = "lz_staff", "lz_head", "kf_agent"


def _reading(customer: Customer) -> float:
    return round(800 + (customer.id * 37) % 2400 + 0.6, 1)  # a plausible household meter reading (m³)


# ---------------------------------------------------------------- arrears (S19.3, S24.6)


def _open_arrears(customer: Customer, amount: float, since_days: int, at: datetime):
    since = (at - timedelta(days=since_days)).date().isoformat()
    payload = {"account_no": customer.account_no, "amount_owed": amount, "since": since,
               "billing_ref": f"SF{customer.id:06d}"}  # fmt: skip
    return lambda: arrears.open_or_update(payload, None).instance_id  # from billing: no person opened it


def _reminder(customer: Customer, method: str = "phone"):
    said = {
        "phone": "客户称近期资金周转困难，承诺本月底前到营业厅缴清",
        "visit": "上门时户主在家，称忘记缴费，答应尽快缴清",
    }
    return lambda at: {
        "reminder_method": method,
        "reminded_at": beijing(at - timedelta(minutes=20)),
        "reminder_contact": customer.name,
        "reminder_result": said[method],
        "reminder_slip_no": f"CJ{at:%Y%m%d}{customer.id % 1000:03d}",
        "reminder_slip_delivered_at": beijing(at - timedelta(minutes=10)),
        "reminder_slip_delivered_to": customer.name,
        "reminder_slip_delivery": "in_person" if method == "visit" else "posted",
    }


def _served(customer: Customer):
    return lambda at: {
        "served_how": "in_person",
        "served_at": beijing(at - timedelta(minutes=30)),
        "served_to": customer.name,
        "served_relation": "户主本人",
        "server_name": STAFF,
        "service_note": "当面送达并讲解缴费期限及逾期停气的后果，客户已签收",
    }


APPROVE = {"signoff_decision": "approve", "head_signature": "赵经理",
           "signoff_opinion": "通知书期限届满仍未缴清，经核实无特殊困难，同意停气"}  # fmt: skip


CUT_FOR_ARREARS = "关闭表前阀并加锁，张贴停气告知单，告知缴清欠费后 6 小时内恢复供气"
CUT_FOR_HAZARD = "关闭表前阀并加锁，张贴停气告知单，告知整改复验合格后恢复供气"


def _disconnected(customer: Customer, note: str = CUT_FOR_ARREARS):
    return lambda at: {
        "disconnected_at": beijing(at - timedelta(minutes=15)),
        "meter_reading": _reading(customer),
        "disconnect_method": "valve_lock",
        "seal_no": f"FQ{customer.id:05d}",
        "customer_present": True,
        "disconnect_note": note,
    }


def _csc_told(at: datetime) -> dict:
    return {"csc_informed_at": beijing(at), "hotline_informed": True, "csc_note": "已列入停气看板，坐席可答复客户"}


def _paid(amount: float):
    return lambda at: {"amount": amount, "paid_at": beijing(at - timedelta(minutes=5))}


def _restored(customer: Customer):
    return lambda at: {
        "restored_at": beijing(at - timedelta(minutes=10)),
        "meter_reading_restored": _reading(customer),
        "safety_checked": True,
        "restore_note": "开阀通气，检漏合格，点火试烧正常，已告知客户安全用气",
    }


def _to_cut(case: DemoCase, customer: Customer, demo: Demo, cut_by: int) -> tuple[DemoCase, datetime]:
    """Reminder, written notice served, the notice's deadline passes (its timer fires), the head signs, CSC and the
    hotline are told (S24.8, beforehand) and supply is cut on or before the day ``cut_by`` days ago. Returns the case
    and the moment of the cut."""
    case, cut = _to_signed(case, customer, demo, cut_by)
    case.work(cut - timedelta(minutes=50), "Task_notify_csc", AGENT, _csc_told)
    return case.work(cut, "Task_disconnect", STAFF, _disconnected(customer)), cut


def _to_signed(case: DemoCase, customer: Customer, demo: Demo, cut_by: int) -> tuple[DemoCase, datetime]:
    """As _to_cut, up to the head's signature; returns the case and the moment the cut is planned for."""
    days = company_settings.get("arrears_notice_days")
    for opened in range(cut_by + days + 3, cut_by + days + 40):  # further back when holidays move the deadline
        reminded = demo.days_ago(opened - 1, "10:15")
        served = demo.days_ago(opened - 2, "15:30")  # S24.6: the period runs from service
        deadline = datetime.fromisoformat(script_functions.add_days(served, days))
        signed = demo.at(clock.to_local(deadline).date(), "09:20")
        cut = signed + timedelta(days=1, minutes=45)
        if cut <= demo.days_ago(cut_by, "18:00"):
            break
    account = {"account_no": customer.account_no}
    case.open(demo.days_ago(opened, "08:40"), _open_arrears(customer, 1268.5, 75, demo.days_ago(opened, "08:40")))
    case.work(reminded, "Task_reminder", STAFF, _reminder(customer, "visit"))
    case.work(served, "Task_notice", STAFF, _served(customer))
    case.message(demo.days_ago(opened - 4, "11:02"), "payment_received", account, _paid(300))  # part payment only
    return case.work(signed, "Task_signoff", HEAD, APPROVE), cut


def arrears_cases(demo: Demo) -> list[DemoCase]:
    d = demo
    new, waiting, late_notice, signoff, due, late, done, paid, told = (d.customer(BRANCH) for _ in range(9))
    cases = [
        DemoCase("supply.arrears.new", "欠费：刚转入，待催缴").open(
            d.hours_ago(3), _open_arrears(new, 386.4, 62, d.hours_ago(3))
        ),
        DemoCase("supply.arrears.waiting", "欠费：通知书已送达，部分缴费，等待缴费期限")
        .open(d.days_ago(4, "08:40"), _open_arrears(waiting, 912.0, 90, d.days_ago(4, "08:40")))
        .work(d.days_ago(3, "10:30"), "Task_reminder", STAFF, _reminder(waiting))
        .work(d.days_ago(2, "16:10"), "Task_notice", STAFF, _served(waiting))
        .message(d.days_ago(1, "19:42"), "payment_received", {"account_no": waiting.account_no}, _paid(200)),
        DemoCase("supply.arrears.notice_late", "欠费：通知书超过 24 小时未送达（已超期）")
        .open(d.days_ago(4, "08:40"), _open_arrears(late_notice, 540.8, 70, d.days_ago(4, "08:40")))
        .work(d.days_ago(3, "09:50"), "Task_reminder", STAFF, _reminder(late_notice)),
        DemoCase("supply.arrears.signoff", "欠费：期限届满未缴清，待负责人审批停气")
        .open(d.days_ago(12, "08:40"), _open_arrears(signoff, 1730.0, 120, d.days_ago(12, "08:40")))
        .work(d.days_ago(11, "10:15"), "Task_reminder", STAFF, _reminder(signoff, "visit"))
        .work(d.days_ago(10, "15:30"), "Task_notice", STAFF, _served(signoff)),
    ]
    restore_due, cut = _to_cut(
        DemoCase("supply.arrears.restore_due", "欠费：已停气，客户已缴清，6 小时内复气"), due, d, 3
    )
    restore_due.message(d.hours_ago(2), "payment_received", {"account_no": due.account_no}, _paid(968.5))
    restore_due.claim(d.hours_ago(1.5), "Task_restore", STAFF)  # on his way to the customer
    title = "欠费：缴清已超 6 小时未复气（督办）"
    restore_late, cut = _to_cut(DemoCase("supply.arrears.restore_late", title), late, d, 2)
    restore_late.message(d.hours_ago(7.5), "payment_received", {"account_no": late.account_no}, _paid(968.5))
    restored, cut = _to_cut(DemoCase("supply.arrears.restored", "欠费：停气后缴清，已恢复供气（办结）"), done, d, 8)
    restored.message(d.days_ago(6, "14:12"), "payment_received", {"account_no": done.account_no}, _paid(968.5))
    restored.work(d.days_ago(6, "16:40"), "Task_restore", STAFF, _restored(done))
    paid_case = (
        DemoCase("supply.arrears.paid", "欠费：停气前全额缴清（办结）")
        .open(d.days_ago(9, "08:40"), _open_arrears(paid, 455.2, 65, d.days_ago(9, "08:40")))
        .work(d.days_ago(8, "10:05"), "Task_reminder", STAFF, _reminder(paid))
        .message(d.days_ago(7, "09:31"), "payment_received", {"account_no": paid.account_no}, _paid(455.2))
    )
    # S24.8: signed off yesterday, CSC to be told before the crew goes out today.
    to_notify, _planned = _to_signed(
        DemoCase("supply.arrears.to_notify", "欠费：已批准停气，待报送客服中心"), told, d, 0
    )
    return [*cases, restore_due, restore_late, restored, paid_case, to_notify]


# ---------------------------------------------------------------- hazards (S24.7)

HAZARDS = [
    ("灶具连接使用橡胶软管且已老化开裂，存在漏气隐患", "拆除橡胶软管，更换为金属波纹管并加装熄火保护灶具"),
    ("燃气表前私自改装管道，穿越卧室", "恢复原管道走向，由有资质单位整改后报复查"),
    ("热水器安装在卫生间内且无烟道", "将热水器移出卫生间，加装强排烟道"),
    ("餐馆后厨燃气管道被杂物包裹，未安装可燃气体报警器", "清除杂物，安装可燃气体报警器和紧急切断阀"),
    ("用户私自拆除燃气表铅封，疑似绕表用气", "恢复计量装置，补缴气费，接受安全检查"),
    ("地下室餐饮使用液化气与天然气混用，通风不良", "停止混用，增设机械通风并经安全部验收"),
    ("楼栋引入管锈蚀严重并有轻微泄漏", "更换引入管段并做气密性试验"),
]


def _open_hazard(customer: Customer, found: datetime, index: int):
    payload = {"account_no": customer.account_no, "hazard_description": HAZARDS[index][0],
               "found_at": beijing(found), "found_by": STAFF}  # fmt: skip
    return lambda: hazard.open_case(payload, _staff()).instance_id


def _staff():
    return users.get_by_username(STAFF)


def _hazard_notice(customer: Customer, index: int, days: int, major: bool = False):
    return lambda at: {
        "notice_no": f"YHTZ{at:%Y%m%d}{customer.id % 1000:03d}",
        "rectification_required": HAZARDS[index][1],
        "rectify_days": days,
        "major_hazard": major,
        "branch_can_handle": not major,
        "served_how": "in_person",
        "served_at": beijing(at - timedelta(minutes=25)),
        "served_to": customer.name,
    }


def _reinspected(rectified: bool):
    findings = "已按通知要求整改，复查合格" if rectified else "复查时隐患仍在，客户称材料未到，未整改"
    return lambda at: {"reinspected_at": beijing(at - timedelta(minutes=20)), "rectified": rectified,
                       "reinspect_findings": findings}  # fmt: skip


def _verified(at: datetime) -> dict:
    return {"verified_at": beijing(at - timedelta(minutes=15)), "verified_rectified": True,
            "verify_findings": "整改完成，气密性试验合格，同意恢复供气"}  # fmt: skip


HAZARD_APPROVE = {"signoff_decision": "approve", "head_signature": "赵经理",
                  "signoff_opinion": "整改期满仍未整改，存在安全风险，同意停气"}  # fmt: skip


def _hazard_to_cut(case: DemoCase, customer: Customer, demo: Demo, index: int, found: int) -> DemoCase:
    d = demo
    case.open(d.days_ago(found, "14:20"), _open_hazard(customer, d.days_ago(found, "11:00"), index))
    case.work(d.days_ago(found - 1, "10:00"), "Task_hazard_notice", STAFF, _hazard_notice(customer, index, 3))
    case.work(d.days_ago(found - 6, "09:40"), "Task_reinspect", STAFF, _reinspected(False))
    case.work(d.days_ago(found - 6, "15:10"), "Task_hazard_signoff", HEAD, HAZARD_APPROVE)
    case.work(d.days_ago(found - 7, "08:40"), "Task_hazard_notify_csc", AGENT, _csc_told)  # S24.8: beforehand
    return case.work(
        d.days_ago(found - 7, "09:30"), "Task_hazard_disconnect", STAFF, _disconnected(customer, CUT_FOR_HAZARD)
    )


def hazard_cases(demo: Demo) -> list[DemoCase]:
    d = demo
    new, waiting, overdue, major, signoff, cut, done, told = (d.customer(BRANCH) for _ in range(8))
    major_case = (
        DemoCase("supply.hazard.major", "隐患：重大隐患，报安全部和应急中心处置")
        .open(d.days_ago(2, "09:10"), _open_hazard(major, d.days_ago(2, "08:30"), 5))
        .work(d.days_ago(2, "11:30"), "Task_hazard_notice", STAFF, _hazard_notice(major, 5, 10, major=True))
        .work(
            d.days_ago(2, "13:05"),
            "Task_emergency",
            "yj_head",
            lambda at: {
                "emergency_measures": "关闭楼栋总阀，疏散后厨人员，检测浓度降至安全值",
                "emergency_handled_at": beijing(at - timedelta(minutes=30)),
            },
        )  # fmt: skip
    )
    disconnected = _hazard_to_cut(
        DemoCase("supply.hazard.disconnected", "隐患：逾期未整改已停气，待复验"), cut, d, 1, 9
    )
    disconnected.claim(d.days_ago(1, "16:20"), "Task_verify", STAFF)  # the customer called: rectified, come and see
    restored = _hazard_to_cut(
        DemoCase("supply.hazard.restored", "隐患：整改复验合格，已恢复供气（办结）"), done, d, 2, 15
    )
    restored.work(d.days_ago(5, "10:20"), "Task_verify", STAFF, _verified)
    restored.work(d.days_ago(5, "11:10"), "Task_hazard_restore", STAFF, _restored(done))
    return [
        DemoCase("supply.hazard.new", "隐患：刚发现，待下达整改通知书").open(
            d.hours_ago(1.5), _open_hazard(new, d.hours_ago(2), 0)
        ),
        DemoCase("supply.hazard.waiting", "隐患：通知书已送达，整改期内")
        .open(d.days_ago(3, "15:00"), _open_hazard(waiting, d.days_ago(3, "14:30"), 3))
        .work(d.days_ago(2, "10:20"), "Task_hazard_notice", STAFF, _hazard_notice(waiting, 3, 10)),
        DemoCase("supply.hazard.reinspect_overdue", "隐患：整改期满未复查（已超期）")
        .open(d.days_ago(9, "10:00"), _open_hazard(overdue, d.days_ago(9, "09:30"), 4))
        .work(d.days_ago(8, "16:00"), "Task_hazard_notice", STAFF, _hazard_notice(overdue, 4, 5)),
        major_case,
        DemoCase("supply.hazard.signoff", "隐患：复查未整改，待负责人审批停气")
        .open(d.days_ago(8, "10:00"), _open_hazard(signoff, d.days_ago(8, "09:30"), 6))
        .work(d.days_ago(7, "11:00"), "Task_hazard_notice", STAFF, _hazard_notice(signoff, 6, 5))
        .work(d.hours_ago(5), "Task_reinspect", STAFF, _reinspected(False)),
        DemoCase("supply.hazard.to_notify", "隐患：已批准停气，待报送客服中心（S24.8）")
        .open(d.days_ago(9, "10:00"), _open_hazard(told, d.days_ago(9, "09:30"), 2))
        .work(d.days_ago(8, "11:00"), "Task_hazard_notice", STAFF, _hazard_notice(told, 2, 3))
        .work(d.days_ago(1, "09:40"), "Task_reinspect", STAFF, _reinspected(False))
        .work(d.days_ago(1, "15:10"), "Task_hazard_signoff", HEAD, HAZARD_APPROVE),
        disconnected,
        restored,
    ]


# ---------------------------------------------------------------- outages (S24.1-S24.5, S24.8, S25.4)

DISPATCH = "dd_staff"
PLANNED_CAUSES = ["嘉陵路中压管道迁改施工", "调压箱年度检修", "庭院管网改造碰口", "阀门更换维修", "老旧管网更新改造"]
EMERGENCY_CAUSES = ["第三方施工挖断中压管道", "调压站设备故障"]


def _place(customer: Customer) -> str:
    return "/".join(p for p in (customer.district, customer.street, customer.estate) if p)


def _request(place: str, index: int, start: datetime, end: datetime):
    payload = {"cause": PLANNED_CAUSES[index], "kind": "stop", "areas": [place], "planned_start": beijing(start),
               "planned_end": beijing(end), "peak_justification": "演示：按施工窗口安排"}  # fmt: skip
    return lambda: outages.request_planned(payload, users.get_by_username(DISPATCH)).instance_id


def _report(place: str, index: int, started: datetime, restore: datetime, major: bool = False, who: str = AGENT):
    payload = {"cause": EMERGENCY_CAUSES[index], "kind": "stop", "areas": [place], "started_at": beijing(started),
               "expected_restore": beijing(restore), "major_incident": major,
               "situation": "现场已关阀隔离，抢修队伍赶赴现场"}  # fmt: skip
    return lambda: outages.report_emergency(payload, users.get_by_username(who)).instance_id


OUTAGE_AGREE = {"agreed": True, "measures_approved": True, "agree_opinion": "同意，分公司派员配合停复气"}


def _published(at: datetime) -> dict:
    found = {}
    for key, label in outages.CHANNELS.items():
        found |= {f"{key}_published_at": beijing(at - timedelta(minutes=30)), f"{key}_published_by": STAFF,
                  f"{key}_reference": label}  # fmt: skip
    return found


def _csc_outage(at: datetime) -> dict:
    return {"csc_informed_at": beijing(at - timedelta(minutes=5)), "hotline_informed": True,
            "csc_note": "已告知坐席，用户来电按停气看板答复"}  # fmt: skip


def _plan(restore: datetime):
    return lambda at: {"plan_started": True, "residential_first": True, "expected_restore": beijing(restore),
                       "plan_measures": "启动保障供气应急预案，居民用户优先恢复，学校医院派 LNG 瓶组保供"}  # fmt: skip


def _housing(at: datetime) -> dict:
    return {"notice_printed": True, "housing_sent_at": beijing(at - timedelta(minutes=10)),
            "housing_sent_how": "in_person", "housing_received_by": "住建局值班室"}  # fmt: skip


def _outage_restored(at: datetime) -> dict:
    return {"restored_at": beijing(at - timedelta(minutes=10)), "safety_checked": True,
            "restore_note": "管道修复，置换检漏合格，逐户恢复供气"}  # fmt: skip


def _to_published(case: DemoCase, opened: datetime) -> DemoCase:
    return (
        case.work(opened + timedelta(hours=2), "Task_branch_agree", HEAD, OUTAGE_AGREE)
        .work(opened + timedelta(hours=5), "Task_publish", STAFF, _published)
        .work(opened + timedelta(hours=6), "Task_inform_csc", AGENT, _csc_outage)
    )


def planned_cases(demo: Demo) -> list[DemoCase]:
    d = demo
    places = [_place(d.customer(BRANCH)) for _ in range(5)]
    ahead = d.today + timedelta(days=5)
    agree = DemoCase("supply.outage.agree", "计划停气：调度中心申请，待分公司同意").open(
        d.hours_ago(1), _request(places[0], 0, d.at(ahead, "09:30"), d.at(ahead, "17:00"))
    )
    opened = d.days_ago(1, "10:00")
    publishing = (
        DemoCase("supply.outage.publishing", "计划停气：分公司已同意，公告发布中")
        .open(opened, _request(places[1], 1, d.at(ahead, "13:30"), d.at(ahead, "16:30")))
        .work(opened + timedelta(hours=3), "Task_branch_agree", HEAD, OUTAGE_AGREE)
    )
    opened = d.days_ago(2, "09:00")
    published = _to_published(
        DemoCase("supply.outage.published", "计划停气：已在各渠道公告，待停气").open(
            opened, _request(places[2], 2, d.at(ahead, "20:00"), d.at(ahead + timedelta(days=1), "05:00"))
        ),
        opened,
    )
    opened = d.days_ago(6, "09:00")
    missed = (
        DemoCase("supply.outage.missed", "计划停气：停气前 48 小时未公告完毕，待重新安排")
        .open(opened, _request(places[3], 3, d.days_ago(2, "09:30"), d.days_ago(2, "17:00")))
        .work(opened + timedelta(hours=2), "Task_branch_agree", HEAD, OUTAGE_AGREE)
    )
    opened = d.days_ago(7, "09:00")
    start = d.days_ago(3, "09:30")
    over24 = _to_published(
        DemoCase("supply.outage.over24", "计划停气：超过计划时间且超过 24 小时，书面报告住建局").open(
            opened, _request(places[4], 4, start, d.days_ago(3, "17:00"))
        ),
        opened,
    )
    over24.work(start + timedelta(minutes=15), "Task_confirm_stop", STAFF,
                {"stopped_at": beijing(start), "stop_confirmed": True, "stop_note": "按公告范围关阀停气"})  # fmt: skip
    over24.work(start + timedelta(hours=9), "Task_overdue_head", HEAD, {"followup": "碰口焊接返工，已加派人手"})
    over24.work(start + timedelta(hours=24, minutes=30), "Task_housing_notice", DISPATCH, _housing)
    over24.work(start + timedelta(hours=24, minutes=40), "Task_emergency_plan", DISPATCH, _plan(d.days_ago(2, "18:00")))
    over24.work(d.days_ago(2, "17:30"), "Task_restore", STAFF, _outage_restored)
    return [agree, publishing, published, missed, over24]


def emergency_cases(demo: Demo) -> list[DemoCase]:
    d = demo
    places = [_place(d.customer(BRANCH)) for _ in range(3)]
    new = DemoCase("supply.outage.emergency_new", "紧急停气：热线刚登记，抢修中").open(
        d.hours_ago(1), _report(places[0], 0, d.hours_ago(1.5), d.now + timedelta(hours=6))
    )
    began = d.days_ago(3, "07:40")
    major = (
        DemoCase("supply.outage.emergency_major", "紧急停气：重大事故，超过 24 小时，待续报住建局")
        .open(began + timedelta(minutes=20), _report(places[1], 1, began, began + timedelta(hours=12), True, DISPATCH))
        .work(
            began + timedelta(minutes=40),
            "Task_inform_hotline",
            AGENT,
            lambda at: {"hotline_informed_at": beijing(at), "hotline_informed": True},
        )  # fmt: skip
        .work(began + timedelta(minutes=50), "Task_housing_notice", DISPATCH, _housing)
        .work(began + timedelta(hours=1), "Task_emergency_plan", DISPATCH, _plan(began + timedelta(hours=12)))
        .work(
            began + timedelta(hours=1, minutes=20),
            "Task_major_report",
            "yj_staff",
            lambda at: {
                "reported_at": beijing(at),
                "reported_to": "市应急管理局值班室",
                "reserve_gas": True,
                "report_note": "调压站故障致城区东片区停气，已启动储备气源",
            },
        )  # fmt: skip
        .work(began + timedelta(hours=24, minutes=30), "Task_over24_plan", DISPATCH, _plan(d.now + timedelta(hours=8)))
    )
    began = d.days_ago(1, "15:10")
    restored = (
        DemoCase("supply.outage.emergency_restored", "紧急停气：抢修完毕，已恢复供气（办结）")
        .open(began + timedelta(minutes=10), _report(places[2], 0, began, began + timedelta(hours=5)))
        .work(
            began + timedelta(minutes=30),
            "Task_inform_hotline",
            AGENT,
            lambda at: {"hotline_informed_at": beijing(at), "hotline_informed": True},
        )  # fmt: skip
        .work(began + timedelta(minutes=45), "Task_housing_notice", DISPATCH, _housing)
        .work(began + timedelta(hours=1), "Task_emergency_plan", DISPATCH, _plan(began + timedelta(hours=5)))
        .work(began + timedelta(hours=4, minutes=30), "Task_repair", STAFF, _outage_restored)
    )
    return [new, major, restored]


def demo_cases(demo: Demo) -> list[DemoCase]:
    return arrears_cases(demo) + hazard_cases(demo) + planned_cases(demo) + emergency_cases(demo)
