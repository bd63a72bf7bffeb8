"""Shared steps of the connection tests: an application and the data each task takes."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask

COUNTER = {"channel": "counter", "customer_class": "A1", "customer_name": "广元市宏达机械制造有限公司",
           "phone": "13981230417", "branch": "利州区分公司", "street": "宝轮镇", "estate": "工业园区 3 号地块",
           "room": "1 号厂房", "expected_use": "热处理炉 2 台、食堂灶具", "expected_volume": 12000,
           "documents_brought": ["id_card", "license", "deed", "site_plan", "load_list"]}  # fmt: skip
ALL_DOCS_A = ["id_card", "license", "deed", "site_plan", "load_list"]


def open_task(instance_id: int, spec: str) -> HumanTask:
    return db.session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.spec_name == spec,
                                HumanTask.state == "ready")
    )  # fmt: skip


def ready_specs(instance_id: int) -> list[str]:
    return sorted(db.session.scalars(select(HumanTask.spec_name).where(HumanTask.instance_id == instance_id,
                                                                        HumanTask.state == "ready")))  # fmt: skip


def work(people, instance_id: int, spec: str, username: str, data: dict):
    from app.platform import instances, tasks

    task = open_task(instance_id, spec)
    assert task is not None, f"{spec} not open; open: {ready_specs(instance_id)}"
    user = people[username].user
    if task.assignee_id is None:
        tasks.claim(task.id, user)
    return instances.complete_task(task.id, data, user)


# Times of what happened are never in the future (x-past): a walk opened on Monday 2026-03-02 09:00 moves the clock to
# SURVEYED before the survey and the contract, and to BUILT before the construction and the inspection.
SURVEYED = "2026-03-02T10:30:00+08:00"
BUILT = "2026-03-03T17:30:00+08:00"
ACCEPT = {"documents_received": ALL_DOCS_A, "work_phone": "0839-3301234", "accept_note": "资料齐全，予以受理"}
SURVEY = {"surveyed_at": "2026-03-02T10:00:00+08:00", "designer": "lz_staff", "conditions_met": True,
          "survey_findings": "厂区内已有中压管网，具备接入条件"}  # fmt: skip
PLAN = {"plan_summary": "中压 DN100 接入，厂区调压箱一座，计量表两块", "needs_external": False}
CONTRACT = {"contract_no": "GY-2026-0317", "contract_signed_on": "2026-03-02"}
CONSTRUCTION = {"construction_unit": "安装公司", "construction_done_at": "2026-03-03T16:00:00+08:00",
                "construction_note": "户内外管道及调压箱安装完毕"}  # fmt: skip
INSPECTION = {"inspected_at": "2026-03-03T17:00:00+08:00", "inspector": "lz_staff", "inspection_passed": True,
              "inspection_findings": "强度及严密性试验合格"}  # fmt: skip
