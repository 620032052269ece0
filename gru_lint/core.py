"""The pure analysis core: text in, diagnostics (or fixed text) out. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from gru_lint.diagnostics import Diagnostic


@dataclass(frozen=True)
class FixResult:
    text: str  # the fixed source (identical object/text when nothing applied)
    applied: Tuple[Diagnostic, ...]  # diagnostics whose fix was applied
    remaining: Tuple[Diagnostic, ...]  # diagnostics still present in ``text``


def might_matter(source) -> bool:
    """Cheap byte/str-level check: can this file contain any finding at all?"""
    raise NotImplementedError


def check_source(source: str, path: str = "<string>") -> List[Diagnostic]:
    """All diagnostics for ``source``, sorted by position. Raises SyntaxError if it does not parse."""
    raise NotImplementedError


def fix_source(source: str, *, unsafe: bool = False) -> FixResult:
    """Apply the fixes gru-lint can prove, repeated until stable."""
    raise NotImplementedError
