"""The rule registry.

Each rule lives in its own module, exposing ``RULE`` (its metadata, whose docs are
the module docstring) and ``check(analysis)``, which reads the shared
``FileAnalysis`` and yields diagnostics.
"""

from __future__ import annotations

import importlib
from typing import Dict, Optional, Tuple

from gru_lint.rules._base import Rule

_MODULES = (
    "gru001_missing_batch",
    "gru002_units_mismatch",
    "gru003_batch_mismatch",
    "gru004_wrong_rank",
    "gru005_state_count",
    "gru006_ignored_state",
    "gru007_model_state_ignored",
    "gru008_constructor_state",
    "gru009_return_state_in_sequential",
    "gru010_unpack_count",
    "gru011_stacked_cells",
    "gru012_stateful_batch",
    "gru013_get_initial_state",
    "gru014_convlstm_state_shape",
    "gru015_string_state",
    "gru016_get_initial_state_signature",
    "gru017_reset_states_argument",
    "gru018_model_reset_states",
    "gru019_call_without_initial_state",
    "gru020_initial_state_not_forwarded",
    "gru021_stateful_batch_runs",
    "gru022_state_input_not_model_input",
    "gru023_state_input_arrays",
    "gru024_fixed_batch_state_in_call",
    "gru025_state_not_carried",
)


def _load():
    rules, module_of = {}, {}
    for name in _MODULES:
        module = importlib.import_module(f"gru_lint.rules.{name}")
        rules[module.RULE.code] = module.RULE
        module_of[module.RULE.code] = module
    return rules, module_of


RULES: Dict[str, Rule]
RULES, _MODULE_OF = _load()
CHECKS = tuple(_MODULE_OF[code].check for code in sorted(RULES))
_CHECKS_FOR = {
    version: tuple(_MODULE_OF[code].check for code in sorted(RULES) if version in RULES[code].versions)
    for version in (2, 3)
}


def checks_for(version: int):
    """The checks of the rules that apply to code written for Keras ``version``."""
    return _CHECKS_FOR[version]

TRIGGERS: Tuple[bytes, ...] = tuple(sorted({t for r in RULES.values() for t in r.triggers}))


def explain(code: str) -> Optional[str]:
    rule = RULES.get(code.upper())
    if rule is None:
        return None
    return f"{rule.code} ({rule.name})\n\n{rule.summary}\n\n{rule.doc}\n\nFix safety: {rule.fix_safety}\n"


def _code_block(doc: str, heading: str):
    """The lines of the first code block under ``## heading`` in a rule's doc."""
    _, _, rest = doc.partition(f"## {heading}\n")
    _, _, rest = rest.partition("```python\n")
    block, _, _ = rest.partition("```")
    return [line for line in block.splitlines() if line.strip()]


def example_pair(rule: Rule) -> Tuple[str, str]:
    """The most alike pair of lines that differ between a rule's "Example" and "Use instead"."""
    import difflib

    bad, good = _code_block(rule.doc, "Example"), _code_block(rule.doc, "Use instead")
    only_bad = [line.strip() for line in bad if line not in good]
    only_good = [line.strip() for line in good if line not in bad]
    pairs = [(difflib.SequenceMatcher(None, b, g).ratio(), b, g) for b in only_bad for g in only_good]
    if not pairs:
        return "", ""
    _, before, after = max(pairs, key=lambda p: p[0])
    return before, after


def markdown_table() -> str:
    """The README's rules table (``tests/test_docs.py`` keeps the README in step with it)."""
    rows = [
        "| Code | Name | What it finds | Incorrect | Correct | Fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for code in sorted(RULES):
        rule = RULES[code]
        bad, good = example_pair(rule)
        rows.append(
            f"| {code} | `{rule.name}` | {rule.summary} | `{bad}` | `{good}` | {rule.fix_safety} |"
        )
    return "\n".join(rows)
