"""The history key (issue 13 §8): outside the database, rotated without re-keying old events, legacy events adopted."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.core.errors import Invalid
from app.extensions import db
from app.models import AppSetting, Event
from app.platform import audit, history, history_keys, instances
from tests.walk import work


def _events(instance_id: int) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))


def test_the_key_lives_in_a_file_beside_the_database_never_in_it(app, sample, people, settings):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    path = settings.instance_dir / history_keys.FILE_NAME
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    ring = history_keys.keyring()
    secret_hex = ring.keys[ring.current_id].hex()
    assert secret_hex in path.read_text()
    stored = " ".join(v for v in db.session.scalars(select(AppSetting.value_json)))
    stored += " ".join(f"{e.payload_json} {e.mac}" for e in _events(instance.id))
    assert secret_hex not in stored


def test_setting_keys_parse_and_the_last_one_signs():
    keys = history_keys.parse("old:" + "11" * 32 + ",new:" + "22" * 32)
    assert list(keys) == ["old", "new"]
    with pytest.raises(Invalid, match="至少 16 字节"):
        history_keys.parse("k1:abcd")
    with pytest.raises(Invalid, match="十六进制"):
        history_keys.parse("k1:" + "zz" * 20)


def test_rotation_keeps_old_events_verifiable(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    old_id = history_keys.keyring().current_id
    new_id = history_keys.rotate()
    assert new_id != old_id
    work(instance.id, "Task_register", people["kf_agent"], {"needs_visit": True})
    ids = [e.key_id for e in _events(instance.id)]
    assert ids[0] == old_id and ids[-1] == new_id
    assert audit.verify(instance.id)[0].ok
    history_keys.rotate()
    assert audit.verify(instance.id)[0].ok


def test_an_event_under_a_key_the_keyring_lacks_is_broken(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    first = _events(instance.id)[0]
    db.session.execute(update(Event).where(Event.id == first.id).values(key_id="kforged"))
    db.session.commit()
    report = history.verify_chain(instance.id)
    assert not report.ok and report.first_broken_seq == 1 and "unknown key id" in report.reason


def test_legacy_unkeyed_events_are_named_then_adopted_without_touching_their_hashes(app, sample, people):
    intact = instances.start("platform_sample", {}, people["kf_agent"].user)
    forged = instances.start("platform_sample", {"customer_name": "张三"}, people["kf_agent"].user)
    db.session.execute(update(Event).values(key_id=None, mac=None))  # as the migration leaves older events
    db.session.commit()
    hashes = [e.hash for e in _events(intact.id)]
    report = history.verify_chain(intact.id)
    assert not report.ok and report.unkeyed == len(hashes) and "adopt-legacy" in report.reason
    first = _events(forged.id)[0]  # altered before adoption, chain not recomputed: adoption refuses it
    db.session.execute(
        update(Event).where(Event.id == first.id).values(payload_json=first.payload_json.replace("张三", "李四"))
    )
    db.session.commit()
    assert history.adopt_legacy() == len(hashes)
    assert [e.hash for e in _events(intact.id)] == hashes
    assert audit.verify(intact.id)[0].ok
    assert not audit.verify(forged.id)[0].ok and _events(forged.id)[0].mac is None


def test_a_keyed_event_set_back_to_unkeyed_is_broken(app, sample, people):
    instance = instances.start("platform_sample", {}, people["kf_agent"].user)
    db.session.execute(update(Event).where(Event.instance_id == instance.id).values(key_id=None, mac=None))
    db.session.commit()
    assert not audit.verify(instance.id)[0].ok
