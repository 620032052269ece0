"""The README and the rule docs stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gru_lint.rules import RULES, explain, markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
            "## Fix safety", "## Known limits")


def test_readme_rules_table_is_generated_from_the_rules():
    table = README.split("<!-- rules-table:start -->\n", 1)[1].split("\n<!-- rules-table:end -->", 1)[0]
    assert table == markdown_table(), "regenerate the README table with gru_lint.rules.markdown_table()"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_docs_have_every_section(code):
    doc = RULES[code].doc
    for section in SECTIONS:
        assert section in doc, f"{code} doc lacks {section!r}"
    assert explain(code).startswith(code)


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_names_and_codes_are_well_formed(code):
    assert re.fullmatch(r"GRU\d{3}", code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", RULES[code].name)
    assert RULES[code].fix_safety in ("safe", "unsafe", "sometimes", "none")


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install . && gru-lint examples/" in README
    test_cmd = 'pip install -e ".[test]" && python -m pytest -n 2 -q'
    assert test_cmd in README
    assert 'pip install --quiet -e ".[test]"' in ci and "python -m pytest -n 2 -q" in ci
