"""Fixture programs against gru-lint (static) and against real Keras (the oracle).

Each file under ``tests/fixtures/`` marks the lines gru-lint must report with
``# error: [GRUxxx]``. The comparison is exact in both directions: a finding on an
unmarked line fails, and so does a marker gru-lint does not report. The oracle then
runs every fixture under TensorFlow and checks that each marked line really fails or
misbehaves the way its rule says, and that every unmarked layer call runs cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gru_lint.core import check_source
from gru_lint.rules import RULES

HERE = Path(__file__).parent
FIXTURE_DIR = HERE / "fixtures"
FIXTURES = sorted(p for p in FIXTURE_DIR.rglob("*.py") if not p.name.endswith(".fixed.py"))
CLEAN = [p for p in FIXTURES if p.parent.name.startswith("clean")]
EFFECTS = {code: rule.effects for code, rule in RULES.items()}


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURE_DIR))


def _markers(path: Path):
    from oracle import parse_markers

    return {(line, code) for line, codes in parse_markers(path).items() for code in codes}


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_findings_match_markers(path):
    expected = _markers(path)
    diagnostics = check_source(path.read_text(encoding="utf-8"), str(path))
    found = {(d.line, d.code) for d in diagnostics}
    messages = {(d.line, d.code): d.message for d in diagnostics}
    missing = sorted(expected - found)
    unexpected = sorted(found - expected)
    assert not missing and not unexpected, (
        f"missing (marked, not reported): {missing}\n"
        f"unexpected (reported, not marked): "
        f"{[(line, code, messages[line, code]) for line, code in unexpected]}"
    )


@pytest.mark.parametrize("path", CLEAN, ids=_id)
def test_clean_fixtures_have_no_markers(path):
    assert not _markers(path)


def test_every_rule_has_marked_fixtures():
    marked = {code for path in FIXTURES for _, code in _markers(path)}
    assert set(RULES) <= marked, f"rules without a fixture: {sorted(set(RULES) - marked)}"


def test_enough_fixtures():
    assert len(FIXTURES) >= 100 and len(CLEAN) >= 20


@pytest.mark.oracle
@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_keras_agrees(path):
    from oracle import observe, parse_markers, verdict

    problems = verdict(observe(path), parse_markers(path), EFFECTS)
    assert not problems, "\n".join(problems)
