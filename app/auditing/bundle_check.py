"""Check an audit bundle (bundles.py) with no database and no app: every file against the manifest's sha256, each
case's hash chain and chain head, its inclusion in the sealed Merkle root, the seal's own hash, and a replay of every
case on the engine from the bundle's diagrams to the same state digests. With the history key (``--key FILE``) the
events' MACs and the seal's signature are checked too; without it the report says they were not."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app import engine
from app.platform import audit, history, merkle
from app.platform.history_keys import Keyring, parse
from app.platform.script_functions import script_functions
from app.platform.seal_check import record_problems
from app.platform.seals import SealRecord, leaf_bytes


@dataclass
class BundleReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    digest: str = ""

    def good(self, text: str) -> None:
        self.lines.append(f"OK   {text}")

    def bad(self, text: str) -> None:
        self.ok = False
        self.problems.append(text)
        self.lines.append(f"FAIL {text}")


def load_key(path: Path) -> Keyring:
    keys = parse(path.read_text())
    return Keyring(keys, list(keys)[-1], str(path))


def check(path: Path, ring: Keyring | None = None) -> BundleReport:
    report = BundleReport()
    raw = path.read_bytes()
    report.digest = hashlib.sha256(raw).hexdigest()
    try:
        archive = zipfile.ZipFile(path)
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        report.bad(f"不是审计包：{err} (not an audit bundle)")
        return report
    files = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    _check_files(report, manifest, files)
    if not report.ok:
        return report
    seal = (
        SealRecord(**{k: v for k, v in json.loads(files["seal.json"]).items() if k != "format"})
        if "seal.json" in files
        else None
    )
    proofs = json.loads(files.get("proofs.json", b"{}"))
    if seal is not None:
        for problem in record_problems(seal, ring):
            report.bad(problem.text)
        if ring is None:
            report.lines.append(
                f"--   封存 {seal.short_code} 的签名未核对（未提供密钥）(signature not checked: no key)"
            )
        else:
            report.good(f"封存 {seal.short_code} 签名有效 (seal signature verifies)")
    definitions = _definitions(manifest, files)
    eng = engine.Engine(_replay_functions(manifest), manifest.get("script_timeout_seconds", 2.0), 10_000_000)
    for instance_id in manifest["cases"]:
        case = json.loads(files[f"cases/{instance_id}.json"])
        _check_case(report, case, ring, seal, proofs.get(str(instance_id)))
        _replay_case(report, case, eng, definitions, manifest)
    return report


def _check_files(report: BundleReport, manifest: dict, files: dict[str, bytes]) -> None:
    listed = manifest.get("files", {})
    for name in sorted(set(listed) | set(files)):
        if name not in files:
            report.bad(f"{name} 缺失 (missing)")
        elif name not in listed:
            report.bad(f"{name} 不在清单中 (not in the manifest)")
        elif hashlib.sha256(files[name]).hexdigest() != listed[name]:
            report.bad(f"{name} 的 sha256 与清单不符 (sha256 differs)")
    if report.ok:
        report.good(f"{len(files)} 个文件与清单 sha256 一致 (every file matches the manifest)")


def _check_case(report: BundleReport, case: dict, ring, seal: SealRecord | None, proof: dict | None) -> None:
    instance_id, events = case["instance_id"], case["events"]
    for ev in events:
        ev["at"] = datetime.fromisoformat(ev["at"])
    chain = history.check_events(instance_id, events, ring)
    last = events[-1]["hash"] if events else ""
    if chain.first_broken_seq is not None or (ring is not None and not chain.ok):
        report.bad(f"案件 {instance_id}：第 {chain.first_broken_seq} 条事件 {chain.reason}")
    elif case["event_seq"] != len(events) or case["event_hash"] != last:
        report.bad(f"案件 {instance_id}：链头与最后一条事件不符 (chain head differs)")
    else:
        report.good(f"案件 {instance_id}：{len(events)} 条事件哈希链完整{'（含密钥签名）' if ring else ''}")
    if seal is None:
        report.lines.append(f"--   案件 {instance_id}：包中没有封存 (no seal in the bundle)")
    elif proof is None:
        report.lines.append(f"--   案件 {instance_id}：不在封存 {seal.short_code} 中（封存后发起）(not in the seal)")
    else:
        seq = proof["event_seq"]
        head = events[seq - 1]["hash"] if 0 < seq <= len(events) else history.GENESIS
        leaf = leaf_bytes(instance_id, seq, head)
        if head == proof["head_hash"] and merkle.verify_inclusion(
            leaf, proof["index"], proof["size"], proof["proof"], seal.root
        ):
            report.good(
                f"案件 {instance_id}：前 {seq} 条事件包含在封存 {seal.short_code} 的根哈希中 (included in the seal)"
            )
        else:
            report.bad(f"案件 {instance_id}：与封存 {seal.short_code} 不符 (not included in the sealed root)")


def _definitions(manifest: dict, files: dict[str, bytes]) -> dict[int, engine.Definition]:
    return {
        int(def_id): engine.parse_definition(files[item["file"]], item["file"].split("/", 1)[1])
        for def_id, item in manifest["definitions"].items()
    }


def _replay_functions(manifest: dict) -> dict:
    def recorded_only(*_args, **_kwargs):
        raise engine.EngineError("审计包重放只能使用记录的结果 (bundle replay uses recorded results only)")

    return script_functions({name: recorded_only for name in manifest.get("area_functions", [])})


def _replay_case(report: BundleReport, case: dict, eng, definitions: dict, manifest: dict) -> None:
    instance_id = case["instance_id"]
    by_version = {(d.key, item["version"]): definitions[int(i)] for i, item in manifest["definitions"].items()
                  for d in [definitions[int(i)]]}  # fmt: skip
    definition, state, replayed = None, None, 0
    with engine.cold():
        for ev in case["events"]:
            if ev["kind"] not in history.STATE_EVENTS:
                continue
            payload = json.loads(ev["payload_json"])
            try:
                if ev["kind"] == "started":
                    definition = by_version[(payload["process"], payload["version"])]
                result = audit.apply_recorded(eng, definition, state, str(instance_id), ev["kind"], ev["at"],
                                              ev["task_id"], payload, lambda i: definitions[int(i)])  # fmt: skip
            except (engine.EngineError, KeyError) as err:
                report.bad(f"案件 {instance_id}：重放第 {ev['seq']} 条事件失败：{err} (replay failed)")
                return
            if result.digest != ev["state_digest"]:
                report.bad(f"案件 {instance_id}：重放到第 {ev['seq']} 条事件时状态摘要不同 (digest differs)")
                return
            replayed += 1
            state = result.state_json
            if ev["kind"] == "migrated":
                definition = definitions[int(payload["definition_id"])]
    if state is None or engine.digest(state) != case["state_digest"]:
        report.bad(f"案件 {instance_id}：重放结果与导出时的状态不同 (final state differs)")
    else:
        report.good(
            f"案件 {instance_id}：从包内流程图重放 {replayed} 步，每步状态摘要一致 (replays to the same digests)"
        )
