"""Demo process changes for `make run` (issue 14): one waiting for a second owner's review, one sent back to its
author — built by app/platform/demo_cases.py through the same use cases the owners' pages call."""

from __future__ import annotations

import re

from app.org import users
from app.owners import changes, drafts
from app.platform.demo_cases import Demo, DemoCase

AUTHOR, REVIEWER = "owner", "owner2"
_FIRST_FORM = re.compile(r'(<spiffworkflow:property name="formKey" value="[^"]*"\s*/>)')


def _submit(key: str, working_days: int, reason: str):
    """A draft of the live version whose first user task gets a deadline, submitted for review by the author."""

    def opener() -> int:
        author = users.get_by_username(AUTHOR)
        draft = drafts.start_from_version(key, None, author)
        prop = f'<spiffworkflow:property name="slaWorkingDays" value="{working_days}"/>'
        drafts.save(draft.id, _FIRST_FORM.sub(lambda m: m.group(1) + prop, draft.xml, count=1), author)
        return changes.submit(draft.id, reason, author).id

    return opener


def demo_cases(demo: Demo) -> list[DemoCase]:
    waiting = DemoCase("owners_review", "流程变更：投诉月报阅知 2 个工作日（待评审）").open(
        demo.days_ago(1, "16:00"), _submit("complaint_monthly_report", 2, "分管领导 2 个工作日内阅知月报")
    )
    returned = (
        DemoCase("owners_rework", "流程变更：投诉月报阅知 3 个工作日（已退回）")
        .open(demo.days_ago(2, "10:00"), _submit("complaint_monthly_report", 3, "分管领导 3 个工作日内阅知月报"))
        .work(demo.days_ago(2, "15:00"), changes.REVIEW_TASK, REVIEWER,
              {"decision": "return", "comment": "C14.2 要求按月汇总，阅知期限请与客服中心商定后再提交"})
    )  # fmt: skip
    return [waiting, returned]
