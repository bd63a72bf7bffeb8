"""Demo process changes for `make run` (issue 11): 陈流程 (owner) has one change waiting for a second process owner's
review (林流程, owner2) and one that review sent back for rework. Neither is approved: the demo never changes a live
diagram. Built by app/platform/demo_cases.py through the owners' own use cases (draft, save, submit) and the review
task; each change only adds a sentence to its diagram's documentation, so it fits whatever the live version is."""

from __future__ import annotations

from app.org import users
from app.owners import changes, drafts
from app.platform.demo_cases import Demo, DemoCase

AUTHOR, REVIEWER = "owner", "owner2"


def _submitted(key: str, sentence: str, reason: str):
    def run() -> int:
        author = users.get_by_username(AUTHOR)
        draft = drafts.start_from_version(key, None, author)
        xml = draft.xml.replace("</bpmn:documentation>", f"{sentence}</bpmn:documentation>", 1)
        drafts.save(draft.id, xml, author)
        return changes.submit(draft.id, reason, author).id

    return run


def demo_cases(demo: Demo) -> list[DemoCase]:
    d = demo
    review = DemoCase("owners.review", "流程变更：月报阅知说明，待另一位流程负责人评审").open(
        d.days_ago(1, "16:30"),
        _submitted(
            "complaint_monthly_report", "分管领导宜在收到后 3 个工作日内阅知。", "明确分管领导阅知月报的时限要求"
        ),
    )
    rework = (
        DemoCase("owners.rework", "流程变更：隐患流程说明，评审退回待修改")
        .open(
            d.days_ago(3, "10:10"),
            _submitted("hazard_disconnection", "整改期限按通知书载明的天数计算。", "补充整改期限的计算说明"),
        )  # fmt: skip
        .work(
            d.days_ago(2, "15:40"),
            changes.REVIEW_TASK,
            REVIEWER,
            {"decision": "return", "comment": "请同时写明期满日逢节假日顺延（民法典第201、203条）"},
        )  # fmt: skip
    )
    return [review, rework]
