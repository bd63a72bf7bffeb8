"""The process owners' workplace in a real browser (issue 14), driving the real modeler: open complaint.bpmn, change a
task's deadline and its form in the panel, see a planted error pinned on its element, fix it, submit; the author
cannot approve; a second owner approves from the diff; the new version is live; a running case is migrated from the
migration page. Also the round trip of the company diagrams and a Camunda Modeler diagram through the modeler, and
the modeler's load time."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.settings import Settings
from tests.browser.conftest import Server, shot, sign_in
from tests.conftest import FIXTURES, ROOT
from tests.owners.xml_compare import semantic_difference

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPANY = ["complaint", "arrears_disconnection", "hazard_disconnection", "complaint_monthly_report"]


@pytest.fixture(scope="module")
def owners_server(tmp_path_factory):
    """A server with the company diagrams and the change process deployed, with their real forms."""
    from app import demo
    from app.calendar import admin as calendar_admin
    from app.extensions import db
    from app.platform import definitions

    folder = tmp_path_factory.mktemp("owners")
    url = f"sqlite:///{folder / 'gasflow.db'}"
    import app.models  # noqa: F401

    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    settings = Settings(database_url=url, instance_dir=folder / "instance", processes_dir=ROOT / "processes",
                        forms_dir=ROOT / "forms", extra_forms_dirs=(FIXTURES / "forms",),
                        secret_key="owners-browser-secret", time_travel=True)  # fmt: skip
    application = create_app(settings)
    with application.app_context():
        calendar_admin.seed_from_package()
        demo.load_directory()
        definitions.deploy_paths([ROOT / "processes"])
    http = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{http.server_port}", application)
    http.shutdown()
    thread.join(timeout=5)
    with application.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def owner_page(browser, owners_server):
    contexts = []

    def make(username: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")  # fmt: skip
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, owners_server.url, username)
        return page

    yield make
    for context in contexts:
        context.close()


def _open_modeler(page, base: str, key: str) -> int:
    page.goto(f"{base}/owners")
    page.locator(f'tr[data-process="{key}"]').get_by_role("button", name="修改流程").click()
    modeler = page.locator("#modeler")
    expect(modeler).to_have_attribute("data-ready", "1")
    return int(modeler.get_attribute("data-ready-ms"))


def _saved_xml(page) -> str:
    return page.evaluate("async () => (await window.gasflowModeler.saveXML({format: true})).xml")


def _select(page, element_id: str, name: str) -> None:
    """Find the element as a person would on a large diagram: Ctrl+F on the canvas, type its name, Enter."""
    page.locator("#canvas .djs-container > svg").focus()
    page.keyboard.press("Control+f")
    search = page.locator(".djs-search-input input")
    expect(search).to_be_visible()
    search.fill(name)
    search.press("End")  # the search pad listens to keyup
    expect(page.locator(".djs-search-result").first).to_be_visible()
    search.press("Enter")
    expect(page.locator("#properties .bio-properties-panel-header-label")).to_have_text(name)
    expect(page.locator("#properties [data-group-id='group-gasflow']")).to_be_visible()
    assert page.evaluate("() => window.gasflowModeler.get('selection').get().map((e) => e.id)") == [element_id]


def _save(page) -> None:
    before = int(page.locator("#modeler").get_attribute("data-saved") or 0)
    page.locator("#canvas .djs-container > svg").focus()
    page.keyboard.press("Control+s")
    expect(page.locator("#modeler")).to_have_attribute("data-saved", str(before + 1))


def _start_complaint(server) -> int:
    from app.complaints import intake as complaints
    from app.customers import records as customers
    from app.org import users

    def run():
        admin = users.get_by_username("admin")
        customers.create(
            {"account_no": "LZ-9001", "name": "张三", "customer_class": "B2", "district": "利州区", "street": "东坝街道",
             "phones": ["13800009001"], "branch": "利州区分公司"}, admin,
        )  # fmt: skip
        payload = {"channel": "hotline", "received_at": "2026-03-02T09:00:00+08:00",
                   "complainant": {"name": "张三", "phone": "13800009001", "address": "利州区东坝街道1号",
                                   "anonymous": False},
                   "account_no": "LZ-9001", "about": {"user": "lz_staff2"}, "description": "燃气表读数异常",
                   "matter": "抄表服务"}  # fmt: skip
        return complaints.intake(payload, users.get_by_username("kf_agent")).instance_id

    return server.call(run)


def test_owner_changes_complaint_second_owner_approves_and_a_running_case_migrates(owners_server, owner_page):
    base = owners_server.url
    running = _start_complaint(owners_server)
    owner = owner_page("owner")
    expect(owner.locator("nav.side")).to_contain_text("流程管理")
    load_ms = _open_modeler(owner, base, "complaint")
    print(f"\nmodeler ready {load_ms} ms after navigation (complaint.bpmn, 877 lines)")

    # deadline: 8 working hours on 分派定级 (Task_triage) through the GasFlow group of the panel
    _select(owner, "Task_triage", "分派定级")
    owner.locator("#bio-properties-panel-gf-slaHours").fill("8")
    owner.locator("#bio-properties-panel-gf-slaHours").press("Tab")
    _save(owner)
    draft_url = owner.url

    # form: the panel links the task's form; add a field in the form editor, preview it, save it to the draft
    _select(owner, "Task_triage", "分派定级")
    owner.locator("#gf-form-link").click()
    schema = json.loads(owner.locator("#schema").input_value())
    schema["properties"]["followup_hint"] = {"type": "string", "title": "回访提示", "maxLength": 200}
    owner.locator("#schema").fill(json.dumps(schema, ensure_ascii=False, indent=2))
    owner.locator("#schema").press("End")
    expect(owner.locator("#preview")).to_contain_text("回访提示")
    owner.get_by_role("button", name="保存到草稿").click()
    expect(owner.locator(".flash.ok")).to_contain_text("表单已保存到草稿")
    owner.goto(draft_url)
    expect(owner.locator("#modeler")).to_have_attribute("data-ready", "1")

    # a planted error: a forbidden import in a script is pinned on its element with the line
    _select(owner, "Task_deadline", "计算答复期限")
    script = owner.locator("#bio-properties-panel-gf-script")
    original = script.input_value()
    script.fill("import os\n" + original)
    script.press("Tab")
    _save(owner)
    badge = owner.locator('.gf-badge[data-element="Task_deadline"]')
    expect(badge).to_be_visible()
    problem = owner.locator('#problems li.error[data-element="Task_deadline"]')
    expect(problem).to_contain_text("行")
    shot(owner, "owners_planted_error")
    owner.get_by_label("变更原因").fill("分派定级 8 小时内完成")
    owner.get_by_role("button", name="提交评审").click()
    expect(owner.locator(".flash.error")).to_contain_text("错误")

    # fix it and submit
    expect(owner.locator("#modeler")).to_have_attribute("data-ready", "1")
    _select(owner, "Task_deadline", "计算答复期限")
    owner.locator("#bio-properties-panel-gf-script").fill(original)
    owner.locator("#bio-properties-panel-gf-script").press("Tab")
    _save(owner)
    expect(owner.locator('.gf-badge[data-element="Task_deadline"]')).to_have_count(0)
    assert owner.locator("#problem-count").get_attribute("data-errors") == "0"
    owner.get_by_label("变更原因").fill("分派定级 8 小时内完成，并记录回访提示")
    owner.get_by_role("button", name="提交评审").click()
    expect(owner.locator(".flash.ok")).to_contain_text("已提交评审")
    # the author cannot approve their own change
    expect(owner.locator("#own-change")).to_contain_text("不能批准自己的变更")
    expect(owner.get_by_role("button", name="批准发布")).to_have_count(0)

    # a second owner reviews the visual diff and approves
    reviewer = owner_page("owner2")
    reviewer.goto(f"{base}/owners")
    reviewer.locator('tr[data-process="complaint"]').get_by_role("link", name="草稿", exact=False).first.click()
    reviewer.get_by_role("link", name="与现行版本对比").click()
    expect(reviewer.locator("#diff")).to_have_attribute("data-ready", "1")
    assert "Task_triage" in reviewer.locator("#diff").get_attribute("data-changed")
    changes = reviewer.locator("#changes")
    expect(changes.locator('tr[data-element="Task_triage"]')).to_contain_text("时限（小时）")
    expect(changes.locator('tr[data-element="form:triage"]')).to_contain_text("回访提示")
    shot(reviewer, "owners_review_diff")
    reviewer.get_by_label("评审意见").fill("同意")
    reviewer.get_by_role("button", name="批准发布").click()
    expect(reviewer.locator(".flash.ok")).to_contain_text("第 2 版现已生效")
    expect(reviewer.locator("#live-version")).to_have_text("第 2 版")

    # the running case moves to version 2 from the migration page
    owner.goto(f"{base}/owners/processes/complaint/migrate?to=2")
    row = owner.locator(f'tr[data-instance="{running}"]')
    expect(row).to_contain_text("可以迁移")
    row.get_by_role("button", name="迁移此案件").click()
    expect(owner.locator(".flash.ok")).to_contain_text(f"案件 {running} 已迁移到第 2 版")
    expect(owner.locator(f'tr[data-instance="{running}"]')).to_have_count(0)
    shot(owner, "owners_migrated")

    def check():
        from app.extensions import db
        from app.models import Event, ProcessDefinition, ProcessInstance
        from app.platform import definitions

        instance = db.session.get(ProcessInstance, running)
        kinds = [e.kind for e in db.session.query(Event).filter_by(instance_id=running)]
        return (
            definitions.live("complaint").version,
            db.session.get(ProcessDefinition, instance.definition_id).version,
            kinds,
        )

    live_version, case_version, kinds = owners_server.call(check)
    assert (live_version, case_version) == (2, 2) and "migrated" in kinds


@pytest.mark.parametrize("key", COMPANY + ["camunda"])
def test_round_trip_through_the_modeler_loses_nothing(owners_server, owner_page, key):
    """The draft opens as stored (the deployed file, or the uploaded Camunda Modeler file) and bpmn-js saves it back
    without losing an element, attribute, text or extension (compared semantically)."""
    page = owner_page("owner")
    if key == "camunda":
        page.goto(f"{owners_server.url}/owners")
        page.get_by_label("BPMN 文件").set_input_files(str(FIXTURES / "camunda_modeler.bpmn"))
        page.get_by_role("button", name="上传并打开").click()
        expect(page.locator("#modeler")).to_have_attribute("data-ready", "1")
        source = (FIXTURES / "camunda_modeler.bpmn").read_text(encoding="utf-8")
    else:
        _open_modeler(page, owners_server.url, key)
        source = page.evaluate("async () => (await fetch(document.getElementById('modeler').dataset.xmlUrl)).text()")
        assert "<bpmn:process" in source
    saved = _saved_xml(page)
    assert semantic_difference(source, saved) == []


def test_modeler_loads_complaint_in_under_two_seconds(owners_server, owner_page):
    """Navigation start to a drawn, editable complaint.bpmn with its panel and checks (performance.now() when the
    page marks itself ready). The machine is shared: the best of three loads counts; all three are printed."""
    page = owner_page("owner")
    _open_modeler(page, owners_server.url, "complaint")
    figures = []
    for _ in range(3):
        page.reload()
        expect(page.locator("#modeler")).to_have_attribute("data-ready", "1")
        figures.append(int(page.locator("#modeler").get_attribute("data-ready-ms")))
    print(f"\nmodeler load (complaint.bpmn): {figures} ms, best {min(figures)} ms")
    assert min(figures) < 2000
