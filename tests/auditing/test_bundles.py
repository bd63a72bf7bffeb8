"""Audit bundles (issue 15 §6): exported with the exact diagram versions, forms, seal and inclusion proofs, and checked by
`gasflow audit check-bundle` in a directory with no database — files, chains, seal inclusion, replay to the digests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from app.auditing import bundle_check, bundles
from app.platform import definitions, history_keys, instances, seals
from tests.conftest import SAMPLE_BPMN
from tests.walk import work

GASFLOW = Path(sys.executable).parent / "gasflow"


def _run_cli(args: list[str], folder: Path) -> subprocess.CompletedProcess:
    """The command as an operator runs it elsewhere: an empty folder, no DATABASE_URL, no instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GASFLOW_", "DATABASE_URL"))}
    env["GASFLOW_INSTANCE_DIR"] = str(folder / "instance")
    return subprocess.run([str(GASFLOW), "audit", "check-bundle", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _migrated_case(people) -> int:
    instance = instances.start("platform_sample", {"branch": "利州区分公司", "phone": "13800001111"},
                               people["kf_agent"].user, business_key="BUNDLE-1")  # fmt: skip
    work(instance.id, "Task_register", people["kf_agent"], {"needs_visit": True})
    changed = SAMPLE_BPMN.read_bytes().replace("上门处理".encode(), "上门维修".encode())
    definitions.deploy(changed, "platform_sample.bpmn")
    instances.migrate(instance.id, 2, people["admin"].user)
    work(instance.id, "Task_visit", people["lz_staff"], {"result": "已修复"})
    return instance.id


def test_a_case_bundle_checks_and_replays_with_no_database(app, sample, people, tmp_path, settings):
    case_id = _migrated_case(people)
    seals.seal_now()
    later = instances.start("platform_sample", {}, people["kf_agent"].user)  # not sealed yet
    body = bundles.build([case_id, later.id], "test", "auditor")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = folder / "bundle.zip"
    path.write_bytes(body)
    names = zipfile.ZipFile(path).namelist()
    assert {"manifest.json", "seal.json", "proofs.json", f"cases/{case_id}.json",
            "definitions/platform_sample.v1.bpmn", "definitions/platform_sample.v2.bpmn",
            "forms/platform_sample/register.json"} <= set(names)  # fmt: skip
    result = _run_cli([str(path)], folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bundle OK" in result.stdout and "包含在封存" in result.stdout and "不在封存" in result.stdout
    assert "每步状态摘要一致" in result.stdout and "签名未核对" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["bundle.zip"]  # no database, no instance made
    keyed = _run_cli([str(path), "--key", str(settings.instance_dir / history_keys.FILE_NAME)], folder)
    assert keyed.returncode == 0 and "签名有效" in keyed.stdout and "含密钥签名" in keyed.stdout


def _rewrite(path: Path, name: str, edit, fix_manifest: bool) -> Path:
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    files[name] = edit(files[name])
    if fix_manifest:
        manifest = json.loads(files["manifest.json"])
        manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()
    out = path.with_name(f"edited-{fix_manifest}.zip")
    with zipfile.ZipFile(out, "w") as archive:
        for n, b in files.items():
            archive.writestr(n, b)
    return out


def test_an_edited_bundle_is_refused(app, sample, people, tmp_path):
    case_id = _migrated_case(people)
    seals.seal_now()
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundles.build([case_id], "test", "auditor"))
    assert bundle_check.check(path).ok
    name = f"cases/{case_id}.json"

    def actor(raw: bytes) -> bytes:
        case = json.loads(raw)
        case["events"][3]["actor"] = "kf_head"
        return json.dumps(case).encode()

    plain = bundle_check.check(_rewrite(path, name, actor, fix_manifest=False))
    assert not plain.ok and any("sha256" in p for p in plain.problems)
    forged = bundle_check.check(_rewrite(path, name, actor, fix_manifest=True))
    assert not forged.ok and any("第 4 条事件" in p for p in forged.problems)

    def data(raw: bytes) -> bytes:  # recompute every hash after the edit: the seal and the replay still catch it
        case = json.loads(raw)
        ev = next(e for e in case["events"] if e["kind"] == "task_completed")
        ev["payload_json"] = ev["payload_json"].replace("true", "false")
        from datetime import datetime

        from app.platform.history import GENESIS, event_hash

        prev = GENESIS
        for e in case["events"]:
            e["prev_hash"] = prev
            e["hash"] = prev = event_hash(prev, case["instance_id"], e["seq"], datetime.fromisoformat(e["at"]),
                                          e["actor"], e["kind"], e["task_id"], e["payload_json"], e["state_digest"])  # fmt: skip
        case["event_hash"] = prev
        return json.dumps(case).encode()

    rehashed = bundle_check.check(_rewrite(path, name, data, fix_manifest=True))
    text = " ".join(rehashed.problems)
    assert not rehashed.ok and "not included in the sealed root" in text and "digest differs" in text
