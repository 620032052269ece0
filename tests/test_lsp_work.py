"""What the language server's requests re-do: fix-all starts from the analysis the
diagnostics came from, and a quick fix is made once per version (counted, not timed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gru_lint import fixer
from gru_lint.lsp import options
from gru_lint.lsp.documents import Analysis, fixed_text

FIX = Path(__file__).resolve().parent / "fixtures" / "fix"


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = fixer.check_source

    def check_source(text, *args, **kwargs):
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(fixer, "check_source", check_source)
    return calls


@pytest.mark.parametrize("name", ["mixed_up_states.py", "seq2seq_numpy_states.py"])
def test_fix_all_does_not_check_the_analysed_text_again(name, counted):
    text = (FIX / name).read_text(encoding="utf-8")
    settings = options.merge(None, {})
    analysis = Analysis(text, settings)
    assert analysis.diagnostics
    fixed = analysis.fix_all()
    assert fixed != text
    assert text not in counted  # only the texts the rounds made were checked
    assert counted  # (and those were: what remains is known)
    assert fixed == fixed_text(text, settings)  # the same result as from scratch


def test_a_quick_fix_is_made_once_per_version(monkeypatch):
    text = (FIX / "mixed_up_states.py").read_text(encoding="utf-8")
    analysis = Analysis(text, options.merge(None, {}))
    diag = next(d for d in analysis.diagnostics if d.fix is not None and d.fix.edits)
    calls = []
    real = fixer.apply_fixes

    def apply_fixes(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(fixer, "apply_fixes", apply_fixes)
    first = analysis.quick_fix(diag)
    assert first is not None and first != text
    assert analysis.quick_fix(diag) == first
    assert len(calls) == 1
