"""Values that flow out of the analysis core: diagnostics, fixes and text edits.

Everything here is immutable and free of I/O and of libcst, so the CLI, the flake8
plugin and the fixer can share it at no import cost.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field
from typing import Tuple

# Frozen and slotted where the interpreter allows it (``slots=`` came in 3.10).
_SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}


@dataclass(frozen=True, order=True, **_SLOTS)
class Span:
    """A source range: lines are 1-based, columns are 0-based character offsets."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True, **_SLOTS)
class Edit:
    """Replace the characters ``[start, end)`` of the source text with ``text``."""

    start: int
    end: int
    text: str


class Applicability(str, enum.Enum):
    """How sure a fix is, in ruff's terms."""

    SAFE = "safe"  # keeps what the program can only have meant
    UNSAFE = "unsafe"  # repairs the crash, but intent is ambiguous or behaviour changes


@dataclass(frozen=True, **_SLOTS)
class Fix:
    title: str  # the remedy, e.g. "Prepend the batch of `x`: (x.shape[0], 64)"
    edits: Tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True, **_SLOTS)
class Related:
    """A secondary location, e.g. where the layer was built."""

    message: str
    span: Span


@dataclass(frozen=True, **_SLOTS)
class Diagnostic:
    code: str  # "GRU001"
    message: str  # what is wrong: "expected (batch, 64), found (64,)"
    span: Span
    fix: "Fix | None" = None
    related: Tuple[Related, ...] = field(default_factory=tuple)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def col(self) -> int:
        return self.span.col

    def sort_key(self):
        return (self.span, self.code)
