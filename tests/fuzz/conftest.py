"""A live GasFlow (real HTTP, its own fresh database: SQLite, and PostgreSQL when GASFLOW_TEST_POSTGRES is set) with the
company's diagrams, the demo directory and a few cases, for the API fuzzing in this folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from _pytest.nodes import Node

from app import create_app
from app.settings import Settings
from tests.conftest import BACKENDS, FIXTURES, PASSWORD, ROOT, SAMPLE_BPMN, _truncate_postgres
from tests.live import serving

# schemathesis 4.32's lazy loader (schemathesis.pytest.from_fixture) renames the running test through Node._nodeid,
# which pytest 9.2 replaced by Node._id; this gives it back as a view of _id until schemathesis follows.
if not hasattr(Node, "_nodeid"):
    from _pytest.nodeid import coerce_node_id

    Node._nodeid = property(lambda node: str(node._id), lambda node, value: setattr(node, "_id", coerce_node_id(value)))

# Every role at once: the fuzzer reaches the admin, owner and auditor operations too, not only their 403s.
FUZZER_ROLES = ["admin", "staff", "head", "process_owner", "auditor"]


@dataclass
class LiveApi:
    url: str
    app: object
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def _database(request, tmp_path_factory, backend: str) -> str:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "gasflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture(scope="module", params=BACKENDS)
def live_api(request, tmp_path_factory):
    from app import clock, demo
    from app.calendar import admin as calendar_admin
    from app.extensions import db
    from app.org import users
    from app.platform import definitions, instances

    settings = Settings(
        database_url=_database(request, tmp_path_factory, request.param),
        instance_dir=tmp_path_factory.mktemp("fuzz-instance"),
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        extra_forms_dirs=(FIXTURES / "forms",),
        secret_key="fuzz-secret",
        time_travel=True,
        script_timeout_seconds=0.5,
        password_hash_method="pbkdf2:sha256:1000",
        max_task_data_bytes=200_000,
        testing=True,
    )
    application = create_app(settings)
    with application.app_context():
        calendar_admin.seed_from_package()
        demo.load_directory()
        users.add_user("fuzzer", PASSWORD, "客服中心", FUZZER_ROLES, "模糊测试")
        token = users.issue_token("fuzzer")
        definitions.deploy(SAMPLE_BPMN.read_bytes(), SAMPLE_BPMN.name)
        definitions.deploy_paths([ROOT / "processes"])
        # A few cases, so ids near 1 name something real.
        for _ in range(3):
            instances.start("platform_sample", {"customer": "张三"}, users.get_by_username("fuzzer"))
        db.session.remove()
    try:
        with serving(application) as base:
            yield LiveApi(base, application, token)
    finally:
        with application.app_context():
            db.engine.dispose()
        clock.install_offset_source(None)
