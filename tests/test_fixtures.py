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


# --------------------------------------------------------------------------- notebooks
#
# ``*.ipynb`` fixtures carry their markers in code cells; findings are compared as
# (cell, line in cell, code), cells counted over all cells as ruff counts them. A
# notebook named ``invalid_*`` is not valid notebook JSON and must be refused.

NOTEBOOKS = sorted(p for p in FIXTURE_DIR.rglob("*.ipynb") if not p.name.endswith(".fixed.ipynb"))
VALID_NOTEBOOKS = [p for p in NOTEBOOKS if not p.name.startswith("invalid_")]
INVALID_NOTEBOOKS = [p for p in NOTEBOOKS if p.name.startswith("invalid_")]


def _notebook(path: Path):
    from gru_lint.notebook import read_notebook

    return read_notebook(path.read_bytes(), str(path))


def _notebook_markers(notebook):
    import re

    marker = re.compile(r"#\s*error:\s*\[([^\]]*)\]")
    found = set()
    for cell in notebook.virtual.cells:
        if cell.whole_masked:
            continue
        for row, (line, masked) in enumerate(zip(cell.original, cell.masked), 1):
            match = marker.search(masked)
            if match and line == masked:
                found.update((cell.number, row, c.strip()) for c in match.group(1).split(","))
    return found


def test_enough_notebook_fixtures():
    clean = [p for p in VALID_NOTEBOOKS if p.parent.name.startswith("clean")]
    assert len(VALID_NOTEBOOKS) >= 8 and len(clean) >= 4 and INVALID_NOTEBOOKS
    assert any(p.parent.name.endswith("keras2") for p in VALID_NOTEBOOKS)


@pytest.mark.parametrize("path", VALID_NOTEBOOKS, ids=_id)
def test_notebook_findings_match_markers(path):
    notebook = _notebook(path)
    virtual = notebook.virtual
    diagnostics = check_source(virtual.text, str(path))
    found = {(*virtual.locate(d.line), d.code) for d in diagnostics}
    expected = _notebook_markers(notebook)
    if path.parent.name.startswith("clean"):
        assert not expected
    assert found == expected, f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"


@pytest.mark.parametrize("path", VALID_NOTEBOOKS, ids=_id)
def test_notebook_keras_version_is_detected(path):
    assert detect(parse(_notebook(path).virtual.text)) == keras_version_of(path)


@pytest.mark.parametrize("path", INVALID_NOTEBOOKS, ids=_id)
def test_invalid_notebook_is_refused(path):
    from gru_lint.notebook import NotebookError

    with pytest.raises(NotebookError) as info:
        _notebook(path)
    assert "\n" not in str(info.value) and "not a valid notebook" in str(info.value)


@pytest.mark.oracle
@pytest.mark.parametrize("path", VALID_NOTEBOOKS, ids=_id)
def test_keras_agrees_on_notebook(path, tmp_path):
    """The notebook's code cells, masked, run as one program under Keras (or tf_keras)."""
    from oracle import notebook_program, observe, parse_markers, verdict

    program = notebook_program(path, tmp_path)
    version = keras_version_of(path)
    flavour = "tf_keras" if version == 2 else "keras"
    problems = verdict(observe(program, flavour), parse_markers(program), EFFECTS_FOR[version])
    assert not problems, "\n".join(problems)
