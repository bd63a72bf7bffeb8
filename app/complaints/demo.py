"""Demo complaints for `make run` (issue 11): cases at every stage of complaint.bpmn — just recorded, under
investigation, due today with the C14.1 reminder, overdue with the C15.2 escalations, major with a discipline check
and two investigators, resolved at first contact, 信息处理表 late (C15.1), disputed before the committee (C10),
信息处理表 unsigned (C15.1), 四不放过 measures being checked (C3.5), awaiting callbacks (C15.3), reopened after an unsatisfied callback, closed —
and last month's report waiting for the responsible leader (C14.2).

Built by app/platform/demo_cases.py through the intake use case and task completions, as the people of README.md
would: 李坐席 kf_agent records and calls back, 赵经理 lz_head assigns and signs, 孙师傅 lz_staff and 周师傅 lz_staff2
investigate and answer, 郑监察 jj_staff checks misconduct; the full directory's lz_fitter1 is the person complained
about and jd_head sits on the supervision committee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.complaints import intake, notice
from app.complaints import report as complaint_report
from app.models import Customer
from app.org import users
from app.platform.demo_cases import Demo, DemoCase, beijing

BRANCH = "利州区分公司"
AGENT, HEAD, STAFF, STAFF2 = "kf_agent", "lz_head", "lz_staff", "lz_staff2"
COMPLAINEE = "lz_fitter1"


@dataclass(frozen=True)
class Story:
    """What the customer said, and what the people working it find and answer."""

    matter: str
    description: str
    facts: str
    handling: str
    answer: str


STORIES = [
    Story(
        "抄表服务",
        "抄表员连续两个月未上门抄表，按估抄数收费，打电话询问时态度生硬。",
        "经查该片区抄表员请假期间未安排替岗，两个月按估抄计费，电话录音显示答复语气生硬。",
        "重新上门实抄，按实际读数退还多收气费 86.40 元，抄表员当面致歉。",
        "已安排实抄并退还多收气费，对抄表员进行了批评教育，向您致歉。",
    ),
    Story(
        "维修上门超时",
        "报修燃气灶打不着火，约定上午上门，维修人员下午五点才到且未提前告知。",
        "派单系统显示维修人员前一单延误，未按规定提前 2 小时告知客户改约（S14.1）。",
        "已修复灶具点火针，维修站负责人电话致歉，改进派单提醒。",
        "灶具已修好；维修迟到未告知违反服务承诺，已对相关人员处理，向您致歉。",
    ),
    Story(
        "报装进度",
        "新房开通燃气申请已一个月，营业厅一直说在排期，没有明确时间。",
        "该户资料齐全，因施工队排期积压未按承诺时限安排通气。",
        "协调安装公司优先安排，已于三日内完成通气点火。",
        "已优先安排施工并完成通气，延误原因已向您说明，今后按承诺时限办理。",
    ),
    Story(
        "收费争议",
        "本月气费比上月高出三倍，怀疑表计故障，营业厅让自己去检测。",
        "现场核查表计运行正常，用量上升系新装壁挂炉采暖所致。",
        "上门核对读数并讲解阶梯气价，提供免费表计校验预约。",
        "表计经核查正常，用量增加系采暖所致，已为您说明计费规则。",
    ),
    Story(
        "安检人员态度",
        "安检人员进门后催促签字，未讲解检查结果，说话不耐烦。",
        "安检记录完整但未向客户逐项讲解，客户反映态度问题属实。",
        "安检班长带队回访讲解，当事人书面检讨。",
        "已重新上门讲解安检结果，对当事人进行了教育，感谢您的监督。",
    ),
    Story(
        "停气未通知",
        "小区停气一整天，没有看到任何公告，家里老人无法做饭。",
        "管网维修停气公告仅在物业群发布，未按规定在公共渠道提前 48 小时公告（S24.2）。",
        "补发公告流程整改，对受影响住户逐户致歉。",
        "停气未按规定公告，已整改公告流程并向您致歉。",
    ),
    Story(
        "营业厅排队",
        "营业厅只开一个窗口，排队一个多小时，工作人员在聊天。",
        "当日两名窗口人员轮休未补位，监控显示存在闲聊现象。",
        "调整排班，高峰期开足窗口，对当事人批评教育。",
        "已调整营业厅排班并对相关人员进行了处理，感谢您的意见。",
    ),
    Story(
        "表箱漏气",
        "表箱附近有气味，报修后说明天来，担心安全。",
        "维修站以为非紧急报修，未按疑似泄漏优先处置（S22.5）。",
        "当晚上门检漏更换表前阀密封圈，重申疑似泄漏优先处置要求。",
        "已当晚上门处理漏点，对延误处置的人员进行了处理。",
    ),
    Story(
        "补卡收费",
        "IC 卡丢失补卡被收 50 元，别人说不收费。",
        "补卡工本费收费标准已公示，收费符合规定。",
        "向客户出示收费公示和依据。",
        "补卡工本费按公示标准收取，已向您说明依据。",
    ),
    Story(
        "施工未恢复路面",
        "门前燃气管道施工后路面挖开一周没人管，老人差点摔倒。",
        "施工单位未按合同时限恢复路面，现场无警示标志。",
        "督促施工单位两日内恢复路面并设置警示。",
        "路面已恢复，施工单位已被考核，向您致歉。",
    ),
    Story(
        "燃气报警器推销",
        "上门人员自称燃气公司，强行推销报警器。",
        "经核实上门人员非我公司员工，系冒用公司名义。",
        "协助客户报警，发布防骗提示。",
        "上门推销者并非我公司员工，已协助报警并发布防骗提示。",
    ),
    Story(
        "通气点火延误",
        "装修完成预约通气，三次改期都没来。",
        "预约系统故障导致工单丢失两次。",
        "修复预约系统，当日上门通气点火。",
        "已完成通气，预约工单丢失的问题已修复，向您致歉。",
    ),
    Story(
        "账单地址错误",
        "账单寄到了别人家，个人信息泄露。",
        "档案地址录入时门牌号错误。",
        "更正档案地址，收回错寄账单。",
        "档案地址已更正，错寄账单已收回，向您致歉。",
    ),
]


def _intake(customer: Customer, story: Story, about: dict, received: datetime, channel: str, extra: dict):
    payload = {
        "channel": channel,
        "received_at": beijing(received),
        "complainant": {"name": customer.name, "phone": customer.phones[0].phone, "address": customer.address,
                        "anonymous": False},
        "account_no": customer.account_no,
        "about": about,
        "description": story.description,
        "matter": story.matter,
        **extra,
    }  # fmt: skip
    return lambda: intake.intake(payload, users.get_by_username(AGENT)).instance_id


def _recorded(key: str, title: str, customer: Customer, story: Story, at: datetime, about: dict | None = None,
              channel: str = "hotline", **extra) -> DemoCase:  # fmt: skip
    """The hotline agent records the call a few minutes after it came in."""
    received = at - timedelta(minutes=6)
    return DemoCase(key, title).open(at, _intake(customer, story, about or {"unit": BRANCH}, received, channel, extra))


GENERAL = {"severity": "general", "responsible_unit": BRANCH, "misconduct_alleged": False,
           "triage_note": "属分公司服务问题，按一般投诉由责任单位调查处理"}  # fmt: skip


def _findings(story: Story, signature: str = "孙师傅"):
    """C13.2.4: the findings are told to both parties before the investigation closes."""
    return lambda at: {
        "facts": story.facts, "findings": "投诉反映情况基本属实", "investigator_signature": signature,
        "complainant_talk_with": "投诉人", "complainant_talked_at": beijing(at - timedelta(hours=2)),
        "complainant_talk_how": "phone", "complainant_said": "电话告知调查经过和结论，客户表示认可",
        "complainant_agrees": True,
        "complainee_talk_with": STAFF2, "complainee_talked_at": beijing(at - timedelta(hours=1)),
        "complainee_talk_how": "in_person", "complainee_said": "当面陈述投诉事实经过，当事人承认未按约定上门",
        "complainee_agrees": True,
    }  # fmt: skip


MAJOR = {"severity": "major", "major_criteria": ["broke_rules_or_promise", "conflict_or_wide_negative"],
         "responsible_unit": BRANCH, "misconduct_alleged": True,
         "triage_note": "员工态度恶劣并与客户发生争执，按重大投诉处理，移交纪检核查"}  # fmt: skip


def _superior(at: datetime) -> dict:
    return {"superior_talked_at": beijing(at - timedelta(minutes=30)), "superior_talk_how": "in_person",
            "superior_opinion": "听取调查人陈述的事实经过，认可调查结论，已约谈当事人", "superior_agrees": True}  # fmt: skip


ASSIST = {"assist_contact": HEAD, "assist_materials": "提供派单记录、当事员工排班表及通话录音，安排当事员工配合约谈"}
VALID = {
    "valid": True,
    "reason": "valid_2",
    "reason_note": "违反服务承诺",
    "caused_by_company": True,
    "disputed": False,
}
VALID_NOT_OURS = {"valid": True, "reason": "valid_9", "reason_note": "单位间协调不力", "caused_by_company": False,
                  "disputed": False}  # fmt: skip


def _answered(story: Story):
    return lambda at: {"handling": story.handling, "answer_text": story.answer,
                       "answered_at": beijing(at - timedelta(minutes=30)), "external_cause": False}  # fmt: skip


def _record(story: Story) -> dict:
    return {"process": f"受理后调查核实：{story.facts}", "result": story.handling}


SIGNED = {"head_signature": "赵经理", "head_opinion": "同意，按整改措施落实"}
FOUR = {"cause": "服务流程执行不到位", "responsible_people": "当事员工及班组长", "people_handling": "通报批评，扣减当月绩效",
        "measures": "完善替岗与提前告知制度，每周抽查执行情况"}  # fmt: skip


CHECKED = {"measures_done": True, "check_note": "抽查维修站记录，疑似泄漏均已优先处置"}
SATISFIED = {"satisfaction": "满意", "csc_callback": "客户对处理结果表示满意"}
UNSATISFIED = {"satisfaction": "不满意", "repeat_reason": "no_communication",
               "csc_callback": "客户称通气后无人沟通，对处理结果不满意"}  # fmt: skip


def _called_back(at: datetime) -> dict:
    return {"unit_callback": "电话回访，客户表示问题已解决", "unit_callback_at": beijing(at - timedelta(minutes=5))}


def _investigated(case: DemoCase, story: Story, days: list[datetime], validity: dict = VALID) -> DemoCase:
    """Triage, assignment, investigation, the superior's word and the validity ruling, at the given moments."""
    case.work(days[0], "Task_triage", AGENT, GENERAL)
    case.work(days[1], "Task_assign", HEAD, {"investigators": [STAFF], "conflict_declared": False})
    case.work(days[2], "Task_investigate", STAFF, _findings(story))
    case.work(days[3], "Task_superior", HEAD, _superior)
    return case.work(days[4], "Task_validity", AGENT, validity)


