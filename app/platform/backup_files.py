"""The files of a backup (S21.3): the snapshot, its manifest (row counts and content hashes per table) and a
sha256sum-style checksum file over both; naming, verifying and keeping the last N."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.core.errors import Invalid, NotFound

PREFIX = "gasflow-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


@dataclass(frozen=True)
class BackupSet:
    snapshot: Path

    @property
    def manifest(self) -> Path:
        return self.snapshot.with_name(self.snapshot.name + ".json")

    @property
    def checksum(self) -> Path:
        return self.snapshot.with_name(self.snapshot.name + ".sha256")

    def files(self) -> list[Path]:
        return [self.snapshot, self.manifest, self.checksum]


def new_set(directory: Path, backend: str, at: datetime) -> BackupSet:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{PREFIX}{at:%Y%m%dT%H%M%SZ}"
    candidate, n = directory / f"{stem}{SUFFIXES[backend]}", 1
    while candidate.exists():  # two backups within one second
        n += 1
        candidate = directory / f"{stem}-{n}{SUFFIXES[backend]}"
    return BackupSet(candidate)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def seal(backup: BackupSet, manifest: dict) -> str:
    """Write the manifest, then the checksum file over snapshot and manifest (sha256sum -c can check it too)."""
    backup.manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    sums = {path.name: sha256_of(path) for path in (backup.snapshot, backup.manifest)}
    backup.checksum.write_text("".join(f"{h}  {name}\n" for name, h in sums.items()), encoding="utf-8")
    return sums[backup.snapshot.name]


def verify(snapshot: Path) -> dict:
    """Check the checksums before anything is restored; returns the manifest."""
    backup = BackupSet(snapshot)
    for path in backup.files():
        if not path.is_file():
            raise NotFound(f"备份文件 {path} 不存在 (backup file missing)")
    expected = {}
    for line in backup.checksum.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        expected[name.strip()] = digest.strip()
    for path in (backup.snapshot, backup.manifest):
        if expected.get(path.name) != sha256_of(path):
            raise Invalid(f"备份文件 {path.name} 校验和不符，文件已损坏或被改动，拒绝恢复 (checksum mismatch)")
    return json.loads(backup.manifest.read_text(encoding="utf-8"))


def existing(directory: Path) -> list[BackupSet]:
    """Backups in the directory, oldest first (names carry the UTC time)."""
    if not directory.is_dir():
        return []
    snapshots = [p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.suffix in SUFFIXES.values()]
    return [BackupSet(p) for p in sorted(snapshots)]


def prune(directory: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` backups; remove the rest with their manifests and checksums."""
    removed: list[Path] = []
    sets = existing(directory)
    for backup in sets[: max(len(sets) - max(keep, 1), 0)]:
        for path in backup.files():
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed
