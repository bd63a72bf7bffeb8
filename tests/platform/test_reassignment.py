"""Nobody's tasks (issue 11 §2): a lane that resolves to nobody is refused at deploy with the fix; a task whose group
lost its people shows as 无人办理 to heads and administrators, who reassign it (to a person or a unit) with a reason
kept in the history; the projection check still agrees with the history afterwards."""

from __future__ import annotations

import json

import pytest

from app.core.errors import Forbidden, Invalid
from app.engine import BpmnInvalid
from app.extensions import db
from app.org import users
from app.platform import audit, definitions, inbox, instances, reassignment, tasks
from app.settings import PROJECT_ROOT
from tests.conftest import SAMPLE_BPMN
from tests.walk import event_payloads, open_tasks
from tests.web.test_pages import sign_in

SAMPLE = SAMPLE_BPMN.read_text(encoding="utf-8")


def test_deploy_refuses_a_lane_that_is_no_unit_and_says_how_to_fix_it(app, people):
    typo = SAMPLE.replace('name="客服中心"', 'name="客服部"')
    with pytest.raises(BpmnInvalid) as err:
        definitions.deploy(typo.encode("utf-8"), "typo.bpmn")
    [problem] = err.value.problems
    assert "泳道“客服部”不是任何单位" in problem.message and "修改方法：把泳道名改为单位名称" in problem.message
    assert problem.element_id == "Lane_csc" and problem.kind == "lane" and problem.line  # pinned to the lane (issue 19)


def test_deploy_refuses_a_unit_without_active_people_and_accepts_it_once_staffed(app, people):
    users.ensure_unit("计量中心", "department")
    empty = SAMPLE.replace('name="客服中心"', 'name="计量中心"')
    with pytest.raises(BpmnInvalid) as err:
        definitions.deploy(empty.encode("utf-8"), "empty.bpmn")
    assert "单位“计量中心”没有在职人员" in err.value.problems[0].message
    assert "先在“用户与单位”中为“计量中心”添加人员" in err.value.problems[0].message
    users.add_user("jl_staff", "metering-pass-1", "计量中心", ["staff"], "计量员")
    definitions.deploy(empty.encode("utf-8"), "empty.bpmn")  # bound lanes (分公司) are resolved when a case runs


def test_every_company_diagram_deploys_against_the_demo_directory(app, people):
    for path in sorted((PROJECT_ROOT / "processes").glob("*.bpmn")):
        definitions.deploy(path.read_bytes(), path.name)


def _visit_for(branch: str, people) -> tuple[int, object]:
    agent = people["kf_agent"].user
    instance = instances.start("platform_sample", {"branch": branch, "customer_name": "王五"}, agent)
    register = open_tasks(instance.id)["Task_register"]
    tasks.claim(register.id, agent)
    instances.complete_task(register.id, {"needs_visit": True}, agent)
    return instance.id, open_tasks(instance.id)["Task_visit"]


def _leave(username: str) -> None:
    users.get_by_username(username).active = False
    db.session.commit()


def test_a_task_whose_group_emptied_shows_as_unstaffed_to_heads_and_admins(app, sample, people):
    case, visit = _visit_for("苍溪县分公司", people)
    assert visit.candidate_group == "苍溪县分公司"
    assert reassignment.unstaffed_tasks(people["admin"].user) == []
    _leave("cx_staff")  # the branch's only member leaves after the task was made
    ids = lambda name: [t.id for t in reassignment.unstaffed_tasks(people[name].user)]  # noqa: E731
    assert ids("admin") == [visit.id] and ids("kf_head") == [visit.id]  # 客服中心 oversees every case
    assert ids("lz_head") == []  # not his unit
    assert inbox.counts(people["kf_head"].user)["unstaffed"] == 1
    assert "unstaffed" not in inbox.counts(people["kf_agent"].user)  # staff have no such view
    listing = inbox.listing(people["kf_agent"].user, "unstaffed", inbox.Filters())
    assert listing.view.name == "mine"  # and cannot open it


