"""Backups (S21.3): a consistent snapshot with a checksum; restore into an empty database is exact."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from app import create_app, demo
from app.core.errors import Invalid
from app.customers import records as customers
from app.extensions import db
from app.models import Customer
from app.platform import backup, backup_files
from tests.conftest import _worker


@pytest.fixture
def archive(app, people):
    demo.load_customers(300)
    customers.open_record(1, people["kf_agent"].user)  # a view-log row too
    return app


@pytest.fixture
def empty_database(settings, tmp_path):
    """A second, empty database of the same kind: no tables at all."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"gasflow_restore_{_worker()}"
    admin = sa.create_engine(settings.database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield settings.database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _digests() -> dict:
    with db.engine.connect() as connection:
        return backup.table_digests(connection)


def test_S21_3_backup_then_restore_into_an_empty_database_is_exact(archive, settings, empty_database, tmp_path):
    result = backup.create_backup(tmp_path / "backups")
    source = _digests()
    assert result.tables == source and source["customer"]["rows"] == 300
    assert source["customer_view_log"]["rows"] == 1 and source["app_user"]["rows"] == len(demo.DEMO_USERS) + len(
        demo.DEMO_SYSTEMS
    )
    assert backup_files.sha256_of(result.path) == result.sha256
    target = create_app(settings.with_overrides(database_url=empty_database))
    with target.app_context():
        assert _digests() == {}
        restored = backup.restore(result.path)
        assert restored.tables == source and _digests() == source
        first = db.session.scalar(sa.select(Customer).where(Customer.id == 1))
        assert first.phones and first.branch.kind == "branch"
        db.session.remove()
        db.engine.dispose()


def test_S21_3_restore_refuses_a_tampered_backup_and_leaves_the_database_alone(archive, tmp_path):
    result = backup.create_backup(tmp_path / "backups")
    before = _digests()
    data = bytearray(result.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    result.path.write_bytes(bytes(data))
    with pytest.raises(Invalid, match="校验和不符"):
        backup.restore(result.path)
    result.path.with_name(result.path.name + ".sha256").unlink()
    with pytest.raises(Exception, match="不存在"):
        backup.restore(result.path)
    assert _digests() == before


def test_S21_3_scheduled_backup_keeps_the_newest_n(archive, settings, tmp_path, at):
    archive.config["GASFLOW"] = settings.with_overrides(backup_dir=tmp_path / "weekly", backup_keep=2)
    for day in ("2026-03-01", "2026-03-08", "2026-03-15"):
        at(f"{day}T02:00:00+08:00")
        assert backup.scheduled_backup() is not None
    kept = backup_files.existing(tmp_path / "weekly")
    assert [b.snapshot.name[:16] for b in kept] == ["gasflow-20260307", "gasflow-20260314"]
    assert sorted(p.name for p in (tmp_path / "weekly").iterdir()) == sorted(p.name for b in kept for p in b.files())


def test_S21_3_the_weekly_job_is_registered_from_settings(app, settings):
    from app.scheduler import register_jobs

    app.config["GASFLOW"] = settings.with_overrides(backup_day_of_week="sat", backup_hour=3)
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    [job] = [j for j in scheduler.get_jobs() if j.id == "weekly_backup"]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert fields["day_of_week"] == "sat" and fields["hour"] == "3" and str(job.trigger.timezone) == "Asia/Shanghai"


def test_S21_3_cli_backup_and_restore(archive, tmp_path):
    from app.cli import main

    runner = archive.test_cli_runner()
    made = runner.invoke(main, args=["backup", "--dir", str(tmp_path / "cli")])
    assert made.exit_code == 0, made.output
    path = made.output.splitlines()[0]
    before = _digests()
    db.session.execute(Customer.__table__.delete().where(Customer.id > 100))
    db.session.commit()
    refused = runner.invoke(main, args=["restore", path], input="n\n")
    assert refused.exit_code == 1 and _digests() != before
    restored = runner.invoke(main, args=["restore", path, "--yes"])
    assert restored.exit_code == 0 and "all equal to the manifest" in restored.output, restored.output
    assert _digests() == before
