"""Compliance by rule (issue 15 §8): the catalogue is rules.md's, the test scan finds rule ids in test names."""

from __future__ import annotations

import re

import pytest

from app.auditing import rules_map
from app.settings import PROJECT_ROOT

# shared/ sits beside the checkout (CI, /work/main) or beside the worktrees' folder (/work/wt/<name>).
RULES_MD = next(
    (p for p in (PROJECT_ROOT.parent / "shared" / "rules.md", PROJECT_ROOT.parent.parent / "shared" / "rules.md")
     if p.exists()),
    PROJECT_ROOT.parent / "shared" / "rules.md",
)  # fmt: skip


def test_the_catalogue_holds_every_rule_id_of_rules_md():
    if not RULES_MD.exists():
        pytest.skip("shared/rules.md is not beside this checkout")
    ids = set(re.findall(r"\b([CSM]\d+(?:\.\d+)*)\b", RULES_MD.read_text(encoding="utf-8")))
    assert ids == set(rules_map.CATALOG), (sorted(ids - set(rules_map.CATALOG)), sorted(set(rules_map.CATALOG) - ids))


def test_rule_ids_in_test_names_are_found():
    names = rules_map.test_names()
    assert (
        any(t.endswith("::test_the_catalogue_holds_every_rule_id_of_rules_md") for t in sum(names.values(), []))
        is False
    )
    assert any("test_C14_1" in t for t in names["C14.1"]) and "C13.2.5" in names
    assert rules_map._covers("C13.2.5", "C13") and not rules_map._covers("C14.1", "C14.2")
    assert not rules_map._covers("C1", "C14")