def test_heads_reassign_with_a_reason_recorded_and_projections_still_agree(app, sample, people):
    case, visit = _visit_for("苍溪县分公司", people)
    _leave("cx_staff")
    with pytest.raises(Forbidden):
        reassignment.reassign(visit.id, people["lz_head"].user, "帮忙", to_group="利州区分公司")
    with pytest.raises(Invalid) as err:
        reassignment.reassign(visit.id, people["kf_head"].user, "  ", to_group="利州区分公司")
    assert err.value.extra["errors"][0]["field"] == "reason"
    with pytest.raises(Invalid) as err:
        reassignment.reassign(visit.id, people["kf_head"].user, "无人", to_group="苍溪县分公司")
    assert "没有在职人员" in err.value.extra["errors"][0]["message"]
    reassignment.reassign(visit.id, people["kf_head"].user, "苍溪县分公司无人在岗，由利州区分公司代办",
                          to_group="利州区分公司")  # fmt: skip
    moved = tasks.get(visit.id)
    assert moved.candidate_group == "利州区分公司" and moved.assignee_id is None
    assert visit.id in [r.task.id for r in inbox.listing(people["lz_staff"].user, "group", inbox.Filters()).rows]
    # now the 利州 head may move it on, to one person
    reassignment.reassign(visit.id, people["lz_head"].user, "孙师傅熟悉该户", to_user="lz_staff")
    assert tasks.get(visit.id).assignee_id == people["lz_staff"].user.id
    [first, second] = event_payloads(case, "reassigned")
    assert first["from_group"] == "苍溪县分公司" and first["to_group"] == "利州区分公司"
    assert first["reason"] == "苍溪县分公司无人在岗，由利州区分公司代办" and second["to"] == "lz_staff"
    verdict = audit.verify_case(case)
    assert verdict.ok, verdict
    instances.complete_task(visit.id, {"result": "已上门处理"}, people["lz_staff"].user)


def test_reassigning_to_a_person_outside_the_group_moves_the_group_with_them(app, sample, people):
    case, visit = _visit_for("利州区分公司", people)
    reassignment.reassign(visit.id, people["admin"].user, "请客服中心跟进", to_user="kf_agent")
    moved = tasks.get(visit.id)
    assert moved.candidate_group == "客服中心" and moved.assignee_id == people["kf_agent"].user.id


def test_reassign_page_and_api(app, sample, people):
    case, visit = _visit_for("苍溪县分公司", people)
    _leave("cx_staff")
    head = sign_in(app, "kf_head")
    menu = head.get("/inbox").get_data(as_text=True)
    assert 'data-view="unstaffed"' in menu and "无人办理" in menu
    page = head.get(f"/tasks/{visit.id}").get_data(as_text=True)
    assert 'id="reassign"' in page and "改派原因" in page
    refused = head.post(f"/tasks/{visit.id}/reassign", {"to": "group", "to_group": "利州区分公司", "reason": ""})
    assert refused.status_code == 303
    again = head.get(f"/tasks/{visit.id}").get_data(as_text=True)
    assert "未改派：请填写改派原因" in again and 'value="利州区分公司" class="picked"' in again  # kept
    done = head.post(f"/tasks/{visit.id}/reassign", {"to": "group", "to_group": "利州区分公司", "reason": "代办"})
    assert done.status_code == 303 and tasks.get(visit.id).candidate_group == "利州区分公司"
    agent = sign_in(app, "kf_agent")
    assert 'data-view="unstaffed"' not in agent.get("/inbox").get_data(as_text=True)
    assert 'id="reassign"' not in agent.get(f"/tasks/{visit.id}").get_data(as_text=True)
    client = app.test_client()
    listed = client.get("/api/v1/tasks/unstaffed", headers=people["admin"].headers)
    assert listed.status_code == 200 and listed.json["total"] == 0
    assert client.get("/api/v1/tasks/unstaffed", headers=people["kf_agent"].headers).status_code == 403
    api = client.post(f"/api/v1/tasks/{visit.id}/reassign", headers=people["admin"].headers,
                      json={"to_user": "lz_staff2", "reason": "指定专人"})  # fmt: skip
    assert api.status_code == 200 and api.json["assignee_id"] == people["lz_staff2"].user.id
    assert json.loads(api.data)["candidate_group"] == "利州区分公司"


def test_after_claiming_from_the_list_the_person_lands_on_the_task(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    register = open_tasks(instance.id)["Task_register"]
    agent = sign_in(app, "kf_agent")
    claimed = agent.post(f"/tasks/{register.id}/claim", {"next": "/inbox?view=group"})
    assert claimed.status_code == 303 and claimed.headers["Location"] == f"/tasks/{register.id}"
    taken = agent.post(f"/tasks/{register.id}/claim", {"next": "/inbox?view=group"})  # already mine: no error
    assert taken.headers["Location"] == f"/tasks/{register.id}"