def _answered_and_signed(case: DemoCase, story: Story, days: list[datetime]) -> DemoCase:
    case.work(days[0], "Task_answer", STAFF, _answered(story))
    case.work(days[1], "Task_record", STAFF, _record(story))
    return case.work(days[2], "Task_record_sign", HEAD, SIGNED)


def complaint_cases(demo: Demo) -> list[DemoCase]:
    d, s = demo, STORIES
    wd = d.working_days_ago
    people = iter([d.customer(BRANCH) for _ in range(16)])
    cases = [_recorded("complaints.new", "投诉：刚受理，待分派定级", next(people), s[0], d.hours_ago(1))]

    case = _recorded("complaints.investigating", "投诉：调查核实中", next(people), s[1], wd(2, "09:20"))
    case.work(wd(2, "10:05"), "Task_triage", AGENT, GENERAL)
    cases.append(case.work(wd(1, "09:10"), "Task_assign", HEAD, {"investigators": [STAFF], "conflict_declared": False}))

    # C14.1: received 5 working days before the first working day from today: due at its end; the reminder fired.
    case = _recorded("complaints.due_today", "投诉：今日到期（已提醒）", next(people), s[2], wd(5, "10:40"))
    moments = [wd(5, "14:00"), wd(4, "09:30"), wd(3, "16:00"), wd(2, "10:00"), wd(2, "15:20")]
    cases.append(_investigated(case, s[2], moments, VALID_NOT_OURS).claim(wd(1, "09:05"), "Task_answer", STAFF))

    # C15.2: past the limit: the breach timer opened both escalations.
    case = _recorded("complaints.overdue", "投诉：已超期，督办中", next(people), s[3], wd(7, "15:10"),
                     channel="12345", external_ref="SC12345-2026-08817")  # fmt: skip
    moments = [wd(6, "09:00"), wd(6, "11:00"), wd(5, "15:00"), wd(4, "10:00"), wd(4, "16:00")]
    cases.append(_investigated(case, s[3], moments))

    # C4(二)/C5.2: a major complaint is investigated by 客服中心, the responsible unit assisting; C6 in parallel.
    case = _recorded("complaints.major", "投诉：重大投诉，客服中心调查、责任单位配合、纪检核查", next(people), s[4],
                     wd(3, "11:00"), about={"user": COMPLAINEE})  # fmt: skip
    case.work(wd(3, "14:30"), "Task_triage", AGENT, MAJOR)
    case.work(wd(2, "09:40"), "Task_unit_assist", HEAD, ASSIST)
    cases.append(case.claim(wd(1, "09:00"), "Task_csc_investigate", AGENT))

    # C13.2.5: an investigator with a conflict is joined by a second one, who co-signs.
    case = _recorded("complaints.cosign", "投诉：两人调查，待第二调查人会签", next(people), s[4], wd(3, "11:20"),
                     about={"user": COMPLAINEE})  # fmt: skip
    case.work(wd(3, "14:40"), "Task_triage", AGENT, GENERAL)
    case.work(
        wd(2, "09:50"),
        "Task_assign",
        HEAD,
        {"investigators": [STAFF, STAFF2], "conflict_declared": True, "conflicted_investigators": [STAFF]},
    )
    cases.append(case.work(wd(1, "16:30"), "Task_investigate", STAFF, _findings(s[4])))

    case = _recorded("complaints.first_contact", "投诉：坐席当场解决，待回访", next(people), s[8], d.hours_ago(5),
                     resolved_on_call=True, answer="当场出示补卡收费公示并解释依据，客户表示理解")  # fmt: skip
    cases.append(case.claim(d.hours_ago(4), "Task_callback_unit", AGENT))  # C15.3 first round: CSC solved it

    # C15.1: answered two working days ago, the 信息处理表 not filed within a day.
    case = _recorded("complaints.record_late", "投诉：信息处理表超过 1 日未报", next(people), s[5], wd(4, "08:50"))
    _investigated(case, s[5], [wd(4, "09:30"), wd(3, "09:00"), wd(3, "15:00"), wd(2, "09:30"), wd(2, "10:00")])
    cases.append(case.work(wd(2, "10:30"), "Task_answer", STAFF, _answered(s[5])))

    # C15.1: the 信息处理表 filed on the day of the answer, the department head's signature not given within the day.
    case = _recorded("complaints.sign_late", "投诉：信息处理表超过 1 日未签字", next(people), s[0], wd(4, "09:10"))
    _investigated(case, s[0], [wd(4, "09:40"), wd(3, "09:10"), wd(3, "15:10"), wd(2, "09:40"), wd(2, "10:10")])
    case.work(wd(2, "10:40"), "Task_answer", STAFF, _answered(s[0]))
    cases.append(case.work(wd(2, "16:00"), "Task_record", STAFF, _record(s[0])))

    case = _recorded("complaints.disputed", "投诉：认定有争议，待监督委员会裁定", next(people), s[9], wd(4, "09:15"))
    moments = [wd(4, "10:00"), wd(3, "09:20"), wd(3, "15:00"), wd(2, "10:10"), wd(1, "16:40")]
    disputed = {**VALID_NOT_OURS, "disputed": True, "reason_note": "施工单位与分公司责任划分有争议"}
    cases.append(_investigated(case, s[9], moments, disputed))

    case = _recorded("complaints.callback", "投诉：已答复，待责任单位回访", next(people), s[3], wd(6, "10:00"))
    moments = [wd(6, "11:00"), wd(5, "09:00"), wd(5, "16:00"), wd(4, "10:00"), wd(4, "15:00")]
    _investigated(case, s[3], moments, VALID_NOT_OURS)
    cases.append(_answered_and_signed(case, s[3], [wd(3, "10:00"), wd(3, "15:00"), wd(2, "10:00")]))

    # C15.3: a 12345 complaint: the second round is the 12345 platform's own callback, which CSC records.
    case = _recorded("complaints.channel_callback", "投诉：12345 工单，待登记渠道回访结果", next(people), s[2],
                     wd(7, "10:30"), channel="12345", external_ref="SC12345-2026-09120")  # fmt: skip
    moments = [wd(7, "11:00"), wd(6, "09:00"), wd(6, "16:00"), wd(5, "10:00"), wd(5, "15:00")]
    _investigated(case, s[2], moments, VALID_NOT_OURS)
    _answered_and_signed(case, s[2], [wd(4, "10:00"), wd(4, "15:00"), wd(3, "10:00")])
    cases.append(case.work(wd(2, "10:00"), "Task_callback_unit", STAFF, _called_back))

    case = _recorded("complaints.measures", "投诉：四不放过，整改落实检查中", next(people), s[6], wd(8, "14:00"))
    _investigated(case, s[6], [wd(8, "15:00"), wd(7, "10:00"), wd(6, "16:00"), wd(5, "11:00"), wd(5, "15:30")])
    _answered_and_signed(case, s[6], [wd(4, "16:00"), wd(4, "17:30"), wd(3, "10:00")])
    cases.append(case.work(wd(1, "11:00"), "Task_accountability", STAFF, FOUR))

    case = _recorded(
        "complaints.closed", "投诉：有效投诉，已整改回访（办结）", next(people), s[7], d.days_ago(24, "19:30")
    )
    moments = [d.days_ago(24, "20:10"), d.days_ago(23, "09:00"), d.days_ago(23, "15:00"), d.days_ago(22, "10:00"),
               d.days_ago(22, "14:00")]  # fmt: skip
    _investigated(case, s[7], moments)
    _answered_and_signed(case, s[7], [d.days_ago(22, "16:00"), d.days_ago(21, "10:00"), d.days_ago(21, "15:00")])
    case.work(d.days_ago(20, "10:00"), "Task_accountability", STAFF, FOUR)
    case.work(d.days_ago(17, "15:00"), "Task_measures_check", AGENT, CHECKED)
    case.work(d.days_ago(16, "10:00"), "Task_callback_unit", STAFF, _called_back)
    cases.append(case.work(d.days_ago(15, "16:00"), "Task_callback_csc", AGENT, SATISFIED))

    case = _recorded("complaints.reopened", "投诉：回访不满意，重新处置", next(people), s[11], d.days_ago(12, "10:00"))
    moments = [d.days_ago(12, "11:00"), d.days_ago(11, "09:00"), d.days_ago(11, "16:00"), d.days_ago(10, "10:00"),
               d.days_ago(10, "15:00")]  # fmt: skip
    _investigated(case, s[11], moments, VALID_NOT_OURS)
    _answered_and_signed(case, s[11], [d.days_ago(9, "10:00"), d.days_ago(9, "15:00"), d.days_ago(8, "11:00")])
    case.work(d.days_ago(7, "10:00"), "Task_callback_unit", STAFF, _called_back)
    cases.append(case.work(d.days_ago(6, "15:00"), "Task_callback_csc", AGENT, UNSATISFIED))

    case = _recorded(
        "complaints.first_contact_closed",
        "投诉：当场解决，回访满意（办结）",
        next(people),
        s[10],
        d.days_ago(5, "15:40"),
        resolved_on_call=True,
        answer="告知上门者非本公司员工，提醒客户报警",
    )
    case.work(d.days_ago(5, "17:30"), "Task_callback_unit", AGENT, _called_back)
    cases.append(case.work(d.days_ago(4, "10:30"), "Task_callback_csc", AGENT, SATISFIED))
    return cases + _monthly_report(demo)


def _monthly_report(demo: Demo) -> list[DemoCase]:
    """C14.2: last month's report, compiled on the 1st as the scheduler's job does, waits for the leader."""
    compiled = demo.at(demo.today.replace(day=1), "06:00")
    month = complaint_report.previous_month(compiled)
    if notice.noticed(month) is not None or compiled > demo.now:
        return []  # the scheduler's job already made it (or it is not due yet)
    return [DemoCase("complaints.monthly_report", f"投诉月报：{month}，待分管领导阅知").open(
        compiled, lambda: notice.notify(month).id
    )]  # fmt: skip
