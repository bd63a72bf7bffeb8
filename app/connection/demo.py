"""Demo cases of the gas connection area for `make run` (issue 11): applications in 利州区分公司 at every stage — just
taken at the counter (the head still to confirm the manager), a small enterprise on the fast track at its survey, a
housing estate waiting for a promised site plan (容缺, M5.4), a household whose plan needs external works, an
industrial customer whose missing deed was chased before the contract and now at acceptance check, a school canteen
whose survey broke its commitment (escalated to the head, S18.5), a household with its gas-on booked (S7) and a
factory that went all the way to gas-on after one rescheduled visit (S14.1) and is in the archive.

Built from the area's own use cases (application.apply, then the tasks as each person completes them); the people
are the demo users of README.md (孙师傅 lz_staff, 赵经理 lz_head, customer managers 刘经理 lz_mgr1 and 何经理 lz_mgr2).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.connection import application
from app.connection.documents import required
from app.org import users
from app.platform.demo_cases import Demo, DemoCase, beijing

BRANCH = "利州区分公司"
COUNTER, HEAD, MGR1, MGR2 = "lz_staff", "lz_head", "lz_mgr1", "lz_mgr2"


def _apply(payload: dict):
    return lambda: application.apply(payload, users.get_by_username(COUNTER)).instance_id


def _payload(number: int, customer_class: str, name: str, estate: str, use: str, brought: list[str] | None = None,
             **extra) -> dict:  # fmt: skip
    docs = required(customer_class, "counter") if brought is None else brought
    return {"channel": "counter", "customer_class": customer_class, "customer_name": name,
            "phone": f"1398123{number:04d}", "branch": BRANCH, "street": "东坝街道", "estate": estate,
            "room": f"{number % 20 + 1}号", "expected_use": use, "documents_brought": docs, **extra}  # fmt: skip


def _accept(customer_class: str, promised: dict | None = None):
    docs = [d for d in required(customer_class, "counter") if d not in (promised or {})]
    return {"documents_received": docs, "promised": promised or {}, "work_phone": "0839-3301234",
            "accept_note": "资料核对无误，予以受理" if not promised else "缺件容缺受理，客户承诺按期补齐"}  # fmt: skip


def _survey(at: datetime, feasible: bool = True) -> dict:
    return {"surveyed_at": beijing(at - timedelta(hours=1)), "designer": COUNTER, "conditions_met": feasible,
            "survey_findings": "现场已有中压管网，具备接入条件"}  # fmt: skip


def _plan(external: bool = False):
    return {"plan_summary": "中压接入，调压箱一座，计量表一块" if not external else "需新建楼栋引入管，单元立管接入",
            "needs_external": external}  # fmt: skip


def _contract(number: str):
    return lambda at: {"contract_no": number, "contract_signed_on": beijing(at)[:10]}


def _construction(at: datetime) -> dict:
    return {"construction_unit": "安装公司", "construction_done_at": beijing(at - timedelta(hours=1)),
            "construction_note": "户内外管道及计量表安装完毕"}  # fmt: skip


def _inspection(at: datetime) -> dict:
    return {"inspected_at": beijing(at - timedelta(minutes=30)), "inspector": COUNTER, "inspection_passed": True,
            "inspection_findings": "强度及严密性试验合格"}  # fmt: skip


def demo_cases(demo: Demo) -> list[DemoCase]:
    wd = demo.working_days_ago
    cases = []

    new = DemoCase("gc-new-a1", "报装：A1 工业客户刚在窗口受理，待负责人确认客户经理")
    new.open(demo.hours_ago(1.5), _apply(_payload(1, "A1", "广元市利达精密铸造有限公司", "宝轮工业园 5 号",
                                                "熔炼炉 1 台、职工食堂灶具")))  # fmt: skip
    cases.append(new)

    fast = DemoCase("gc-fast-a2", "报装：小型企业快速报装（S18.3），待现场踏勘")
    fast.open(
        wd(1, "09:10"), _apply(_payload(2, "A2", "老王川菜馆", "万达广场 2 层", "中餐灶具 4 眼", small_enterprise=True))
    )
    fast.work(wd(1, "09:40"), "Task_assign_manager", HEAD, {"manager": MGR1, "assign_note": "按在办量推荐"})
    fast.work(wd(1, "10:30"), "Task_accept", MGR1, _accept("A2"))
    cases.append(fast)

    docs = DemoCase("gc-b1-docs", "报装：B1 楼盘容缺受理，等待客户补交总平面图（M5.4）")
    docs.open(wd(2, "09:00"), _apply(_payload(3, "B1", "嘉陵江畔置业有限公司", "江畔名城二期", "住宅 320 户炊事",
                                              brought=["id_card", "deed"])))  # fmt: skip
    docs.work(wd(2, "09:30"), "Task_assign_manager", HEAD, {"manager": MGR2})
    promised = (demo.today + timedelta(days=5)).isoformat()
    docs.work(wd(2, "10:00"), "Task_accept", MGR2, _accept("B1", {"site_plan": promised}))
    docs.work(wd(1, "10:00"), "Task_survey", MGR2, _survey)
    cases.append(docs)

    external = DemoCase("gc-b2-external", "报装：B2 散户，供气方案涉及外线工程")
    external.open(wd(3, "14:00"), _apply(_payload(4, "B2", "陈大爷", "南河小区", "家庭炊事、热水器")))
    external.work(wd(3, "15:00"), "Task_accept", COUNTER, _accept("B2"))
    external.work(wd(2, "10:00"), "Task_survey", COUNTER, _survey)
    external.work(wd(1, "11:00"), "Task_plan", COUNTER, _plan(external=True))
    cases.append(external)

    deed = DemoCase("gc-a1-deed", "报装：A1 容缺补齐房产证后签约施工，待竣工验收")
    deed.open(wd(6, "09:00"), _apply(_payload(5, "A1", "广元市宏达机械制造有限公司", "宝轮工业园 3 号",
                                              "热处理炉 2 台", brought=["id_card", "license", "site_plan", "load_list"])))  # fmt: skip
    deed.work(wd(6, "09:20"), "Task_assign_manager", HEAD, {"manager": MGR1})
    deed.work(wd(6, "10:00"), "Task_accept", MGR1, _accept("A1", {"deed": demo.working_day(4).isoformat()}))
    deed.work(wd(5, "10:00"), "Task_survey", MGR1, _survey)
    deed.work(wd(5, "15:00"), "Task_plan", MGR1, _plan())
    deed.work(wd(4, "10:00"), "Task_docs_contract", MGR1, {"documents_received": required("A1", "counter"),
                                                              "chase_note": "客户送来房产证复印件，已核对原件"})  # fmt: skip
    deed.work(wd(4, "14:00"), "Task_contract", MGR1, _contract("GY-DEMO-0005"))
    deed.work(wd(2, "16:00"), "Task_construction", MGR1, _construction)
    cases.append(deed)

    late = DemoCase("gc-a3-late", "报装：A3 学校食堂现场踏勘超出承诺时限，已升级负责人督办（S18.5）")
    late.open(wd(4, "09:00"), _apply(_payload(6, "A3", "利州区东坝小学", "东坝小学", "学生食堂灶具")))
    late.work(wd(4, "09:30"), "Task_assign_manager", HEAD, {"manager": MGR2})
    late.work(wd(4, "11:00"), "Task_accept", MGR2, _accept("A3"))
    cases.append(late)

    visit = DemoCase("gc-b2-visit", "报装：B2 散户已预约通气（S7）")
    visit.open(wd(5, "09:00"), _apply(_payload(7, "B2", "刘淑芬", "滨江花园", "家庭炊事")))
    visit.work(wd(5, "10:00"), "Task_accept", COUNTER, _accept("B2"))
    visit.work(wd(4, "10:00"), "Task_survey", COUNTER, _survey)
    visit.work(wd(4, "14:00"), "Task_plan", COUNTER, _plan())
    visit.work(wd(3, "10:00"), "Task_contract", COUNTER, _contract("GY-DEMO-0007"))
    visit.work(wd(2, "10:00"), "Task_construction", COUNTER, _construction)
    visit.work(wd(2, "15:00"), "Task_inspection", COUNTER, _inspection)
    visit.work(wd(1, "10:00"), "Task_appointment", COUNTER,
               {"gas_on_at": beijing(demo.now + timedelta(days=1)), "appointment_note": "客户要求上午上门"})  # fmt: skip
    cases.append(visit)

    done = DemoCase("gc-a1-done", "报装：A1 工厂已通气，客户进入一户一档（改约一次，S14.1）")
    done.open(wd(9, "09:00"), _apply(_payload(8, "A1", "广元市蜀北食品有限公司", "宝轮工业园 8 号", "蒸汽锅炉 1 台")))
    done.work(wd(9, "09:30"), "Task_assign_manager", HEAD, {"manager": MGR2})
    done.work(wd(9, "10:30"), "Task_accept", MGR2, _accept("A1"))
    done.work(wd(8, "10:00"), "Task_survey", MGR2, _survey)
    done.work(wd(8, "16:00"), "Task_plan", MGR2, _plan())
    done.work(wd(7, "10:00"), "Task_contract", MGR2, _contract("GY-DEMO-0008"))
    done.work(wd(5, "16:00"), "Task_construction", MGR2, _construction)
    done.work(wd(4, "10:00"), "Task_inspection", MGR2, _inspection)
    first_visit = demo.at(demo.working_day(3), "10:00")
    second_visit = demo.at(demo.working_day(2), "10:00")
    done.work(wd(4, "15:00"), "Task_appointment", MGR2, {"gas_on_at": beijing(first_visit)})
    done.work(wd(3, "07:30"), "Task_gas_on", MGR2, {
        "gas_on_outcome": "reschedule", "called_off_at": beijing(first_visit - timedelta(hours=2, minutes=30)),
        "new_gas_on_at": beijing(second_visit), "reschedule_reason": "点火人员参加抢险，电话告知客户改约"})  # fmt: skip
    done.work(second_visit + timedelta(minutes=50), "Task_gas_on", MGR2, lambda at: {
        "gas_on_outcome": "done", "gassed_at": beijing(at - timedelta(minutes=20)), "meter_reading": 0.4,
        "safety_briefing": True})  # fmt: skip
    cases.append(done)
    return cases
