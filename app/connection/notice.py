"""一次性告知 (S5, M5.4): the whole process and the full list of documents, told once at the start — on the counter
page, on the public form and in docs/connection.md — with the commitments in force for each path."""

from __future__ import annotations

from dataclasses import dataclass

from app.connection import commitments
from app.connection.documents import DOCUMENTS, required
from app.models import CLASSES


@dataclass(frozen=True)
class OneTimeNotice:
    steps: list[tuple[str, dict[str, int]]]  # (step label, path -> working days)
    paths: dict[str, str]
    documents: list[tuple[str, str, list[str]]]  # (code, label, classes that need it)


def one_time() -> OneTimeNotice:
    table = commitments.table()
    docs = [(code, label, [c for c in CLASSES if code in required(c, "counter")]) for code, label in DOCUMENTS.items()]
    return OneTimeNotice([(s.label, table[s.key]) for s in commitments.STEPS], commitments.PATHS, docs)
