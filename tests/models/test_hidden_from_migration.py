"""The hidden_from migration carries over C13.2.5 for cases from before it: the person their tasks excluded (then the
only exclusion, and it hid the whole case) may still not read the case, now through the case's own column."""

from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.settings import Settings


def test_cases_from_before_stay_hidden_from_the_person_their_tasks_excluded(tmp_path):
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path / 'before.db'}"
    app = create_app(Settings(database_url=url, instance_dir=tmp_path, secret_key="x", testing=True))
    with app.app_context():
        upgrade(revision="20261129_user_kind")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO process_definition (id, key, version, name, content_hash, xml, deployed_at) "
                "VALUES (1, 'complaint', 1, '用户投诉', 'h', '<x/>', '2026-03-02 01:00:00')"))  # fmt: skip
            for iid in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO process_instance (id, definition_id, process_key, status, state_json, revision, "
                    "started_at, event_seq, event_hash) VALUES (:id, 1, 'complaint', 'running', '{}', 1, "
                    "'2026-03-02 01:00:00', 0, '')"), {"id": iid})  # fmt: skip
            for tid, iid, excluded in (("t1", 1, "lz_staff"), ("t2", 1, "lz_staff,cx_staff"), ("t3", 2, None)):
                conn.execute(sa.text(
                    "INSERT INTO human_task (id, instance_id, process_key, spec_name, name, state, created_at, due_provisional, "
                    "excluded_usernames) VALUES (:id, :iid, 'complaint', 'Task_x', 'x', 'ready', "
                    "'2026-03-02 01:00:00', 0, :ex)"), {"id": tid, "iid": iid, "ex": excluded})  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            hidden = dict(conn.execute(sa.text("SELECT id, hidden_from FROM process_instance ORDER BY id")).all())
        assert hidden == {1: "cx_staff,lz_staff", 2: None}
        db.session.remove()
        db.engine.dispose()
