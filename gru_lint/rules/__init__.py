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
TRIGGERS: Tuple[bytes, ...] = tuple(sorted({t for r in RULES.values() for t in r.triggers}))


def explain(code: str) -> Optional[str]:
    rule = RULES.get(code.upper())
    if rule is None:
        return None
    return f"{rule.code} ({rule.name})\n\n{rule.summary}\n\n{rule.doc}\n\nFix safety: {rule.fix_safety}\n"
