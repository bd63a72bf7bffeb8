"""A real GasFlow server on a free localhost port (thread, temp SQLite) with the company's diagrams and the demo
directory (README), and Debian's chromium through Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (installed by `make test`). The suite runs on
SQLite only; the pages' behaviour on PostgreSQL is covered by tests/web/test_pages*.py through the shared fixtures.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.settings import Settings
from tests.conftest import FIXTURES, ROOT, SAMPLE_BPMN
from tests.live import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
DEMO_PASSWORD = "gasflow-demo"

# The sample process with a 2-hour SLA on 上门处理, so moving the clock makes that task overdue.
SLA_PROPERTY = '<spiffworkflow:property name="formKey" value="visit" />'
SLA_SAMPLE = SAMPLE_BPMN.read_text(encoding="utf-8").replace(
    SLA_PROPERTY, SLA_PROPERTY + '\n          <spiffworkflow:property name="slaHours" value="2" />'
)


@dataclass
class Server:
    url: str
    app: object

    def call(self, fn, *args, **kwargs):
        """Run a service function against the server's database (clock moves, timer sweeps)."""
        with self.app.app_context():
            return fn(*args, **kwargs)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not (ROOT / "node_modules" / "bpmn-js" / "dist").is_dir():
        pytest.fail("node_modules is missing: run `make test` (it runs npm ci) or `npm ci`")
    from app import demo
    from app.calendar import admin as calendar_admin
    from app.extensions import db
    from app.platform import definitions

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'gasflow.db'}"
    import app.models  # noqa: F401

    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    settings = Settings(
        database_url=url,
        instance_dir=folder / "instance",
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        extra_forms_dirs=(FIXTURES / "forms",),
        secret_key="browser-test-secret",
        time_travel=True,
        password_hash_method="pbkdf2:sha256:1000",
    )
    application = create_app(settings)
    with application.app_context():
        calendar_admin.seed_from_package()
        demo.load_directory()
        definitions.deploy(SLA_SAMPLE.encode("utf-8"), "platform_sample.bpmn")
        list(definitions.deploy_paths([ROOT / "processes"]))  # the company's diagrams, for the journeys
    with serving(application) as base:
        yield Server(base, application)
    with application.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server):
    """open_page("kf_agent") -> a page in its own browser context (own cookies), signed in as that demo user."""
    contexts = []

    def make(username: str | None = None):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            sign_in(page, server.url, username)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def person(open_page, server):
    """person("lz_staff", "hazard") -> a journey.Person signed in as that demo user, screenshots to artifacts/hazard/."""
    from tests.browser.journey import Person

    def make(username: str, journey: str) -> Person:
        return Person(open_page(username), server.url, username, ARTIFACTS / journey)

    return make


@pytest.fixture
def clock_at(server):
    """Move the server's clock (setup, never a person's step); reset after the test."""
    from app.platform import clock_admin

    def move(moment):
        server.call(clock_admin.set_clock, moment)

    yield move
    server.call(clock_admin.reset_clock)


def add_customer(server, data: dict) -> None:
    """Setup: a customer in the archive, as the archive office would add them (once per server)."""
    from app.core.errors import NotFound
    from app.customers import records
    from app.org import users

    def run():
        try:
            records.by_account(data["account_no"])  # already there: another test of this session added it
        except NotFound:
            records.create(data, users.get_by_username("admin"))

    server.call(run)
