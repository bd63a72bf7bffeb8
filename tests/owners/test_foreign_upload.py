"""A diagram drawn in another tool, uploaded into the owners' workplace (issue 19): it becomes a draft as uploaded,
and the modeler's list holds every problem deploy would refuse it for, with the element's type."""

from __future__ import annotations

import json

from app.owners import drafts
from tests.conftest import FIXTURES


def test_issue19_uploaded_foreign_diagram_lists_every_problem_in_the_modeler(change_process, client):
    owner = change_process["owner"]
    content = (FIXTURES / "foreign" / "camunda7_many_faults.bpmn").read_bytes()
    draft = drafts.start_from_upload(content, owner.user)
    assert draft.key == "foreign_many_faults" and "camunda:class" in draft.xml  # kept as uploaded
    problems = json.loads(draft.problems_json)
    assert draft.error_count == 11
    kinds = {p["element_id"]: p["kind_zh"] for p in problems if p["severity"] == "error"}
    assert kinds["Lane_crew"] == "泳道" and kinds["Task_survey"] == "用户任务" and kinds["Call_billing"] == "调用活动"
    saved = client.put(f"/api/v1/owners/drafts/{draft.id}/xml", data=content,
                       headers={**owner.headers, "Content-Type": "application/xml"})  # fmt: skip
    assert saved.status_code == 200
    assert sum(p["severity"] == "error" for p in saved.json["problems"]) == 11


def test_issue19_a_gbk_file_from_visio_uploads_and_has_no_error(change_process):
    content = (FIXTURES / "foreign" / "visio_gbk.bpmn").read_bytes()
    draft = drafts.start_from_upload(content, change_process["owner"].user)
    assert draft.error_count == 0 and "张贴停气公告" in draft.xml and 'encoding="UTF-8"' in draft.xml
