"""Fixture programs against gru-lint (static) and against real Keras (the oracle).

Each file under ``tests/fixtures/`` marks the lines gru-lint must report with
``# error: [GRUxxx]``. The comparison is exact in both directions: a finding on an
unmarked line fails, and so does a marker gru-lint does not report. The oracle then
runs every fixture under TensorFlow and checks that each marked line really fails or
misbehaves the way its rule says, and that every unmarked layer call runs cleanly.

Fixtures in folders named ``keras2`` (``keras2/``, ``clean_keras2/``) are Keras 2 code
(they import ``tf_keras``): gru-lint must judge them as Keras 2, and the second oracle
runs them under tf_keras 2.21, checking each rule's Keras 2 effects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gru_lint.core import check_source, parse
from gru_lint.keras_version import detect
from gru_lint.rules import RULES

HERE = Path(__file__).parent
FIXTURE_DIR = HERE / "fixtures"
FIXTURES = sorted(p for p in FIXTURE_DIR.rglob("*.py") if not p.name.endswith(".fixed.py"))
CLEAN = [p for p in FIXTURES if p.parent.name.startswith("clean")]
EFFECTS = {code: rule.effects for code, rule in RULES.items()}
EFFECTS_FOR = {v: {code: rule.effects_for(v) for code, rule in RULES.items()} for v in (2, 3)}
KERAS2 = [p for p in FIXTURES if p.parent.name.endswith("keras2")]
KERAS3_ONLY = {code for code, rule in RULES.items() if rule.versions == frozenset({3})}


def keras_version_of(path: Path) -> int:
    """2 for the fixtures written for Keras 2 (run under tf_keras), else 3."""
    return 2 if path.parent.name.endswith("keras2") else 3


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


def test_enough_keras2_fixtures():
    assert len(KERAS2) >= 5
    assert any(p.parent.name.startswith("clean") for p in KERAS2)


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_keras_version_is_detected(path):
    assert detect(parse(path.read_text(encoding="utf-8"))) == keras_version_of(path)


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_no_keras3_only_finding_on_keras2_code(path):
    """Any fixture, judged as Keras 2 code, gets no Keras-3-only finding (GRU013)."""
    diagnostics = check_source(path.read_text(encoding="utf-8"), str(path), keras_version=2)
    assert not [d for d in diagnostics if d.code in KERAS3_ONLY]


@pytest.mark.oracle
@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_keras_agrees(path):
    """Keras 3 fixtures under Keras 3, Keras 2 fixtures under tf_keras (the second oracle)."""
    from oracle import observe, parse_markers, verdict

    version = keras_version_of(path)
    flavour = "tf_keras" if version == 2 else "keras"
    problems = verdict(observe(path, flavour), parse_markers(path), EFFECTS_FOR[version])
    assert not problems, "\n".join(problems)
